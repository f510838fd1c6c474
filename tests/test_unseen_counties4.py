"""A fourth round of counties no one here had seen (probe6): each file is written here by code,
imported as a cadre would, and every figure compared with what the file says, worked out by hand.
Phrasings are checked twice: those a rule was written from (marked), and held-out ones it was not.
"""

from __future__ import annotations

import pytest

from builders import write_csv, write_xls, write_xlsx
from conftest import invoke, sql
from conftest import report_json as _report
from conftest import units_json as _units

_HEAD = ["序号", "企业名称", "职工人数", "是否建会", "会员数"]


def _two_units(last: list) -> list[list]:
    return [
        ["2024年城关镇非公企业工会情况"],
        _HEAD,
        [1, "城关镇甲有限公司", 50, "是", 40],
        [2, "城关镇乙有限公司", 20, "否", 0],
        last,
    ]


def _import(runner, path, *extra):
    return invoke(runner, "import", str(path), "--kind", "non_public", *extra)


def _flat(res) -> str:
    return " ".join(res.output.split())


# ---------------------------------------------------------------- a totals row labelled in English


@pytest.mark.parametrize(
    "label",
    ["Total", "合计 Total", "Sum", "TOTAL", "Grand Total", "Subtotal", "total:", "合计（Total）"],
)  # first written from
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_totals_row_labelled_in_english_is_no_unit(runner, tmp_path, label, fmt):
    rows = _two_units([None, label, 70, 1, 40])
    if fmt == "csv":
        path = write_csv(tmp_path / "城关镇.csv", [[("" if v is None else str(v)) for v in r] for r in rows])
    else:
        path = write_xlsx(tmp_path / "城关镇.xlsx", rows)
    res = _import(runner, path)
    assert res.exit_code == 0, res.output
    assert set(_units(runner)) == {"城关镇甲有限公司", "城关镇乙有限公司"}  # (it had been a third unit)
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["union_members"]) == (2, 70, 40)


def test_an_english_totals_row_is_checked_like_a_chinese_one(runner, tmp_path):
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", _two_units([None, "Total", 75, 1, 40])))
    assert res.exit_code == 0, res.output
    assert "合计行" in res.output and "75" in res.output  # the sum differs: said


@pytest.mark.parametrize("name", ["Totalink Ltd", "SUMMIT科技有限公司", "Sunny五金店"])
def test_a_units_name_in_latin_letters_is_still_a_unit(runner, tmp_path, name):
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", _two_units([3, name, 12, "否", 0])))
    assert res.exit_code == 0, res.output
    assert name in _units(runner)


def test_the_totals_words_hold_english_as_data():
    from djgj.read.layout import is_totals_label

    assert is_totals_label("Total") and is_totals_label("合计Total") and is_totals_label("小计")
    assert not is_totals_label("Totalink") and not is_totals_label("城关镇甲有限公司")


# ---------------------------------------------------------------- a town-like word inside a phrase


@pytest.mark.parametrize(
    "title",
    [
        "2024年小城镇建设企业",  # written from
        "2024年小城镇建设企业工会情况统计表",
        "特色小镇入驻企业工会组建情况",  # held out
        "2024年城镇建设企业党建工作情况",
        "新型城镇化项目单位统计表",
    ],
)
def test_a_town_word_inside_a_phrase_is_no_township(runner, tmp_path, title):
    rows = [[title], _HEAD, [1, "甲有限公司", 50, "是", 40], [2, "乙有限公司", 20, "否", 0]]
    res = _import(runner, write_xlsx(tmp_path / "企业.xlsx", rows), "--as-of", "2024-12-31")
    assert res.exit_code == 0, res.output
    towns = {u["township"] for u in _units(runner).values()}
    assert towns == {None}, towns  # (小城镇 had become both units' township)


