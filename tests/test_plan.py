"""`djgj plan` and `djgj status` on small hand-worked ledgers whose answers are known."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from builders import HEADER, credit_code, write_xlsx
from conftest import invoke

HEAD = HEADER[1:11]  # 企业名称 … 农民工会员数

# name, employees, migrants, party members, party org, union, members, migrant members
CHENGGUAN = [
    ("甲厂", 100, 40, 5, "党支部", "已建", 80, 30),  # unionized, 20 employees not yet members
    ("乙厂", 60, 20, 0, "无", "未建", 0, 0),  # large, no Party: last of the three for 建会率
    ("丙厂", 30, 10, 4, "党支部", "未建", 0, 0),  # own Party organisation: first (党建带工建)
    ("丁厂", 40, 10, 1, "无", "未建", 0, 0),  # Party members: second
    ("戊店", 10, 4, 0, "无", "未建", 0, 0),  # small: joint union
    ("己店", 8, 3, 0, "无", "未建", 0, 0),  # small: joint union
    ("庚厂", 26, 6, 2, "无", "已建", 20, 4),  # unionized
]
BEIGUAN = [("子厂", 50, 10, 3, "党支部", "已建", 50, 10), ("丑厂", 30, 5, 1, "无", "已建", 30, 5)]


def township(runner, tmp_path, town, rows, year=2014, start=1, drop=()):
    """Import one township's sheet; ``drop`` leaves columns out (their values unknown, never 0)."""
    keep = [i for i, h in enumerate(HEAD) if h not in drop]
    data = [[f"{town}非公企业情况（{year}年度）"], [HEAD[i] for i in keep]]
    for i, (name, *values) in enumerate(rows, start):
        row = [name, credit_code(i), "私营企业", *values]
        data.append([row[i] for i in keep])
    f = write_xlsx(tmp_path / f"{town}{year}.xlsx", data)
    result = invoke(runner, "import", str(f), "--as-of", f"{year}-12-31")
    assert result.exit_code == 0, result.output


@pytest.fixture
def county(runner, tmp_path):
    township(runner, tmp_path, "城关镇", CHENGGUAN)
    township(runner, tmp_path, "北关镇", BEIGUAN, start=100)


