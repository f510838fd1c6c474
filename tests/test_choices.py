"""Tick columns (在相应栏内打√): one column per answer, read as the one field they choose a value of."""

from __future__ import annotations

from typing import Any

import pytest

from builders import write_csv
from conftest import invoke
from test_layouts import Merge, imported, units, workbook


def _rows(ticks: list[tuple[str, str, str]]) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["石桥镇2021年度非公企业建会建党情况（在相应栏内打“√”）"],
        [
            "企业名称",
            "职工数",
            "单独建会",
            "联合建会",
            "未建会",
            "会员数",
            "建立党支部",
            "联合党支部",
            "未建党组织",
        ],
    ]
    for i, (u, m, p) in enumerate(ticks):
        union = ["√" if u == k else "" for k in "sjn"]
        party = ["√" if p == k else "" for k in "sjn"]
        rows.append([f"石桥{i}号有限公司", 30 + i, *union, m, *party])
    return rows


def test_the_ticked_column_is_the_value_and_never_a_blank_for_the_others(runner, tmp_path):
    """Without reading the run as one choice, 联合建会 would be ignored and its units read as 未建."""
    rows = _rows([("s", "28", "s"), ("j", "20", "j"), ("n", "", "n"), ("", "", "")])
    out = imported(runner, write_csv(tmp_path / "石桥镇.csv", rows))
    got = {k: (v[4], v[5]) for k, v in units().items()}
    assert got == {
        "石桥0号有限公司": ("committee", 28),
        "石桥1号有限公司": ("joint", 20),
        "石桥2号有限公司": ("none", 0),
        "石桥3号有限公司": ("none", 0),
    }
    from conftest import sql

    assert dict(sql("SELECT u.name, s.party_org FROM units u JOIN snapshots s ON s.unit_id = u.id")) == {
        "石桥0号有限公司": "branch",
        "石桥1号有限公司": "joint_branch",
        "石桥2号有限公司": "none",
        "石桥3号有限公司": "none",
    }
    assert "“单独建会”“联合建会”“未建会”列是打√的选项，合并读作工会" in out
    assert "不是台账字段" not in out


def test_two_ticks_in_one_choice_refuse_the_row_naming_them(runner, tmp_path):
    rows = _rows([("s", "28", "s")])
    rows[2][3] = "√"  # 单独建会 and 联合建会 both ticked
    result = invoke(runner, "import", str(write_csv(tmp_path / "石桥镇.csv", rows)))
    assert result.exit_code == 1
    assert "单独建会、联合建会（同时打√，只能选一项）" in result.output


def test_yes_and_no_columns_under_a_group_header_in_xlsx(runner, tmp_path):
    """是 | 否 under 是否建立工会 (merged across): the group says which field, the headers the values."""
    rows: list[list[Any]] = [
        ["河口镇2019年度企业工会情况"],
        ["企业名称", "企业类型", "从业人员", "是否建立工会", None, "会员人数"],
        [None, None, None, "是", "否", None],
        ["河口甲有限公司", "私营企业", 40, "√", None, 35],
        ["河口乙有限公司", "私营企业", 10, None, "√", None],
    ]
    merges: list[Merge] = [
        (1, 0, 2, 0, "企业名称"),
        (1, 1, 2, 1, "企业类型"),
        (1, 2, 2, 2, "从业人员"),
        (1, 3, 1, 4, "是否建立工会"),
        (1, 5, 2, 5, "会员人数"),
    ]
    imported(runner, workbook(tmp_path / "河口镇.xlsx", {"Sheet1": (rows, merges)}))
    got = {k: v[4] for k, v in units().items()}
    assert got == {"河口甲有限公司": "committee", "河口乙有限公司": "none"}


@pytest.mark.parametrize(
    "headers",
    [
        ["是否建立工会", "工会会员数"],  # one union column and a count: no run
        ["单独建会", "单独组建工会"],  # two columns, the same value: not a choice
        ["是否建立工会", "联合工会"],  # a question beside an answer: no choice
    ],
)
def test_columns_that_are_no_choice_are_left_alone(headers):
    from djgj.read.choices import read_choices
    from djgj.read.headers import Column, resolve

    cols = [Column(i, "", h) for i, h in enumerate(headers)]
    resolve(cols)
    before = [c.field for c in cols]
    assert read_choices(cols) == [] and [c.field for c in cols] == before


def test_ticks_as_numbers_or_typed_letters():
    """1 / 0 (an xlsx keeps 1 as 1.0) and v / x typed for √ / ×."""
    from djgj.read.choices import Choice, fold

    choice = [Choice("union_form", 0, ((0, "单独建会"), (1, "联合建会")))]
    assert fold(choice, [1.0, 0.0])[0] == "单独建会"
    assert fold(choice, [0, 1])[0] == "联合建会"
    assert fold(choice, ["x", "V"])[0] == "联合建会"
