"""render.py: every format shows hostile names literally and exports round-trip through our importer.

The rows below carry the traps of docs/reliability.md (rich markup, HTML, formula injection, ``+86``
phone numbers, ``-5`` as text, bare CR and LF) next to Chinese text, None, bools, dates and rates.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from djgj.errors import UsageError
from djgj.output.render import BINARY_FORMATS, FORMATS, render_report, render_rows
from djgj.read.cells import DANGEROUS, neutralise, unneutralise

ROWS: list[dict[str, Any]] = [
    {
        "name": "[red]x[/red]机械厂",
        "township": "城关镇",
        "employees": 1200,
        "party_members": None,
        "chair_is_secretary": True,
        "union_established_on": date(2014, 3, 5),
        "union_rate": 0.761428571,
        "phone": "+8613800138000",
    },
    {
        "name": "[/]",
        "township": "<script>alert(1)</script>",
        "employees": -5,
        "party_members": 3,
        "chair_is_secretary": False,
        "union_established_on": None,
        "union_rate": None,
        "phone": "=cmd|' /C calc'!A0",
    },
    {
        "name": "-5",
        "township": "多行\r\n文本\r裸回车\n",
        "employees": 0,
        "party_members": 0,
        "chair_is_secretary": None,
        "union_established_on": datetime(2014, 5, 6, 7, 8, 9),
        "union_rate": 1.0,
        "phone": "'=already quoted",
    },
]
KEYS = list(ROWS[0])


def _as_text(value: Any) -> str:
    """What a CSV cell of ``value`` must read back as (after unneutralise)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders(fmt: str) -> None:
    out = render_rows(ROWS, fmt, title="单位台账", width=120)
    assert isinstance(out, bytes if fmt in BINARY_FORMATS else str)
    assert render_rows([], fmt) is not None


def test_csv_round_trips_through_csv_reader() -> None:
    out = render_rows(ROWS, "csv")
    assert isinstance(out, str)
    read = list(csv.reader(io.StringIO(out, newline="")))
    assert read[0] == [
        "单位名称",
        "乡镇",
        "从业人员",
        "正式党员",
        "交叉任职",
        "建会时间",
        "建会率",
        "联系电话",
    ]
    assert len(read) == len(ROWS) + 1  # a bare CR never splits a row
    for row, cells in zip(ROWS, read[1:], strict=True):
        assert [unneutralise(c) for c in cells] == [_as_text(row[k]) for k in KEYS]
    phones = [cells[-1] for cells in read[1:]]
    assert phones == ["'+8613800138000", "'=cmd|' /C calc'!A0", "''=already quoted"]
    assert read[3][0] == "'-5" and read[2][2] == "-5"  # text "-5" quoted, the number -5 not
    assert read[1][6] == "0.761428571"  # rates at full precision


def test_xlsx_has_no_formulas_and_round_trips() -> None:
    out = render_rows(ROWS, "xlsx", title="台账[1]:*?")
    assert isinstance(out, bytes)
    wb = openpyxl.load_workbook(io.BytesIO(out))
    ws = wb.active
    assert ws is not None and ws.freeze_panes == "A2"
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "单位名称"
    for row in ws.iter_rows():
        assert all(cell.data_type != "f" for cell in row)
    for row, cells in zip(ROWS, values[1:], strict=True):
        got = dict(zip(KEYS, cells, strict=True))
        assert got["employees"] == row["employees"] and got["union_rate"] == row["union_rate"]
        assert got["party_members"] == row["party_members"]
        assert (
            got["chair_is_secretary"] == _as_text(row["chair_is_secretary"])
            or row["chair_is_secretary"] is None
        )
        when = row["union_established_on"]
        assert got["union_established_on"] == (
            datetime(when.year, when.month, when.day) if type(when) is date else when
        )
        for key in ("name", "township", "phone"):
            # openpyxl does not decode xlsx's _x000D_ escape for CR; calamine (our importer) does.
            text = re.sub(r"_x000D_", "\r", str(got[key]))
            assert unneutralise(text) == row[key]
    assert values[2][-1] == "'=cmd|' /C calc'!A0"


def test_xlsx_round_trips_through_calamine() -> None:
    calamine = pytest.importorskip("python_calamine")
    out = render_rows(ROWS, "xlsx")
    assert isinstance(out, bytes)
    grid = calamine.CalamineWorkbook.from_filelike(io.BytesIO(out)).get_sheet_by_index(0).to_python()
    assert [unneutralise(r[1]) for r in grid[1:]] == [r["township"] for r in ROWS]


