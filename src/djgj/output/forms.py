"""Official-form xlsx (报表): what a county sends up the line, in the layout offices expect.

One generic writer, :func:`workbook`, takes any number of :class:`Form` (title, 填报单位/截止日期 line,
columns with optional group headers, rows of plain data, a 合计 row) and lays each out as a sheet: a
merged title row, the unit/date line, grouped two-row headers (a column without a group spans both
rows), Chinese values, a 合计 row, frozen headers, fitted widths, A4 landscape with the title and
header rows repeated on every printed page. The report, gaps, plan (and diff) forms are built from it.
Text never becomes a formula (RELIABILITY promise 8); the 合计 holds numbers, not SUM formulas, so the
sheet reads the same in Excel, WPS and any importer.
"""

from __future__ import annotations

import io
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from djgj.read.cells import neutralise
from djgj.vocab.fields import GRADES, KINDS, PARTY_ORG_FORMS, UNION_FORMS

TOTAL = "合计"


@dataclass
class Col:
    key: str
    header: str
    group: str = ""  # the merged group header above; "" = this header spans both header rows
    #: text | count (summed into 合计) | number (not summed) | rate | date | seq (序号) |
    #: auto (rate or count as the row's ``_rate`` says) | delta (a change: +12, or +1.5 个百分点 for a rate row)
    kind: str = "text"


@dataclass
class Form:
    title: str
    columns: list[Col]
    rows: list[dict[str, Any]]
    sheet: str = "表1"
    unit: str = ""  # 填报单位
    as_of: str = ""  # 截止日期
    #: None: a 合计 row of the count columns' sums; a dict: also its rates (which cannot be summed);
    #: False: no 合计 row (a list of items, not of figures).
    totals: dict[str, Any] | None | bool = None
    notes: list[str] = field(default_factory=list)


def width(value: Any) -> int:
    """Display width of a cell's text: a CJK character counts two."""
    text = _text(value)
    return max(
        (
            sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            for line in text.splitlines()
        ),
        default=0,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date | datetime):
        return value.isoformat()[:10]
    if isinstance(value, float):
        return f"{value:,.1%}" if abs(value) <= 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value))


def total_row(form: Form) -> dict[str, Any] | None:
    """The 合计 row: count columns summed over the rows (blank when no row knows the count); rate
    columns from the form's totals (never summed, never averaged)."""
    if form.totals is False:
        return None
    given = form.totals if isinstance(form.totals, dict) else {}
    out: dict[str, Any] = {}
    for col in form.columns:
        if col.kind == "count":
            known = [r[col.key] for r in form.rows if _number(r.get(col.key))]
            out[col.key] = sum(known) if known else given.get(col.key)
        elif col.kind != "seq":
            out[col.key] = given.get(col.key)
    first = form.columns[0].key
    out[first] = TOTAL
    return out


class _Styles:
    def __init__(self, workbook: Any) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        cell = {**base, "border": 1}
        self.title = workbook.add_format({**base, "font_size": 16, "bold": True, "align": "center"})
        self.line = workbook.add_format({**base, "align": "left"})
        self.line_right = workbook.add_format({**base, "align": "right"})
        self.header = workbook.add_format(
            {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#EEF1F5"}
        )
        self.text = workbook.add_format({**cell, "text_wrap": True})
        self.count = workbook.add_format({**cell, "num_format": "#,##0"})
        self.rate = workbook.add_format({**cell, "num_format": "0.0%"})
        self.date = workbook.add_format({**cell, "num_format": "yyyy-mm-dd"})
        self.seq = workbook.add_format({**cell, "align": "center"})
        self.delta = workbook.add_format({**cell, "num_format": "+#,##0;-#,##0;0"})
        self.pp = workbook.add_format({**cell, "num_format": '+0.0"个百分点";-0.0"个百分点";0'})
        bold = {**cell, "bold": True}
        self.total = {
            "text": workbook.add_format({**bold, "align": "center"}),
            "count": workbook.add_format({**bold, "num_format": "#,##0"}),
            "rate": workbook.add_format({**bold, "num_format": "0.0%"}),
        }

    def of(self, kind: str, total: bool) -> Any:
        if total:
            return self.total.get(kind, self.total["text"])
        return {
            "count": self.count,
            "number": self.count,
            "rate": self.rate,
            "date": self.date,
            "seq": self.seq,
            "delta": self.delta,
            "pp": self.pp,
        }.get(kind, self.text)


def _write_cell(sheet: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        sheet.write_blank(r, c, None, fmt)
    elif _number(value):
        sheet.write_number(r, c, float(value), fmt)
    elif isinstance(value, date | datetime):
        sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), fmt)
    else:
        sheet.write_string(r, c, neutralise(_text(value)), fmt)