def plan(runner, *args):
    result = invoke(runner, "plan", "--year", "2014", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return {(p["township"], p["metric"]): p for p in json.loads(result.stdout)}


def names(p):
    return [s["name"] for s in p["steps"]]


@pytest.mark.usefixtures("backend")
def test_union_rate_party_led_first_then_largest(runner, county):
    got = plan(runner, "--target", "建会率=80%")
    p = got[("城关镇", "union_rate")]
    # 应建 (≥25): 甲 乙 丙 丁 庚 = 5, built 甲 庚 = 2 → 40%; 80% needs 2 more: 丙 (党支部), 丁 (党员)
    assert (p["numerator"], p["denominator"]) == (2, 5)
    assert names(p) == ["丙厂", "丁厂"] and p["reached"]
    assert [s["rate_after"] for s in p["steps"]] == [0.6, 0.8]
    assert [s["reaches"] for s in p["steps"]] == [False, True]
    assert all(s["action"] == "新建工会" for s in p["steps"])
    north = got[("北关镇", "union_rate")]
    assert north["steps"] == [] and north["reached"] and "已达到目标" in north["note"]


def test_member_rate_largest_gain_first(runner, county):
    p = plan(runner, "--target", "入会率=80%", "--township", "城关镇")[("城关镇", "member_rate")]
    # 274 employees, 100 members; 80% needs 120 more: 乙 60, 丁 40, 丙 30 (3 steps; no 2 suffice)
    assert (p["numerator"], p["denominator"]) == (100, 274)
    assert names(p) == ["乙厂", "丁厂", "丙厂"] and p["reached"]
    assert [s["gain"] for s in p["steps"]] == [60, 40, 30]
    assert p["steps"][-1]["rate_after"] == pytest.approx(230 / 274)


def test_unreachable_target_says_by_how_much(runner, county):
    p = plan(runner, "--target", "入会率=95%", "--township", "城关镇")[("城关镇", "member_rate")]
    # every step: 60+40+30 and the joint union's 18 → 248/274 = 90.5%; 95% needs 161, 13 short
    assert not p["reached"] and p["shortfall"] == 13
    assert names(p)[:3] == ["乙厂", "丁厂", "丙厂"] and len(p["steps"]) == 4
    assert p["rate_after"] == pytest.approx(248 / 274)
    assert "还差 13 人" in p["note"] and "4.5 个百分点" in p["note"] and "26 人未入会" in p["note"]


def test_joint_union_covers_the_small_units_at_once(runner, county):
    p = plan(runner, "--target", "工会组织覆盖率=60%", "--township", "城关镇")[
        ("城关镇", "union_coverage_rate")
    ]
    # covered 2 of 7; 60% needs 3 more: the joint union of 戊 and 己 (2), then 丙 (党支部) → 5/7
    assert (p["numerator"], p["denominator"]) == (2, 7)
    first, second = p["steps"]
    assert first["action"] == "组建联合工会" and first["covers"] == ["己店", "戊店"] and first["gain"] == 2
    assert first["name"] == "城关镇区域联合工会" and second["name"] == "丙厂"
    assert second["rate_after"] == pytest.approx(5 / 7) and p["reached"]


def test_default_targets_and_every_format(runner, county, tmp_path):
    got = plan(runner)  # the profile's targets: 建会率, 入会率, 农民工入会率
    assert {m for _t, m in got} >= {"union_rate", "member_rate", "migrant_member_rate"}
    table = invoke(runner, "plan", "--year", "2014", "--township", "城关镇")
    assert table.exit_code == 0 and "丙厂" in table.stdout and "达到目标" in table.stdout
    assert "40.0%" in table.stdout and "80.0%" in table.stdout
    for fmt in ("csv", "md", "html"):
        r = invoke(runner, "plan", "--year", "2014", "--format", fmt)
        assert r.exit_code == 0 and "丙厂" in r.stdout, fmt
    out = tmp_path / "plan.xlsx"
    r = invoke(runner, "plan", "--year", "2014", "--format", "xlsx", "-o", str(out))
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(io.BytesIO(out.read_bytes())).active
    values = list(ws.iter_rows(values_only=True))
    assert "工作清单" in values[0][0] and values[2][0] == "乡镇" and values[3][4] == "顺序"
    assert any(r[0] == "合计" for r in values) and ws.print_title_rows == "$1:$4"


def test_bad_target_is_a_usage_error(runner, county):
    r = invoke(runner, "plan", "--year", "2014", "--target", "幸福指数=80%")
    assert r.exit_code == 2 and "建会率" in r.output


# ---------------------------------------------------------------- status


@pytest.mark.usefixtures("backend")
def test_status_names_the_township_that_has_not_reported(runner, tmp_path):
    township(runner, tmp_path, "城关镇", CHENGGUAN, year=2013)
    township(runner, tmp_path, "北关镇", BEIGUAN, year=2013, start=100)
    township(runner, tmp_path, "城关镇", CHENGGUAN, year=2014)
    township(runner, tmp_path, "南坪乡", BEIGUAN, year=2014, start=200, drop=("党组织形式",))
    r = invoke(runner, "status", "--year", "2013", "--format", "json")
    assert r.exit_code == 0, r.output
    r = invoke(runner, "status", "--year", "2014", "--format", "json")
    assert r.exit_code == 1 and "北关镇" in r.stderr
    rows = {x["township"]: x for x in json.loads(r.stdout)}
    assert rows["北关镇"]["status"] == "未报送" and rows["北关镇"]["reported_units"] == 0
    assert rows["北关镇"]["units"] == 2 and rows["北关镇"]["latest_data"] == "2013-12-31"
    town = rows["城关镇"]
    assert town["status"] == "已报送" and town["units"] == 7 and town["reported_units"] == 7
    assert town["unknown_share"] == 0 and town["last_import"]
    assert rows["南坪乡"]["unknown_share"] == 1  # no 党组织 column: every unit's Party organisation unknown
    assert list(rows) == ["北关镇", "南坪乡", "城关镇"]  # missing first
    table = invoke(runner, "status", "--year", "2014")
    assert table.exit_code == 1 and "未报送" in table.stdout and "100.0%" in table.stdout