@pytest.mark.parametrize(
    ("title", "town"),
    [
        ("2024年城关镇非公企业工会情况", "城关镇"),
        ("红旗街道2024年度两新组织统计表", "红旗街道"),
        ("中共石桥镇委员会：非公企业党建台账", "石桥镇"),
        ("填报单位：古城镇", "古城镇"),  # a real town whose name ends as 城镇 does
        ("2024年新城镇企业工会情况", "新城镇"),
    ],
)
def test_a_township_standing_alone_in_a_title_is_still_read(runner, tmp_path, title, town):
    rows = [[title], _HEAD, [1, "甲有限公司", 50, "是", 40]]
    res = _import(runner, write_xlsx(tmp_path / "企业.xlsx", rows), "--as-of", "2024-12-31")
    assert res.exit_code == 0, res.output
    assert {u["township"] for u in _units(runner).values()} == {town}


def test_a_title_phrase_never_names_a_township_but_a_place_cell_still_does():
    from djgj.read.layout import township_cell, townships_in_title

    assert townships_in_title("2024年小城镇建设企业") == []
    assert townships_in_title("桥头镇、石门镇非公企业情况") == ["桥头镇", "石门镇"]
    assert township_cell("城关镇东关村") == "城关镇"  # a place below the township: still its own


# ---------------------------------------------------------------- a hidden column


def _with_hidden_column(path, rows, col: int):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet("Sheet1")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    ws.set_column(col, col, None, None, {"hidden": True})
    wb.close()
    return path


def test_a_hidden_column_is_read_and_said(runner, tmp_path):
    rows = [
        ["2024年城关镇非公企业工会情况"],
        ["序号", "企业名称", "职工人数", "党员人数", "是否建会", "会员数"],
        [1, "城关镇甲有限公司", 50, 3, "是", 40],
        [2, "城关镇乙有限公司", 20, 1, "否", 0],
    ]
    res = _import(runner, _with_hidden_column(tmp_path / "城关镇.xlsx", rows, 3))
    assert res.exit_code == 0, res.output
    out = _flat(res)
    assert "D列“党员人数”是隐藏列，已读取" in out
    assert _report(runner)["totals"]["party_members"] == 4


def test_a_hidden_column_no_field_reads_is_not_said(runner, tmp_path):
    rows = [
        ["2024年城关镇非公企业工会情况"],
        ["序号", "企业名称", "职工人数", "是否建会", "会员数", "备注"],
        [1, "城关镇甲有限公司", 50, "是", 40, "x"],
    ]
    res = _import(runner, _with_hidden_column(tmp_path / "城关镇.xlsx", rows, 5))
    assert res.exit_code == 0, res.output
    assert "隐藏列" not in res.output


# ---------------------------------------------------------------- a village's column on an enterprise's row


def test_blank_columns_of_the_other_family_stay_unknown(runner, tmp_path):
    rows = [
        ["2024年东城街道基层工会组建情况"],
        [
            "单位名称",
            "单位类别",
            "职工人数",
            "农民工人数",
            "外出务工人数",
            "入会积极分子",
            "是否建会",
            "会员数",
        ],
        ["东城街道宏图印刷有限公司", "有限责任公司", 45, 20, None, None, "是", 40],
        ["东城街道东关村", "村委会", None, None, 300, 12, "是", 90],
        ["东城街道和平社区", "居委会", None, None, "", "", "是", 60],
    ]
    res = invoke(runner, "import", str(write_xlsx(tmp_path / "东城街道.xlsx", rows)))
    assert res.exit_code == 0, res.output
    got = {
        n: (e, m, a, v)
        for n, e, m, a, v in sql(
            "SELECT unit_name, employees, migrant_workers, activists, villagers_away FROM snapshots"
        )
    }
    assert got["东城街道宏图印刷有限公司"] == (45, 20, None, None)  # (a village's columns had been 0)
    assert got["东城街道东关村"] == (None, None, 12, 300)  # (an enterprise's columns had been 0)
    # a village's own column left blank keeps the sheet's convention for villages
    assert got["东城街道和平社区"][2:] == (0, 0)