def _headers(sheet: Any, form: Form, styles: _Styles, top: int) -> int:
    """Write the header rows from row ``top``; return the first data row."""
    cols = form.columns
    two = any(c.group for c in cols)
    c = 0
    while c < len(cols):
        col = cols[c]
        if not two:
            sheet.write_string(top, c, col.header, styles.header)
            c += 1
        elif not col.group:
            sheet.merge_range(top, c, top + 1, c, col.header, styles.header)
            c += 1
        else:
            end = c
            while end + 1 < len(cols) and cols[end + 1].group == col.group:
                end += 1
            if end > c:
                sheet.merge_range(top, c, top, end, col.group, styles.header)
            else:
                sheet.write_string(top, c, col.group, styles.header)
            for i in range(c, end + 1):
                sheet.write_string(top + 1, i, cols[i].header, styles.header)
            c = end + 1
    return top + (2 if two else 1)


def _span(sheet: Any, row: int, first: int, last: int, text: str, fmt: Any) -> None:
    if last > first:
        sheet.merge_range(row, first, row, last, text, fmt)
    else:
        sheet.write_string(row, first, text, fmt)


def _sheet(workbook: Any, form: Form, styles: _Styles, name: str) -> None:
    sheet = workbook.add_worksheet(name)
    last = len(form.columns) - 1
    _span(sheet, 0, 0, last, form.title, styles.title)
    sheet.set_row(0, 30)
    half = max(0, last // 2)
    unit = f"填报单位：{form.unit}" if form.unit else "填报单位（盖章）："
    when = f"截止日期：{form.as_of}" if form.as_of else ""
    if last > 0:
        _span(sheet, 1, 0, half, unit, styles.line)
        _span(sheet, 1, half + 1, last, when, styles.line_right)
    else:
        sheet.write_string(1, 0, f"{unit}　{when}", styles.line)
    first = _headers(sheet, form, styles, 2)
    widths = [max(width(c.header), width(c.group) // 2 if c.group else 0) for c in form.columns]
    rows = list(form.rows)
    total = total_row(form)
    for i, row in enumerate([*rows, *([total] if total else [])]):
        is_total = total is not None and i == len(rows)
        for c, col in enumerate(form.columns):
            value: Any = row.get(col.key)
            kind = col.kind
            if kind == "seq" and not is_total:
                value = i + 1
            elif kind == "auto":
                kind = "rate" if row.get("_rate") else "count"
            elif kind == "delta" and row.get("_rate"):
                kind, value = "pp", (value * 100 if _number(value) else value)
            widths[c] = max(widths[c], width(value) + (5 if kind == "pp" else 0))
            _write_cell(sheet, first + i, c, value, styles.of(kind, is_total))
    end = first + len(rows) + (1 if total else 0)
    for n, note in enumerate(form.notes):
        sheet.write_string(end + 1 + n, 0, note, styles.line)
    for c, w in enumerate(widths):
        sheet.set_column(c, c, min(max(w + 2, 6), 50))
    sheet.freeze_panes(first, 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    sheet.center_horizontally()
    sheet.repeat_rows(0, first - 1)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer("&C第 &P 页，共 &N 页")


def workbook(forms: list[Form]) -> bytes:
    """The forms as one workbook, one sheet each (sheet names made valid and unique)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    styles = _Styles(book)
    used: set[str] = set()
    for form in forms:
        name = "".join(ch for ch in form.sheet if ch not in "[]:*?/\\")[:31] or "表"
        candidate, n = name, 2
        while candidate.lower() in used:
            candidate, n = f"{name[:28]}({n})", n + 1
        used.add(candidate.lower())
        _sheet(book, form, styles, candidate)
    book.close()
    return buffer.getvalue()


# ------------------------------------------------------------------ the forms djgj sends up


def chinese(key: str, value: Any) -> Any:
    """A stored code as the Chinese a cadre reads (union_form committee → 基层工会委员会)."""
    tables = {
        "union_form": UNION_FORMS,
        "party_org": PARTY_ORG_FORMS,
        "kind": KINDS,
        "standardization": GRADES,
    }
    if key in tables and isinstance(value, str):
        return tables[key].get(value, value)
    return value


#: The per-area table of the annual report, grouped as the official forms group it.
AREA_COLUMNS = [
    Col("orgs", "单位数", "基本情况", "count"),
    Col("employees", "从业人员", "基本情况", "count"),
    Col("migrant_workers", "其中农民工", "基本情况", "count"),
    Col("party_members", "正式党员", "党组织", "count"),
    Col("party_orgs", "建立党组织", "党组织", "count"),
    Col("party_org_required", "应建党组织", "党组织", "count"),
    Col("party_org_rate", "应建已建率", "党组织", "rate"),
    Col("unions", "建立工会", "工会组织", "count"),
    Col("union_required", "应建工会", "工会组织", "count"),
    Col("union_rate", "建会率", "工会组织", "rate"),
    Col("union_covered", "工会覆盖单位", "工会组织", "count"),
    Col("union_coverage_rate", "覆盖率", "工会组织", "rate"),
    Col("union_members", "会员", "工会会员", "count"),
    Col("member_rate", "入会率", "工会会员", "rate"),
    Col("migrant_union_members", "农民工会员", "工会会员", "count"),
    Col("migrant_member_rate", "农民工入会率", "工会会员", "rate"),
    *(Col(f"std_{g}", label, "规范化建设", "count") for g, label in GRADES.items()),
    Col("new_unions", "年内新建工会", "规范化建设", "count"),
    Col("activists", "入会积极分子", "规范化建设", "count"),
]


def _flat(figs: dict[str, Any]) -> dict[str, Any]:
    out = dict(figs)
    for grade, n in (figs.get("standardization") or {}).items():
        out[f"std_{grade}"] = n
    return out


def _metric_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    from djgj.vocab.fields import METRICS

    totals, previous = report.get("totals") or {}, report.get("previous") or {}
    formulas = report.get("formulas") or {}
    rows = []
    for key, (label, kind) in METRICS.items():
        if kind not in ("count", "rate") or key not in totals:
            continue
        cur: Any = totals.get(key)
        prev: Any = previous.get(key)
        change = cur - prev if _number(cur) and _number(prev) else None
        rate = kind == "rate"
        rows.append(
            {
                "label": label,
                "current": cur,
                "previous": prev,
                "change": change,
                "formula": formulas.get(key, ""),
                "_rate": rate,
            }
        )
    return rows


def report_forms(report: dict[str, Any]) -> list[Form]:
    """The annual report as official forms: the main figures, then one grouped form per area table."""
    from djgj.output.sections import area_tables

    scope = report.get("scope") or {}
    year, as_of = report.get("year"), str(report.get("as_of") or "")
    unit = scope.get("township") or ""
    kind = KINDS.get(scope.get("kind") or "", "")
    metric_rows = _metric_rows(report)
    forms = [
        Form(
            f"{year}年度{kind}党建带动工建主要指标",
            [
                Col("label", "指标"),
                Col("current", "本年", kind="auto"),
                Col("previous", "上年", kind="auto"),
                Col("change", "增减", kind="delta"),
                Col("formula", "口径"),
            ],
            metric_rows,
            sheet="主要指标",
            unit=unit,
            as_of=as_of,
            totals=False,
        )
    ]
    for table in area_tables(report):
        rows = [
            {"area": name, **_flat(figs)}
            for name, figs in zip(table.names(), table.rows.values(), strict=True)
        ]
        totals = _flat(table.totals or {})
        cols = [c for c in AREA_COLUMNS if any(_number(r.get(c.key)) for r in [*rows, totals])]
        forms.append(
            Form(
                f"{year}年度{kind}党建带动工建情况统计表（{table.title}）",
                [Col("area", table.first_header), *cols],
                rows,
                sheet=table.title,
                unit=unit,
                as_of=as_of,
                totals=totals,
                notes=["注：比率的口径见“主要指标”表；合计行的比率按全部单位计算，不是各行比率的平均。"],
            )
        )
    return forms


GAP_COLUMNS = [
    Col("seq", "序号", kind="seq"),
    Col("township", "乡镇"),
    Col("name", "单位名称"),
    Col("credit_code", "统一社会信用代码"),
    Col("kind", "单位类别"),
    Col("employees", "从业人员", "人数", "number"),
    Col("party_members", "正式党员", "人数", "number"),
    Col("union_members", "工会会员", "人数", "number"),
    Col("party_org", "党组织", "现状", "text"),
    Col("union_form", "工会", "现状", "text"),
    Col("rule_label", "规则", "应建未建", "text"),
    Col("message", "说明", "应建未建", "text"),
    Col("source", "依据"),
]


def rows_form(title: str, columns: list[Col], rows: list[dict[str, Any]], **kw: Any) -> Form:
    """A listing as a form: stored codes shown in Chinese."""
    return Form(title, columns, [{k: chinese(k, v) for k, v in r.items()} for r in rows], **kw)


def gaps_form(rows: list[dict[str, Any]], title: str, year: int, township: str | None = None) -> Form:
    """`djgj gaps` as the form of units to organise: one row per unit and rule, 合计 of the counts."""
    from djgj.figures.overview import rule_label

    listed = [{**r, "rule_label": rule_label(str(r.get("rule")), str(r.get("message") or ""))} for r in rows]
    units = len({(r.get("township"), r.get("name"), r.get("credit_code")) for r in rows})
    return rows_form(
        title,
        GAP_COLUMNS,
        listed,
        sheet="应建未建",
        totals={"name": f"共 {len(rows)} 条，{units} 家单位"},
        unit=township or "",
        as_of=f"{year}-12-31",
        notes=[f"注：共 {len(rows)} 条；同一单位违反几条规则就列几行。"],
    )


PLAN_COLUMNS = [
    Col("township", "乡镇"),
    Col("metric", "指标", "目标", "text"),
    Col("target_rate", "目标值", "目标", "rate"),
    Col("before_rate", "现状", "目标", "rate"),
    Col("seq", "顺序", "工作清单", "number"),
    Col("action", "措施", "工作清单", "text"),
    Col("name", "单位（或联合工会）", "工作清单", "text"),
    Col("credit_code", "统一社会信用代码", "工作清单", "text"),
    Col("employees", "从业人员", "单位情况", "number"),
    Col("party_members", "正式党员", "单位情况", "number"),
    Col("party_led", "党建带工建", "单位情况", "text"),
    Col("gain", "增加（家/人）", "完成后", "number"),
    Col("after_rate", "完成后比率", "完成后", "rate"),
    Col("note", "说明"),
]


def plan_form(rows: list[dict[str, Any]], title: str, year: int, township: str | None = None) -> Form:
    """`djgj plan` as a form: one row per step, the running rate after each."""
    steps = sum(1 for r in rows if r.get("seq"))
    return Form(
        title,
        PLAN_COLUMNS,
        rows,
        sheet="工作清单",
        unit=township or "",
        as_of=f"{year}-12-31",
        totals={"name": f"共 {steps} 项措施"},
        notes=[
            "注：入会率按单位全部职工（农民工）入会计算；小微企业（不足应建人数）以区域联合工会一次覆盖。"
        ],
    )


def diff_form(
    rows: list[dict[str, Any]], title: str, year1: int, year2: int, township: str | None = None
) -> Form:
    """`djgj diff` as a form: one row per change, the values of both years and their source rows. The
    values are of different kinds (从业人员, 会员, 有无工会), so no 合计 sums them."""
    cols = [
        Col("seq", "序号", "", "seq"),
        Col("change_label", "变化", "", "text"),
        Col("name", "单位名称", "单位", "text"),
        Col("township", "乡镇", "单位", "text"),
        Col("kind", "单位类别", "单位", "text"),
        Col("before", f"{year1}年", "数值", "number"),
        Col("after", f"{year2}年", "数值", "number"),
        Col("delta", "增减", "数值", "number"),
        Col("source_before", f"{year1}年", "来源（文件、工作表、行）", "text"),
        Col("source_after", f"{year2}年", "来源（文件、工作表、行）", "text"),
    ]
    return rows_form(
        title,
        cols,
        [{**r, "seq": i + 1} for i, r in enumerate(rows)],
        sheet="逐单位变化",
        totals={"change_label": f"共 {len(rows)} 条"},
        unit=township or "",
        as_of=f"{year2}-12-31",
    )


def listing_form(
    title: str,
    rows: list[dict[str, Any]],
    columns: list[tuple[str, str]],
    *,
    groups: dict[str, str] | None = None,
    sheet: str = "表1",
    unit: str = "",
    as_of: str = "",
) -> Form:
    """Any listing (e.g. `diff`) as a form in one call: ``columns`` = [(key, 中文表头)], ``groups`` =
    {key: group header}. Column kinds follow the values: rates (``*_rate``/``*_share``) as percentages,
    whole numbers summed into the 合计 row, dates as dates, the rest as Chinese text."""
    groups = groups or {}

    def kind(key: str) -> str:
        values = [r.get(key) for r in rows if r.get(key) is not None]
        if key.endswith(("_rate", "_share")):
            return "rate"
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "count"
        if values and all(isinstance(v, date) for v in values):
            return "date"
        return "text"

    cols = [Col(k, h, groups.get(k, ""), kind(k)) for k, h in columns]
    return rows_form(title, cols, rows, sheet=sheet, unit=unit, as_of=as_of)
