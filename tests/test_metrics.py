"""Rules, figures, targets and profiles on small ledgers built for each case."""

from __future__ import annotations

import json

import pytest

from builders import HEADER, credit_code, write_xlsx
from conftest import invoke

pytestmark = pytest.mark.usefixtures("backend")  # every test here runs on SQLite and on PostgreSQL

HEAD = [*HEADER[1:], "党建指导员", "规范化建设等级"]  # the builders' sheet without 序号, plus two


def county(runner, tmp_path, rows, year=2014, town="城关镇"):
    data = [[f"{town}非公企业情况（{year}年度）"], HEAD]
    for i, r in enumerate(rows, 1):
        data.append([f"企业{i}", credit_code(i), "私营企业", *r])
    f = write_xlsx(tmp_path / f"{town}{year}.xlsx", data)
    result = invoke(runner, "import", str(f))
    assert result.exit_code == 0, result.output


def report(runner, *args):
    r = invoke(runner, "report", "--format", "json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def gaps(runner, *args):
    r = invoke(runner, "gaps", "--format", "json", "--year", "2014", *args)
    assert r.exit_code == 0, r.output
    return [(g["rule"], g["name"]) for g in json.loads(r.stdout)]


ROWS = [
    # employees, migrants, party, party org, union, members, migrant members, date, instructor, grade
    (100, 40, 5, "党支部", "已建", 80, 30, "2014-05-01", "", "规范化"),  # 企业1: all well
    (30, 10, 4, "无", "未建", 0, 0, "", "", ""),  # 企业2: party_org_required, union_required
    (10, 2, 1, "无", "未建", 0, 0, "", "", ""),  # 企业3: union_coverage, party_coverage
    (8, 1, 0, "联合党支部", "联合工会", 8, 1, "2012-01-01", "", ""),  # 企业4: covered both ways
    (5, 1, 1, "无", "组织员", 5, 0, "2013-01-01", "张三", ""),  # 企业5: covered by instructor and organizer
]


def test_figures_follow_the_definitions(runner, tmp_path):
    county(runner, tmp_path, ROWS)
    t = report(runner, "--year", "2014")["totals"]
    assert t["orgs"] == 5 and t["employees"] == 153 and t["party_members"] == 11
    assert t["party_orgs"] == 1 and t["party_org_required"] == 2 and t["party_org_rate"] == 0.5
    assert t["unions"] == 1 and t["union_required"] == 2 and t["union_rate"] == 0.5
    assert t["union_covered"] == 3 and t["union_coverage_rate"] == 3 / 5
    assert t["union_members"] == 93 and t["member_rate"] == pytest.approx(93 / 153)
    assert t["member_rate_unionized"] == pytest.approx(93 / (100 + 8 + 5))
    assert t["migrant_union_members"] == 31 and t["migrant_member_rate"] == pytest.approx(31 / 54)
    assert t["standardization"] == {"initial": 0, "basic": 0, "standard": 1}
    assert t["instructors"] == 1 and t["new_unions"] == 1


def test_units_outside_a_figures_population_are_not_left_out_of_it(runner, tmp_path):
    """已建会单位职工入会率 is about units with a union: the two without one are not "left out for
    missing data" (they were said to be); a unit whose union is unknown is."""
    rows = [*ROWS, (20, 0, 0, "无", "未填", 0, 0, "", "", "")]  # 企业6: union unknown
    county(runner, tmp_path, rows)
    f = report(runner, "--year", "2014")["figures"]["member_rate_unionized"]
    assert f["units"] == 3 and f["left_out"] == 1 and f["unknown"] == 1
    table = invoke(runner, "report", "--year", "2014").stdout
    assert "已建会单位职工入会率：1个单位未计入（1个缺少数据）" in table


def test_every_gap_names_its_rule(runner, tmp_path):
    county(runner, tmp_path, ROWS)
    got = gaps(
        runner,
        "--rule",
        "party_org_required",
        "--rule",
        "union_required",
        "--rule",
        "union_coverage",
        "--rule",
        "party_coverage",
    )
    assert sorted(got) == sorted(
        [
            ("party_org_required", "企业2"),
            ("union_required", "企业2"),
            ("union_coverage", "企业3"),
            ("party_coverage", "企业3"),
        ]
    )
    assert got[0][1] == "企业2"  # biggest employer first
    rows = json.loads(invoke(runner, "gaps", "--year", "2014", "--format", "json").stdout)
    assert all(r["source"] and r["message"] for r in rows)
    assert {"rule", "name", "township", "credit_code", "employees", "party_members", "union_members"} <= set(
        rows[0]
    )


def test_union_threshold_override_and_profiles(runner, tmp_path):
    county(runner, tmp_path, ROWS)
    assert ("union_required", "企业3") in gaps(runner, "--union-threshold", "10")
    assert ("union_required", "企业3") in gaps(runner, "--profile", "zhenning")
    assert ("union_required", "企业3") not in gaps(runner)
    assert report(runner, "--year", "2014", "--profile", "zhenning")["scope"]["union_threshold"] == 10
    focus = gaps(runner, "--profile", "report3", "--rule", "focus_party_org")
    assert focus == [] or all(rule == "focus_party_org" for rule, _ in focus)


def test_a_county_profile_file(runner, tmp_path):
    county(runner, tmp_path, ROWS)
    p = tmp_path / "my.toml"
    p.write_text(
        'name = "my"\ntitle = "本县"\nextends = "national"\n[thresholds]\nunion_employees = 8\n',
        encoding="utf-8",
    )
    assert ("union_required", "企业3") in gaps(runner, "--profile", str(p))
    r = invoke(runner, "rules", "--profile", str(p))
    assert r.exit_code == 0 and "从业人员≥8人" in r.output and "工会法" in r.output
    assert invoke(runner, "gaps", "--profile", "nowhere").exit_code == 2


def test_previous_year_new_members_and_changes(runner, tmp_path):
    county(
        runner,
        tmp_path,
        [
            (
                r[0] - 2,
                r[1],
                r[2],
                r[3],
                r[4],
                max(r[5] - 3, 0),
                r[6],
                r[7] if r[7] < "2014" else "",
                r[8],
                r[9],
            )
            for r in ROWS
        ],
        year=2013,
    )
    county(runner, tmp_path, ROWS, year=2014)
    doc = report(runner, "--year", "2014")
    assert doc["previous"]["union_members"] == (80 - 3) + (8 - 3) + (5 - 3)
    assert doc["totals"]["new_members"] == doc["totals"]["union_members"] - doc["previous"]["union_members"]
    assert doc["changes"]["orgs"] == 0


def test_targets_distance_as_counts_and_targets_commands(runner, tmp_path):
    county(runner, tmp_path, ROWS)
    doc = report(runner, "--year", "2014")
    union = next(t for t in doc["targets"] if t["metric"] == "union_rate")
    assert union["target"] == 0.8 and union["more_needed"] == 1 and not union["met"]
    member = next(t for t in doc["targets"] if t["metric"] == "member_rate")
    assert member["more_needed"] == 123 - 93 and "30 人" in member["text"]  # ceil(0.8*153)=123
    r = invoke(runner, "targets", "set", "union_rate", "0.5", "--year", "2014")
    assert r.exit_code == 0, r.output
    doc = report(runner, "--year", "2014")
    union = next(t for t in doc["targets"] if t["metric"] == "union_rate")
    assert union["met"] and union["more_needed"] == 0
    listing = json.loads(invoke(runner, "targets", "list", "--format", "json").stdout)
    assert any(t["metric"] == "union_rate" and t["value"] == 0.5 for t in listing)
    assert invoke(runner, "targets", "set", "union_rate", "5", "--year", "2014").exit_code == 2
    assert invoke(runner, "targets", "set", "union_rate", "很多", "--year", "2014").exit_code == 2
    r = invoke(runner, "targets", "set", "member_rate", "９０％", "--year", "2014", "--township", "城关镇")
    assert r.exit_code == 0 and "90%" in r.output
    doc = report(runner, "--year", "2014", "--township", "城关镇")
    assert next(t for t in doc["targets"] if t["metric"] == "member_rate")["target"] == 0.9


def test_township_and_kind_scopes(runner, tmp_path):
    county(runner, tmp_path, ROWS[:2], town="城关镇")
    data = [["北关镇（2014年度）"], HEAD, ["企业9", credit_code(9), "私营企业", *ROWS[0]]]
    assert invoke(runner, "import", str(write_xlsx(tmp_path / "b.xlsx", data))).exit_code == 0
    doc = report(runner, "--year", "2014")
    assert set(doc["by_township"]) == {"城关镇", "北关镇"} and doc["totals"]["orgs"] == 3
    assert report(runner, "--year", "2014", "--township", "北关镇")["totals"]["orgs"] == 1
    assert list(report(runner, "--year", "2014")["by_kind"]) == ["non_public"]


def test_report_without_data_says_so(runner, tmp_path):
    county(runner, tmp_path, ROWS)
    r = invoke(runner, "report", "--year", "2010")
    assert r.exit_code == 1 and "没有 2010 年底" in r.output


def test_report_table_reads_like_the_annual_summary(runner, tmp_path):
    county(runner, tmp_path, ROWS)
    out = invoke(runner, "report", "--year", "2014", "--kind", "non_public").stdout
    assert "现有非公有制企业5家" in out and "建会率" in out and "口径" in out and "还需" in out
