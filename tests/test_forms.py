"""The official-form writer, the report walker and the HTML/Word renderers on plain data.

The report here is split into sections (enterprises, villages) the way the annual report is heading:
the renderers find its tables by walking it, not by knowing its layout.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from djgj.output import charts, forms, html
from djgj.output.render import render_report, render_rows
from djgj.output.sections import area_tables, targets

TOWNS = {
    "城关镇": {"orgs": 10, "employees": 500, "union_rate": 0.8, "member_rate": 0.5, "unions": 4},
    "<script>alert(1)</script>": {
        "orgs": 5,
        "employees": 100,
        "union_rate": 0.4,
        "member_rate": None,
        "unions": 1,
    },
}
SECTIONED: dict[str, Any] = {
    "year": 2014,
    "as_of": "2014-12-31",
    "scope": {"profile": "national"},
    "sections": [
        {
            "title": "企业和单位",
            "totals": {"orgs": 15, "employees": 600, "union_rate": 0.7, "unions": 5},
            "by_township": TOWNS,
            "targets": [{"metric": "union_rate", "target": 0.8}],
        },
        {
            "title": "村和社区",
            "totals": {"orgs": 7, "union_coverage_rate": 1.0},
            "by_township": {"城关镇": {"orgs": 4, "union_coverage_rate": 1.0}, "北关镇": {"orgs": 3}},
        },
    ],
}


def _rows(data: bytes) -> tuple[Any, list[tuple[Any, ...]]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return ws, list(ws.iter_rows(values_only=True))


def test_form_layout_totals_and_print_setup() -> None:
    form = forms.Form(
        "2014年度测试表",
        [
            forms.Col("name", "单位"),
            forms.Col("a", "从业人员", "人数", "count"),
            forms.Col("b", "会员", "人数", "count"),
            forms.Col("r", "入会率", "人数", "rate"),
            forms.Col("note", "备注"),
        ],
        [
            {"name": "=cmd|' /C calc'!A0", "a": 10, "b": 5, "r": 0.5, "note": "+86 138"},
            {"name": "乙", "a": 30, "b": None, "r": None, "note": None},
        ],
        unit="城关镇",
        as_of="2014-12-31",
        totals={"r": 0.125},
    )
    ws, rows = _rows(forms.workbook([form]))
    assert rows[0][0] == "2014年度测试表" and "A1:E1" in {str(m) for m in ws.merged_cells.ranges}
    assert rows[1][0] == "填报单位：城关镇" and "截止日期：2014-12-31" in rows[1]
    assert rows[2] == ("单位", "人数", None, None, "备注") and rows[3] == (
        None,
        "从业人员",
        "会员",
        "入会率",
        None,
    )
    assert {"A3:A4", "B3:D3", "E3:E4"} <= {str(m) for m in ws.merged_cells.ranges}
    assert rows[4][0] == "'=cmd|' /C calc'!A0" and rows[4][4] == "'+86 138"  # text, never a formula
    assert rows[6] == ("合计", 40, 5, 0.125, None)  # counts summed, the rate from the totals
    assert ws.freeze_panes == "B5" and ws.print_title_rows == "$1:$4"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.column_dimensions["A"].width >= forms.width("'=cmd|' /C calc'!A0")


def test_single_row_headers_and_no_total() -> None:
    form = forms.Form(
        "清单", [forms.Col("x", "名称"), forms.Col("n", "数", kind="number")], [{"x": "甲", "n": 3}]
    )
    form.totals = False
    ws, rows = _rows(forms.workbook([form, form]))
    assert rows[2] == ("名称", "数") and rows[3] == ("甲", 3) and len(rows) == 4
    assert ws.freeze_panes == "B4" and ws.print_title_rows == "$1:$3"


def test_sections_are_found_wherever_they_are() -> None:
    tables = area_tables(SECTIONED)
    assert [(t.section, t.level) for t in tables] == [
        ("企业和单位", "by_township"),
        ("村和社区", "by_township"),
    ]
    assert (
        tables[0].title == "企业和单位 分乡镇情况" and tables[0].totals == SECTIONED["sections"][0]["totals"]
    )
    assert targets(SECTIONED) == {"union_rate": 0.8}
    sheets = openpyxl.load_workbook(io.BytesIO(forms.workbook(forms.report_forms(SECTIONED)))).sheetnames
    assert sheets == ["主要指标", "企业和单位 分乡镇情况", "村和社区 分乡镇情况"]


def test_charts_of_every_section_escape_names() -> None:
    drawn = charts.report_charts(SECTIONED)
    titles = [c.title for c in drawn]
    assert "企业和单位 各乡镇建会率（红色虚线：目标 80%）" in titles
    assert "村和社区 各乡镇工会组织覆盖率（未设目标）" in titles  # villages: judged on coverage
    svg = drawn[0].svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<text" in svg
    assert "xmlns" not in svg


def test_html_page_escapes_and_stays_offline() -> None:
    page = render_report(SECTIONED, "html")
    assert isinstance(page, str) and "<script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page
    listing = render_rows([{"name": "<b>x</b>", "employees": 3}], "html", title="清单 <i>")
    assert isinstance(listing, str) and "&lt;b&gt;x&lt;/b&gt;" in listing and "<i>" not in listing
    assert '<td class="num">3</td>' in listing
    assert html.page("t", ["<p>a</p>", "<p>b</p>"]).count("<section>") == 2


def test_docx_listing_reads_back() -> None:
    import docx

    data = render_rows(
        [{"name": "甲", "employees": 1200}, {"name": "乙", "employees": None}], "docx", title="清单"
    )
    assert isinstance(data, bytes)
    document = docx.Document(io.BytesIO(data))
    assert document.paragraphs[0].text == "清单"
    cells = [[c.text for c in r.cells] for r in document.tables[0].rows]
    assert cells == [["单位名称", "从业人员"], ["甲", "1,200"], ["乙", "—"]]


def test_listing_form_infers_kinds_and_totals() -> None:
    from datetime import date

    rows = [
        {"name": "甲", "union_form": "committee", "change": 3, "on": date(2014, 3, 5), "member_rate": 0.5},
        {"name": "乙", "union_form": "none", "change": -1, "on": None, "member_rate": None},
    ]
    form = forms.listing_form(
        "2013—2014年变化",
        rows,
        [
            ("name", "单位"),
            ("union_form", "工会"),
            ("change", "增减"),
            ("on", "日期"),
            ("member_rate", "入会率"),
        ],
        groups={"change": "变化", "on": "变化"},
    )
    ws, got = _rows(forms.workbook([form]))
    assert got[2][:3] == ("单位", "工会", "变化") and got[3][2:4] == ("增减", "日期")
    assert got[4][1] == "基层工会委员会" and got[5][1] == "未建"  # stored codes in Chinese
    assert got[6][0] == "合计" and got[6][2] == 2 and got[6][4] is None  # a rate is never summed
    assert ws.cell(5, 4).number_format == "yyyy-mm-dd" and ws.cell(5, 5).number_format == "0.0%"


def test_diff_as_the_official_form(runner, sample_ledger, tmp_path) -> None:
    """`diff -f xlsx`: title, 填报单位/截止日期, grouped two-row headers, one row per change, no 合计 of
    values of different kinds, header rows repeated on every printed page."""
    import json

    from conftest import invoke

    out = tmp_path / "变化.xlsx"
    r = invoke(runner, "diff", "2013", "2014", "--township", "城关镇", "-f", "xlsx", "-o", str(out))
    assert r.exit_code == 0, r.output
    listed = json.loads(invoke(runner, "diff", "2013", "2014", "--township", "城关镇", "-f", "json").output)
    ws = openpyxl.load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0].startswith("2013年底→2014年底") and rows[1][0] == "填报单位：城关镇"
    assert rows[2][:3] == ("序号", "变化", "单位") and rows[3][2:5] == ("单位名称", "乡镇", "单位类别")
    body = rows[4:-1]
    assert len(body) == len(listed) and [b[2] for b in body] == [x["name"] for x in listed]
    assert rows[-1][:2] == ("合计", f"共 {len(listed)} 条") and rows[-1][5:8] == (None, None, None)
    assert ws.print_title_rows == "$1:$4" and ws.page_setup.orientation == "landscape"
