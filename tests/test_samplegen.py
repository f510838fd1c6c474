"""The sample generator must reproduce the real samples' quirks and an expected.json that holds for its truth.

These tests read the generated files back with the same readers djgj uses (python-calamine, GB18030), so a
quirk that silently disappeared from the generator (a merged header, a duplicate row, a bad check digit)
would be caught here rather than by a confusingly green importer test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import opencc
import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import ric, uscc

from builders import ROSTER_HEADER
from djgj import samplegen

CHENGGUAN = "2014_城关镇_非公企业党建工建统计表.xlsx"
BEIGUAN = "2014_北关镇_企业台账.xls"
NANPING = "2014_南坪乡_党建工建.csv"
BAISHUI = "2014_白水镇_非公企业情况.xlsx"
COUNTY13 = "2013_全县非公企业党建工建台账.xlsx"
VILLAGES = "2014_各村社区工会组建情况.xlsx"
ROSTER = "2014_城关镇_工会会员花名册.xlsx"
ALL_FILES = [CHENGGUAN, BEIGUAN, NANPING, BAISHUI, COUNTY13, VILLAGES, ROSTER]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("county")
    samplegen.generate(out)
    return out


@pytest.fixture(scope="module")
def report3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report3")
    assert samplegen.main([str(out), "--preset", "report3"]) == 0
    return out


def _rows(path: Path, sheet: int = 0) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(sheet).to_python(skip_empty_area=False)


def _load(d: Path, name: str) -> Any:
    return json.loads((d / name).read_text(encoding="utf-8"))


def test_all_seven_files_and_the_json_exist(county: Path) -> None:
    for name in [*ALL_FILES, "expected.json", "truth.json"]:
        assert (county / name).stat().st_size > 0, name
    exp = _load(county, "expected.json")
    assert [f["file"] for f in exp["files"]] == ALL_FILES
    assert set(exp) == {"county", "non_public", "gaps_2014", "villages_2014", "roster_2014", "files"}


def test_expected_has_the_shared_schema(county: Path) -> None:
    exp = _load(county, "expected.json")
    keys = [
        "orgs",
        "employees",
        "migrant_workers",
        "party_members",
        "party_member_share",
        "party_orgs",
        "party_org_share",
        "party_org_required",
        "party_org_rate",
        "unions",
        "union_share",
        "union_required",
        "union_rate",
        "union_covered",
        "union_coverage_rate",
        "union_members",
        "member_rate",
        "migrant_union_members",
        "migrant_member_rate",
        "standardization",
        "instructors",
        "by_township",
    ]
    assert list(exp["non_public"]["2013"]) == keys
    assert list(exp["non_public"]["2014"]) == [*keys, "new_unions", "new_members"]
    assert set(exp["gaps_2014"]) == {"union_threshold_25", "union_threshold_10"}
    for rules in exp["gaps_2014"].values():
        assert set(rules) == {"union_required", "union_coverage", "party_org_required", "party_coverage"}
    for f in exp["files"]:
        assert set(f) == {"file", "year", "as_of", "township", "kind", "quirks"}


def test_every_credit_code_validates(county: Path) -> None:
    truth = _load(county, "truth.json")
    codes = [o["credit_code"] for year in ("2014", "2013") for o in truth["orgs"][year]]
    assert all(len(c) == 18 and uscc.is_valid(c) for c in codes)
    assert len({o["credit_code"] for o in truth["orgs"]["2014"]}) == len(truth["orgs"]["2014"])
    assert len({o["name"] for o in truth["orgs"]["2014"]}) == len(truth["orgs"]["2014"])


def test_roster_has_two_bad_ids_one_mover_and_declared_gaps(county: Path) -> None:
    rows = _rows(county / ROSTER)
    assert rows[1] == ROSTER_HEADER
    people = rows[2:]
    ids = [r[3] for r in people]
    assert all(len(i) == 18 and isinstance(i, str) for i in ids)
    bad = [i for i in ids if ric.calc_check_digit(i) != i[-1]]
    assert len(bad) == 2
    good = [r for r in people if r[3] not in bad]
    assert all((int(r[3][16]) % 2 == 1) == (r[2] == "男") for r in good)
    units_of: dict[str, set[str]] = {}
    for r in people:
        units_of.setdefault(r[3], set()).add(r[5])
    assert sum(len(u) == 2 for u in units_of.values()) == 1
    exp = _load(county, "expected.json")["roster_2014"]
    truth = _load(county, "truth.json")
    by_code = {o["credit_code"]: o for o in truth["orgs"]["2014"]}
    counts = {code: sum(r[5] == by_code[code]["name"] for r in people) for code in exp["by_org"]}
    assert counts == exp["by_org"] and exp["rows"] == len(people) and exp["invalid_ids"] == 2
    first, second, third = exp["by_org"]
    assert by_code[first]["township"] == "城关镇"
    assert exp["declared"][first] - counts[first] == 5
    assert counts[second] == exp["declared"][second] + 1  # the mover is counted under the second unit too
    assert counts[third] == exp["declared"][third]


def test_csv_is_gb18030_traditional_without_bom(county: Path) -> None:
    raw = (county / NANPING).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("gb18030")
    header = text.splitlines()[0].split(",")
    assert header[:4] == ["企業名稱", "統一社會信用代碼", "企業類型", "所屬行業"]
    assert "黨建指導員" in header and ",," in text and "年" in text


def test_instructors_stay_countable_although_beiguan_only_says_yes(county: Path) -> None:
    t2s = opencc.OpenCC("t2s").convert
    names = {r[18] for r in _rows(county / CHENGGUAN)[4:44] if r[18]}
    names |= {r[14] for r in _rows(county / BAISHUI)[3:] if r[14]}
    names |= {
        t2s(line.split(",")[-1])
        for line in (county / NANPING).read_bytes().decode("gb18030").splitlines()[1:]
    }
    names.discard("")
    assert len(names) == _load(county, "expected.json")["non_public"]["2014"]["instructors"]


def test_xls_is_legacy_with_counts_as_text(county: Path) -> None:
    assert (county / BEIGUAN).read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # OLE2 compound file
    rows = _rows(county / BEIGUAN)
    assert rows[1][:6] == ["序号", "单位名称", "统一社会信用代码", "单位性质", "行业", "从业人员数"]
    data = rows[2:]
    assert len(data) == 40 and all(str(r[5]).endswith("人") for r in data)
    assert {r[10] for r in data} <= {"是", "否"} and {r[12] for r in data} <= {
        "已建",
        "未建",
        "联合工会",
        "组织员",
    }
    assert any("." in r[13] for r in data)


def test_chengguan_has_merged_two_row_header_totals_and_notes(county: Path) -> None:
    wb = CalamineWorkbook.from_path(str(county / CHENGGUAN))
    assert wb.sheet_names == ["Sheet1", "填表说明"]
    sheet = wb.get_sheet_by_index(0)
    merged = set(sheet.merged_cell_ranges or [])
    assert {((2, 5), (2, 7)), ((2, 8), (2, 11)), ((2, 12), (2, 17)), ((2, 0), (3, 0))} <= merged
    rows = sheet.to_python(skip_empty_area=False)
    assert rows[1][0].startswith("填报单位：城关镇党委") and rows[3][5] == "总数"
    total = next(r for r in rows if r[1] == "合计")
    data = rows[4 : rows.index(total)]
    for c in (5, 6, 7, 8, 14, 15):
        assert total[c] == sum(r[c] for r in data)
    assert rows[-1][0].startswith("填表人：")
    assert any(type(r[13]).__name__ == "date" for r in data)


def test_county_2013_totals_row_matches(county: Path) -> None:
    rows = _rows(county / COUNTY13)
    assert rows[1][0] == "乡镇" and rows[-1][1] == "合计"
    data = rows[2:-1]
    for c in (5, 6, 7, 10, 11):
        assert rows[-1][c] == sum(r[c] for r in data)
    exp = _load(county, "expected.json")["non_public"]["2013"]
    assert len(data) == exp["orgs"] and rows[-1][10] == exp["union_members"]


def test_baishui_has_duplicate_empty_row_and_fullwidth_digits(county: Path) -> None:
    rows = _rows(county / BAISHUI)
    assert rows[1][0] == "统计截止：2014年12月31日" and rows[2][0] == "序号"
    body = rows[3:]
    assert any(all(v == "" for v in r) for r in body)
    codes = [r[2] for r in body if r[2]]
    assert len(codes) - len(set(codes)) == 1
    assert all(r[5] and r[5].isdigit() and not r[5].isascii() for r in body if r[2])
    assert {r[9] for r in body} <= {"√", "", "联合工会", "组织员"}


def test_villages_file_matches_expected(county: Path) -> None:
    rows = _rows(county / VILLAGES)[2:]
    exp = _load(county, "expected.json")["villages_2014"]
    assert len(rows) == exp["villages"] and sum(r[7] for r in rows) == exp["union_members"]
    assert sorted(r[1] for r in rows if r[4] == "否") == exp["without_union"]
    assert any(r[1].endswith("社区") for r in rows)


def test_expected_recomputes_from_truth(county: Path) -> None:
    exp, truth = _load(county, "expected.json"), _load(county, "truth.json")
    o14, o13 = truth["orgs"]["2014"], truth["orgs"]["2013"]
    fig = exp["non_public"]["2014"]
    assert fig["orgs"] == len(o14) == 160 and exp["non_public"]["2013"]["orgs"] == 152
    assert fig["unions"] == sum(o["union"] == "committee" for o in o14) == 70
    assert fig["union_members"] == sum(o["union_members"] for o in o14) == 4100
    assert fig["new_members"] == 4100 - sum(o["union_members"] for o in o13) == 1100
    assert fig["new_unions"] == 15 and fig["standardization"] == {"initial": 18, "basic": 26, "standard": 20}
    big = [o for o in o14 if o["employees"] >= 25]
    assert fig["union_rate"] == sum(o["union"] == "committee" for o in big) / len(big)
    gap = sorted(o["credit_code"] for o in o14 if o["employees"] >= 10 and o["union"] != "committee")
    assert exp["gaps_2014"]["union_threshold_10"]["union_required"] == gap
    for o in o14:
        assert o["union_members"] <= o["employees"] and o["party_members"] <= o["employees"]
        assert o["migrant_union_members"] <= min(o["migrant_workers"], o["union_members"])
        if o["union"] == "committee":
            assert o["union_chair"] and o["union_established_on"]


def test_same_seed_same_output(tmp_path: Path, county: Path) -> None:
    samplegen.generate(tmp_path / "a", seed=20141231)
    for name in ("expected.json", "truth.json", NANPING, BEIGUAN):
        assert (tmp_path / "a" / name).read_bytes() == (county / name).read_bytes(), name
    other = samplegen.generate(tmp_path / "b", seed=7)
    assert other != _load(county, "expected.json")


def test_report3_preset_hits_every_figure(report3: Path) -> None:
    exp = _load(report3, "expected.json")
    f = exp["non_public"]["2014"]
    assert (f["orgs"], f["party_members"], f["party_orgs"], f["unions"]) == (336, 560, 27, 125)
    assert (f["union_members"], f["migrant_union_members"]) == (7735, 1273)
    assert f["standardization"] == {"initial": 33, "basic": 54, "standard": 38}
    assert (f["new_unions"], f["new_members"], f["instructors"]) == (33, 2612, 8)
    assert round(560 / f["employees"], 3) == 0.021 and round(27 / 336, 2) == 0.08
    assert round(f["party_member_share"], 3) == 0.021 and round(f["party_org_share"], 2) == 0.08
    assert {x["file"] for x in exp["files"]} == {COUNTY13, "2014_全县非公企业党建工建台账.xlsx", VILLAGES}
    rows = _rows(report3 / "2014_全县非公企业党建工建台账.xlsx")
    assert rows[0][0] == "全县非公有制企业党建工建工作台账（2014年度）" and rows[-1][10] == 7735