def test_json_is_an_array_with_every_key() -> None:
    out = render_rows(ROWS, "json", columns=[("name", "名称")])
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 3
    assert data[0]["union_established_on"] == "2014-03-05" and data[0]["chair_is_secretary"] is True
    assert data[1]["phone"] == "=cmd|' /C calc'!A0" and data[0]["union_rate"] == 0.761428571
    assert set(data[0]) == set(KEYS)


def test_table_shows_markup_literally() -> None:
    out = render_rows(ROWS, "table", width=200)
    assert isinstance(out, str)
    for text in ("[red]x[/red]", "[/]", "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "1,200"):
        assert text in out
    assert "76.1%" in out and "100.0%" in out and "是" in out and "否" in out and "—" in out
    assert "\x1b" not in out and "\r" not in out


def test_md_escapes_pipes_newlines_and_html() -> None:
    out = render_rows(ROWS, "md")
    assert isinstance(out, str)
    assert "<script>" not in out and r"\<script\>" in out
    assert r"=cmd\|' /C calc'!A0" in out
    assert all(line.startswith("|") for line in out.strip().splitlines())
    assert len(out.strip().splitlines()) == len(ROWS) + 2


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="table"):
        render_rows(ROWS, "pdf")
    with pytest.raises(UsageError):
        render_report(REPORT, "pdf")


