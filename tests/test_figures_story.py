"""Families never summed, the year made explicit, every figure opening onto its units, and the year on
year story unit by unit — on a small county worked out by hand.

城关镇 (enterprises), 2013 and 2014:

| unit   | 2013                               | 2014                                        |
|--------|------------------------------------|---------------------------------------------|
| 测试1  | 30 employees, no union             | 30, union set up 2014-03-05, 20 members     |
| 测试2  | 100, union (2012), 80 members, 党支部 | 60, union, 50 members, no Party organisation |
| 测试3  | 10, no union                       | (not in the 2014 sheet: disappeared)        |
| 测试4  | —                                  | 40, union set up 2014-06-01, 30 members     |
| 测试5  | 20, union (2013), 15 members       | 20, union, 50 members (more than employees) |

北关镇 villages, 2014 only: 北堡村 (union, 559 members, 623 away, 545 joined, 1 activist) and
北屯社区 (no union, 0 members, 640 away, 8 activists).
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from builders import HEADER, unit_row, write_xlsx
from conftest import invoke

pytestmark = pytest.mark.usefixtures("backend")


def u(i, employees, members, union, date, party_org="无", party=2):
    return unit_row(
        i,
        employees=employees,
        members=members,
        union=union,
        建会时间=date,
        党组织形式=party_org,
        党员人数=party,
        农民工人数=min(5, employees),
        农民工会员数=min(3, members),
    )


Y2013 = [
    u(1, 30, 0, "未建", ""),
    u(2, 100, 80, "已建", "2012-01-01", "党支部", 5),
    u(3, 10, 0, "未建", ""),
    u(5, 20, 15, "已建", "2013-01-01"),
]
Y2014 = [
    u(1, 30, 20, "已建", "2014-03-05"),
    u(2, 60, 50, "已建", "2012-01-01", "无", 5),
    u(4, 40, 30, "已建", "2014-06-01"),
    u(5, 20, 50, "已建", "2013-01-01"),
]
VILLAGES = [
    ["2014年村（社区）工会组建情况统计表"],
    [
        "乡镇",
        "村（社区）名称",
        "党员数",
        "是否建立工会",
        "会员数",
        "外出务工人数",
        "其中入会",
        "入会积极分子",
    ],
    ["北关镇", "北堡村", 52, "是", 559, 623, 545, 1],
    ["北关镇", "北屯社区", 27, "否", 0, 640, 0, 8],
]


def load(runner, tmp_path, years=(2013, 2014), villages=True):
    for year, rows in ((2013, Y2013), (2014, Y2014)):
        if year not in years:
            continue
        data = [[f"城关镇非公有制企业党建工建情况（{year}年度）"], HEADER, *rows]
        r = invoke(runner, "import", str(write_xlsx(tmp_path / f"城关镇{year}.xlsx", data)))
        assert r.exit_code == 0, r.output
    if villages:
        r = invoke(runner, "import", str(write_xlsx(tmp_path / "村2014.xlsx", VILLAGES)))
        assert r.exit_code == 0, r.output


def jreport(runner, *args):
    r = invoke(runner, "report", "--format", "json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def listed(runner, *args):
    r = invoke(runner, "report", "--format", "json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_a_report_without_options_has_two_sections_never_summed(runner, tmp_path):
    load(runner, tmp_path)
    doc = jreport(runner)  # no --year: the latest year with data, said so
    assert doc["year"] == 2014 and doc["year_note"]["defaulted"]
    assert "最新数据" in doc["year_note"]["text"]
    ent, vil = doc["sections"]
    assert (ent["family"], vil["family"]) == ("enterprises", "villages")
    # Enterprises: 测试1, 2, 3 (carried over from 2013), 4, 5.
    t = ent["totals"]
    assert t["orgs"] == 5 and t["employees"] == 30 + 60 + 10 + 40 + 20
    # 测试5 has more members than employees: left out of members and member rate, and said so.
    assert t["union_members"] == 20 + 50 + 0 + 30 and ent["figures"]["union_members"]["implausible"] == 1
    assert t["member_rate"] == pytest.approx(100 / (30 + 60 + 10 + 40))
    assert any("数据自相矛盾" in n for n in ent["notes"])
    # Villages: their own idiom and denominators, no employees, 外出务工 never 农民工.
    v = vil["totals"]
    assert v["orgs"] == 2 and v["union_covered"] == 1 and v["union_members"] == 559
    assert v["villagers_away"] == 1263 and v["migrant_union_members"] == 545 and v["activists"] == 9
    assert "employees" not in v and "migrant_workers" not in v
    table = invoke(runner, "report").stdout
    assert "全县2个村（社区）中1个成立工会，覆盖率50.0%，会员人数为559人" in table
    assert "职工入会率为71.4%（1家未计入）" in table  # 测试5, left out, said where the rate is
    assert "外出务工人员1,263人，其中入会545人，入会积极分子达9人" in table
    assert "企业和机关事业单位（单独统计" in table and "村和社区（单独统计" in table
    assert doc["totals"] == ent["totals"]  # scripts read the first section at the top


def test_no_rate_above_100_and_both_denominators_labelled(runner, tmp_path):
    load(runner, tmp_path)
    doc = jreport(runner, "--year", "2014")
    for sec in doc["sections"]:
        for key, value in sec["totals"].items():
            if key.endswith(("_rate", "_share")) and value is not None:
                assert 0 <= value <= 1, (key, value)
    ent = doc["sections"][0]
    f = ent["formulas"]
    assert "单独组建率" in f["party_org_share"] and "联合党支部" in f["party_coverage_rate"]
    assert "全部单位数" in f["union_share"] and "从业人员≥25人" in f["union_rate"]
    # 建会率 (25-employee denominator): 测试1 30, 测试2 60, 测试4 40 with unions → 3/3; 测试3 (10) not in it.
    assert ent["totals"]["union_rate"] == 1.0 and ent["figures"]["union_rate"]["denominator_units"] == 3
    # 建会率 over all units: 4 of 5 have their own union.
    assert ent["totals"]["union_share"] == pytest.approx(4 / 5)


def test_new_unions_and_the_list_behind_them(runner, tmp_path):
    load(runner, tmp_path)
    doc = jreport(runner, "--year", "2014", "--kind", "non_public")
    assert doc["totals"]["new_unions"] == 2 and doc["figures"]["new_unions"]["units"] == 2
    rows = listed(runner, "--year", "2014", "--list", "年内新建工会")
    assert [(r["name"], r["file"], r["sheet"], r["row"]) for r in rows] == [
        ("测试1号有限公司", "城关镇2014.xlsx", "Sheet1", 3),
        ("测试4号有限公司", "城关镇2014.xlsx", "Sheet1", 5),
    ]
    # 建会率's numerator and denominator, by label or id; the counts match the JSON report.
    num = listed(runner, "--year", "2014", "--list", "建会率")
    den = listed(runner, "--year", "2014", "--list", "union_rate", "--denominator")
    assert sorted(r["name"][:3] for r in num) == ["测试1", "测试2", "测试4"]
    assert len(den) == doc["figures"]["union_rate"]["denominator_units"] == 3
    # Members: the unit whose members exceed its employees is not behind the figure.
    members = listed(runner, "--year", "2014", "--list", "工会会员", "--kind", "non_public")
    assert "测试5号有限公司" not in {r["name"] for r in members} and len(members) == 4
    villages = listed(runner, "--year", "2014", "--list", "union_covered", "--kind", "village")
    assert [(r["name"], r["file"], r["row"]) for r in villages] == [("北堡村", "村2014.xlsx", 3)]


@pytest.mark.parametrize("fmt", ["table", "csv", "md", "json"])
def test_the_list_in_every_format(runner, tmp_path, fmt):
    load(runner, tmp_path)
    r = invoke(runner, "report", "--year", "2014", "--list", "年内新建工会", "--format", fmt)
    assert r.exit_code == 0, r.output
    assert "测试4" in r.stdout and "城关镇2014" in r.stdout
    if fmt in ("table", "md"):
        assert "共 2 个" in r.stdout


def test_list_refuses_what_it_cannot_list(runner, tmp_path):
    load(runner, tmp_path)
    r = invoke(runner, "report", "--list", "没有这个指标")
    assert r.exit_code == 2 and "没有指标" in r.output
    r = invoke(runner, "report", "--list", "工会会员", "--denominator")
    assert r.exit_code == 2 and "不是比率" in r.output
    assert invoke(runner, "report", "--denominator").exit_code == 2


def test_a_year_without_new_data_is_said_plainly(runner, tmp_path):
    load(runner, tmp_path, villages=False)
    doc = jreport(runner, "--year", "2015")
    assert doc["year_note"]["carried_over"]
    assert "2015年无新报数据，沿用2014-12-31的数据" in doc["year_note"]["text"]
    assert doc["totals"]["new_unions"] is None and doc["totals"]["new_members"] is None
    assert "2015年无新报数据" in invoke(runner, "report", "--year", "2015").stdout
    # 2014 itself: 测试3 did not report in 2014, so it is left out of 年内新建 and said so.
    doc = jreport(runner, "--year", "2014")
    assert doc["figures"]["new_unions"]["left_out"] >= 1
    assert any("未报数据" in n for n in doc["sections"][0]["notes"])


def test_diff_tells_the_year_unit_by_unit(runner, tmp_path):
    load(runner, tmp_path)
    r = invoke(runner, "diff", "2013", "2014", "--township", "城关镇", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    got = {(x["change"], x["name"][:3]) for x in rows}
    assert ("appeared", "测试4") in got and ("disappeared", "测试3") in got
    assert ("union_set_up", "测试1") in got and ("party_org_lost", "测试2") in got
    assert not any(c == "union_lost" for c, _ in got)
    emp = [x for x in rows if x["change"] == "employees"]
    assert (emp[0]["name"][:3], emp[0]["before"], emp[0]["after"], emp[0]["delta"]) == ("测试2", 100, 60, -40)
    members = [x for x in rows if x["change"] == "union_members"]
    assert [(x["name"][:3], x["delta"]) for x in members] == [("测试5", 35), ("测试2", -30), ("测试1", 20)]
    set_up = next(x for x in rows if x["change"] == "union_set_up")
    assert (set_up["file_before"], set_up["row_before"]) == ("城关镇2013.xlsx", 3)
    assert (set_up["file_after"], set_up["row_after"]) == ("城关镇2014.xlsx", 3)


@pytest.mark.parametrize("fmt", ["table", "csv", "md", "xlsx"])
def test_diff_in_every_format(runner, tmp_path, fmt):
    load(runner, tmp_path)
    out = tmp_path / f"d.{fmt}"
    r = invoke(runner, "diff", "2013", "2014", "--format", fmt, "--output", str(out))
    assert r.exit_code == 0, r.output
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        assert any(x["单位名称"] == "测试4号有限公司" for x in rows)
    elif fmt != "xlsx":
        text = out.read_text(encoding="utf-8")
        assert "新建工会" in text and "城关镇2014.xlsx" in text
    assert invoke(runner, "diff", "2014", "2013").exit_code == 2


def test_a_profile_naming_an_unknown_rule_is_refused_in_chinese(runner, tmp_path):
    p = tmp_path / "my.toml"
    p.write_text(
        'name = "my"\ntitle = "本县"\nextends = "national"\n'
        '[[rules]]\nid = "union_everywhere"\ntitle = "处处建会"\nsource = "本县文件"\n',
        encoding="utf-8",
    )
    r = invoke(runner, "rules", "--profile", str(p))
    assert r.exit_code == 2 and "未知规则 union_everywhere" in r.output and "union_required" in r.output


def test_every_profile_rule_has_its_function_in_the_registry():
    from djgj.rules import profiles, registry

    for name in profiles.available():
        for rule in profiles.load(name).rules:
            cond, kinds, message = registry.condition(rule.id, registry.Params(params=rule.params))
            assert kinds and message and cond is not None