# ---------------------------------------------------------------- an Excel error in an old .xls


def _xls_with_errors(path, rows, errors: dict[tuple[int, int], str]):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    for (r, c), err in errors.items():
        ws.row(r).set_cell_error(c, err)
    wb.save(str(path))
    return path


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!"])  # first written from
def test_an_error_cell_in_an_old_xls_is_never_zero(runner, tmp_path, error):
    rows = [
        ["城关镇非公企业工会情况（2024年）"],
        ["企业名称", "职工人数", "是否建会", "会员数"],
        ["城关镇甲有限公司", 40, "是", None],
        ["城关镇乙有限公司", 60, "是", 30],
    ]
    codes = {"#DIV/0!": "#DIV/0!", "#N/A": 0x2A, "#VALUE!": 0x0F, "#REF!": "#REF!"}
    path = _xls_with_errors(tmp_path / "城关镇.xls", rows, {(2, 3): codes[error]})
    res = _import(runner, path)
    assert res.exit_code == 1, res.output  # (calamine gives it as an empty cell: 0 members)
    assert "D3（" in _flat(res) and "Excel 错误值" in res.output and "Traceback" not in res.output
    assert _units(runner) == {}


def test_an_error_cell_outside_the_figures_of_an_xls_is_no_refusal(runner, tmp_path):
    rows = [
        ["城关镇非公企业工会情况（2024年）"],
        ["企业名称", "职工人数", "是否建会", "会员数", "备注"],
        ["城关镇甲有限公司", 40, "是", 10, None],
        ["城关镇乙有限公司", 60, "是", 30, None],
        ["合计", 100, None, None, None],
    ]
    path = _xls_with_errors(tmp_path / "城关镇.xls", rows, {(2, 4): "#DIV/0!", (4, 3): "#REF!"})
    res = _import(runner, path)
    assert res.exit_code == 0, res.output
    assert "D5（#REF!）：合计行是 Excel 错误值，未核对" in _flat(res)
    assert _report(runner)["totals"]["union_members"] == 40


def test_a_plain_xls_still_imports(runner, tmp_path):
    rows = [["城关镇非公企业工会情况（2024年）"], ["企业名称", "职工人数", "是否建会", "会员数"]]
    rows += [["城关镇甲有限公司", 40, "是", 10]]
    res = _import(runner, write_xls(tmp_path / "城关镇.xls", rows))
    assert res.exit_code == 0, res.output
    assert _report(runner)["totals"]["union_members"] == 10


# ---------------------------------------------------------------- a joint union among the units


@pytest.mark.parametrize(
    "row",
    [
        [3, "城关镇个体劳动者联合工会", 36, "是", 30],  # written from
        [3, "联合工会（覆盖12家企业）", 36, "联合工会", 30],
        [3, "城关镇商贸行业工会联合会", None, "是", 55],  # held out
        [3, "城关镇工业园区联合工会覆盖8家企业", 120, "是", 100],
    ],
)
def test_a_joint_union_among_the_units_is_skipped_and_said_not_refusing_the_file(runner, tmp_path, row):
    res = _import(runner, write_xlsx(tmp_path / "城关镇.xlsx", _two_units(row)))
    assert res.exit_code == 0, res.output  # (the whole file had been refused)
    out = _flat(res)
    assert "联合" in out and "不是一个单位" in out and "第5行" in out
    assert set(_units(runner)) == {"城关镇甲有限公司", "城关镇乙有限公司"}
    t = _report(runner)["totals"]
    assert (t["orgs"], t["employees"], t["union_members"]) == (2, 70, 40)


def test_hidden_columns_are_found_when_the_workbook_is_read_whole(tmp_path):
    from djgj.read.files import read

    path = _with_hidden_column(tmp_path / "a.xlsx", [["企业名称", "职工人数", "党员人数"], ["甲", 1, 2]], 2)
    assert read(path).sheets[0].hidden_cols == frozenset({2})