@pytest.mark.parametrize("value", ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx", "＝1", "＋1", "－1", "＠x"])
def test_neutralise_quotes_dangerous_text(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert unneutralise(neutralise(value)) == value


def test_neutralise_leaves_safe_text_alone() -> None:
    for value in ("", "城关镇", "'", "'abc", "a=b", " =1"):
        assert neutralise(value) == value and unneutralise(value) == value


_TRICKY = st.text(alphabet=st.sampled_from(["'", *DANGEROUS, "a", "中", " ", "\n"]) | st.characters())


@given(_TRICKY)
def test_neutralise_round_trips(value: str) -> None:
    assert unneutralise(neutralise(value)) == value
    assert not neutralise(value).startswith(DANGEROUS)


# --- annual report ------------------------------------------------------------------------------

REPORT: dict[str, Any] = {
    "year": 2014,
    "as_of": date(2014, 12, 31),
    "scope": {
        "kind": "non_public",
        "township": None,
        "profile": "national",
        "profile_title": "全国（工会法）",
        "union_threshold": 25,
        "party_org_threshold": 3,
    },
    "totals": {
        "orgs": 160,
        "employees": 6746,
        "migrant_workers": 2216,
        "party_members": 300,
        "party_member_share": 300 / 6746,
        "party_orgs": 14,
        "party_org_share": 14 / 160,
        "unions": 70,
        "union_rate": 0.7614,
        "union_members": 4100,
        "member_rate": None,
        "migrant_union_members": 900,
        "standardization": {"initial": 18, "basic": 26, "standard": 20},
        "new_unions": 15,
        "new_members": 1100,
    },
    "previous": {
        "orgs": 150,
        "union_rate": 0.7381,
        "union_members": 3000,
        "member_rate": 0.5,
        "standardization": {"initial": 10, "basic": 20, "standard": 20},
    },
    "changes": {"orgs": 10, "union_rate": 0.7614 - 0.7381, "union_members": 1100},
    "by_township": {
        "城关镇": {"orgs": 100, "employees": 5000, "union_rate": 0.8, "member_rate": 0.612},
        "[red]河口乡[/red]": {"orgs": 60, "employees": 1746, "union_rate": None, "member_rate": 0.5},
    },
    "by_kind": {"non_public": {"orgs": 160}},
    "formulas": {"union_rate": "建会率 = 从业人员≥25人且建立工会委员会的单位数 ÷ 从业人员≥25人的单位数"},
    "targets": [
        {
            "metric": "union_rate",
            "label": "建会率",
            "target": 0.8,
            "actual": 0.7614,
            "met": False,
            "more_needed": 4,
            "unit": "家",
            "text": "还需新建 4 家工会可达 80%",
        }
    ],
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_every_format(fmt: str) -> None:
    out = render_report(REPORT, fmt, width=120)
    assert isinstance(out, bytes if fmt in BINARY_FORMATS else str)


def test_report_json_parses_back() -> None:
    data = json.loads(render_report(REPORT, "json"))
    assert data["totals"]["orgs"] == 160 and data["as_of"] == "2014-12-31"
    assert data["totals"]["standardization"]["basic"] == 26


def test_report_table_reads_like_a_summary() -> None:
    out = render_report(REPORT, "table", width=160)
    assert isinstance(out, str)
    assert "2014年度 非公有制企业 党建带动工建情况" in out and "截至 2014-12-31" in out
    assert "现有非公有制企业160家，从业人员6,746人，其中农民工2,216人；有党员300人，占从业人员的4.4%" in out
    assert "规范化建设达到初级标准的18家、达到基本标准的26家、达到规范化标准的20家" in out
    assert "年内新建工会15家，新增会员1,100名。" in out
    assert "城关镇" in out and "[red]河口乡[/red]" in out
    assert "76.1%" in out and "+2.3个百分点" in out and "73.8%" in out
    assert "未达标" in out and "还需新建 4 家工会可达 80%" in out and "从业人员≥25人的单位数" in out
    assert "入会率" in out  # member_rate None: its row shows —, the summary skips the clause
    assert "职工入会率—" not in out


def test_report_md_and_csv() -> None:
    md = render_report(REPORT, "md")
    assert isinstance(md, str) and md.startswith("# 2014年度") and r"\[red\]河口乡\[/red\]" in md
    out = render_report(REPORT, "csv")
    assert isinstance(out, str)
    rows = list(csv.reader(io.StringIO(out, newline="")))
    # Chinese names only (no metric id outside JSON); each figure says its units and its family
    assert rows[0][:5] == ["指标", "本年", "上年", "增减", "口径"]
    assert rows[0][5:] == ["计入单位数", "未计入单位数", "部分"]
    by_key = {r[0]: r[1:] for r in rows[1:]}
    assert by_key["规范化建设·基本"][0:3] == ["26", "20", "6"]
    assert by_key["建会率"][0] == "0.7614" and by_key["建会率"][3].startswith("建会率")
    assert by_key["单位数"][2] == "10" and by_key["职工入会率"][0] == ""


def test_report_xlsx_is_the_official_form() -> None:
    out = render_report(REPORT, "xlsx")
    assert isinstance(out, bytes)
    wb = openpyxl.load_workbook(io.BytesIO(out))
    assert wb.sheetnames == ["主要指标", "分乡镇情况", "分单位类别情况"]
    cells = {r[0]: r for r in wb["主要指标"].iter_rows(min_row=4, values_only=True)}
    assert cells["建会率"][1:3] == (0.7614, 0.7381) and cells["单位数"][1:4] == (160, 150, 10)


# --- CSV cells: the fast path by exact type writes what the general rule writes ------------------

_CELLS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.decimals(allow_nan=False)
    | st.dates()
    | st.datetimes()
    | _TRICKY
    | st.sampled_from(["union_required", "non_public", "committee", "single", "error"])
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)
)


def _reference_cell(value: Any) -> str:
    """A CSV cell by the rule the renderer promises (export text, quoted unless a number)."""
    from decimal import Decimal

    number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        text = ""
    elif isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if number else neutralise(text)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries({"name": _CELLS, "employees": _CELLS, "rule": _CELLS, "kind": _CELLS}),
        max_size=5,
    )
)
def test_csv_cells_follow_the_general_rule(rows: list[dict[str, Any]]) -> None:
    from djgj.vocab.vocabulary import localise_row, localise_rows

    local = localise_rows(rows)
    assert local == [localise_row(r) for r in rows]
    assert [list(r) for r in local] == [list(r) for r in rows]
    columns = [("name", "单位名称"), ("employees", "从业人员"), ("rule", "规则"), ("kind", "类别")]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [[h for _, h in columns], *([_reference_cell(r.get(k)) for k, _ in columns] for r in local)]
    )
    assert render_rows(rows, "csv", columns=columns) == out.getvalue()


def test_a_rates_units_in_the_report_table_are_those_it_is_taken_over(runner, tmp_path):
    """计入单位 beside a rate counts its denominator's units, so that 计入 + 未计入 is the units in
    scope (it had shown the numerator's: 建会率 50% over 4 units read 计入 2)."""
    from builders import write_csv
    from conftest import invoke

    rows = [["乡镇", "单位名称", "企业类型", "从业人员数", "是否建立工会", "会员数"]]
    rows += [["城关镇", f"测试{i}号有限公司", "私营企业", 30, "是" if i < 2 else "否", 20 if i < 2 else 0]
             for i in range(4)]  # fmt: skip
    done = invoke(runner, "import", str(write_csv(tmp_path / "u.csv", rows)), "--as-of", "2014-12-31")
    assert done.exit_code == 0, done.output
    text = invoke(runner, "report", "--year", "2014").output
    line = next(x for x in text.splitlines() if x.strip().startswith("建会率（全部单位口径）"))
    assert line.split()[1:] == ["50.0%", "—", "—", "4"], line
    count = next(x for x in text.splitlines() if x.strip().startswith("建立基层工会的单位"))
    assert count.split()[1:] == ["2", "—", "—", "2"], count
