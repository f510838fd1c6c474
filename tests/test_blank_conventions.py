"""A blank cell's convention (0, no, none) never overrides what another column's cell said of the
same field: an instructor stated in the Party-organisation column beside a blank 党建指导员 column, a
union written as its founding date beside a blank 建会时间 column. Both had been lost silently (the
unit counted as not covered; the date as unknown)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from builders import write_csv
from conftest import invoke, sql

_HEAD = [
    "乡镇",
    "企业名称",
    "企业类型",
    "从业人员数",
    "党员人数",
    "党组织",
    "党建指导员",
    "是否建立工会",
    "会员数",
]


@pytest.mark.parametrize("said", ["选派指导员", "派驻党建指导员", "已派党建指导员"])  # written from; held out
def test_an_instructor_in_the_party_column_survives_a_blank_instructor_column(runner, tmp_path, said):
    rows = [
        _HEAD,
        ["城关镇", "甲有限公司", "私营企业", 30, 0, said, "", "未建", 0],
        ["城关镇", "乙有限公司", "私营企业", 30, 0, "无", "", "未建", 0],
        ["城关镇", "丙有限公司", "私营企业", 30, 0, "无", "王五", "未建", 0],
    ]
    f = write_csv(tmp_path / "城关镇2023年非公企业.csv", rows)
    assert invoke(runner, "import", str(f)).exit_code == 0
    got = sql("SELECT unit_name, has_instructor, instructor FROM snapshots ORDER BY unit_name")
    assert sorted(got) == sorted(
        [("甲有限公司", True, None), ("乙有限公司", False, None), ("丙有限公司", True, "王五")]
    )
    report = invoke(runner, "report", "--year", "2023", "--format", "json")
    assert report.exit_code == 0, report.output
    coverage = json.loads(report.output)["sections"][0]["figures"]["party_coverage_rate"]
    assert (coverage["numerator"], coverage["denominator"]) == (2, 3)  # 甲 covered by its instructor


def test_a_founding_date_in_the_union_column_survives_a_blank_date_column(runner, tmp_path):
    head = ["乡镇", "企业名称", "企业类型", "从业人员数", "工会组建情况", "建会时间", "会员数"]
    rows = [
        head,
        ["城关镇", "甲有限公司", "私营企业", 30, "2016.5", "", 20],
        ["城关镇", "乙有限公司", "私营企业", 30, "已建", "2019-03-01", 20],
        ["城关镇", "丙有限公司", "私营企业", 30, "已建", "", 20],
    ]
    f = write_csv(tmp_path / "城关镇2023年建会.csv", rows)
    assert invoke(runner, "import", str(f)).exit_code == 0, invoke(runner, "import", str(f)).output
    got = dict(
        (name, (form, day, precision))
        for name, form, day, precision in sql(
            "SELECT unit_name, union_form, union_established_on, union_established_precision FROM snapshots"
        )
    )
    built = got["丙有限公司"][0]  # (已建 with 30 employees: its own union's form)
    assert built is not None and built != "none"
    assert got["甲有限公司"] == (built, "2016-05-01", "month")
    assert got["乙有限公司"] == (built, "2019-03-01", "day")
    assert got["丙有限公司"] == (built, None, None)


def test_the_record_lists_as_blank_only_what_no_cell_said(tmp_path):
    from djgj.read.files import read
    from djgj.records.parse import Options, parse

    rows = [_HEAD, ["城关镇", "甲有限公司", "私营企业", 30, 0, "选派指导员", "", "未建", ""]]
    f = write_csv(tmp_path / "城关镇.csv", rows)
    (rec,) = parse(read(f), Options(as_of=dt.date(2023, 12, 31))).records
    assert rec.values["has_instructor"] is True and rec.values["instructor"] is None
    assert "has_instructor" not in rec.blank and "union_members" in rec.blank


def test_a_figure_no_unit_can_give_says_its_data_is_lacking_not_absent(runner, tmp_path):
    """党员 is summed over units whose 从业人员 is known (the two are checked against each other): a
    list without 从业人员 gives no such unit, which the report must not word as 党员 being absent."""
    rows = [
        ["乡镇", "企业名称", "企业类型", "党员人数", "党组织形式"],
        ["城关镇", "甲有限公司", "私营企业", 4, "党支部"],
        ["城关镇", "乙有限公司", "私营企业", 1, "联合党支部"],
    ]
    f = write_csv(tmp_path / "城关镇2023年非公企业.csv", rows)
    assert invoke(runner, "import", str(f)).exit_code == 0
    assert sql("SELECT sum(party_members) FROM snapshots") == [(5,)]
    out = invoke(runner, "report", "--year", "2023").output
    assert "所有单位都缺少计算这些指标所需的数据，不作统计：" in out and "党员" in out
    assert "台账中没有这些数据" not in out


def test_a_coverage_gap_says_what_the_ledger_holds_of_the_instructor(runner, tmp_path):
    """Without a 党建指导员 column the ledger does not know of an instructor: the gap says the ledger
    has none recorded, never that the unit has none."""
    rows = [
        ["乡镇", "企业名称", "企业类型", "从业人员数", "党员人数", "党组织形式"],
        ["城关镇", "乙商贸有限公司", "私营企业", 32, 1, "无"],
    ]
    f = write_csv(tmp_path / "城关镇2024年非公企业.csv", rows)
    assert invoke(runner, "import", str(f)).exit_code == 0
    gaps = invoke(runner, "gaps", "--year", "2024", "--rule", "party_coverage", "--format", "csv")
    assert gaps.exit_code == 0, gaps.output
    assert "乙商贸有限公司" in gaps.output and "台账中也没有其党建指导员" in gaps.output
    assert "也无党建指导员" not in gaps.output
