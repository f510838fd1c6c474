"""Rendering: every listing and report leaves djgj through this one module.

Library code returns plain data (lists of dicts, dicts); the CLI calls :func:`render_rows` or
:func:`render_report` with the user's ``--format``. Keeping all output here means the export-safety
rules (docs/reliability.md promise 8 and trap 20) are enforced in one place: text is never interpreted as
rich markup, Markdown/HTML or a spreadsheet formula. rich and xlsxwriter are imported inside the
functions so that ``djgj --help`` stays fast.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from djgj.errors import UsageError
from djgj.read.cells import neutralise
from djgj.vocab.fields import GRADES, KINDS, LABELS, METRICS
from djgj.vocab.vocabulary import label_row, localise_rows, table

FORMATS = ("table", "csv", "json", "xlsx", "md", "html", "docx")
#: Formats written as bytes (need --output or a pipe).
BINARY_FORMATS = ("xlsx", "docx")

# Terminal control characters are shown as their visible Unicode pictures (␍, ␛ ...) in tables.
_CONTROL_PICTURES = {c: 0x2400 + c for c in range(32) if c != 10} | {0x7F: 0x2421}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&#])")
_GRADE_KEYS = tuple(GRADES)
Row = dict[str, Any]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"未知的输出格式“{fmt}”，可用的格式：{'、'.join(FORMATS)}")


#: Headers of listing columns the vocabulary does not name (targets, imports, units, info).
_MORE_LABELS = {
    "year": "年度",
    "scope": "范围",
    "metric": "指标",
    "label": "名称",
    "value": "值",
    "code": "检查项",
    "field": "字段",
    "id": "编号",
    "file": "来源文件",
    "sheet": "工作表",
    "row": "行",
    "examples": "示例",
    "category": "类别",
    "title": "说明",
    "reason": "原因",
    "user": "操作人",
    "at": "时间",
}
#: Keys whose integers are years, row numbers or ids: printed as they are, never as "2,015".
_PLAIN_INT_KEYS = ("year", "row", "id", "batch", "rowid")


def _label(key: str) -> str:
    return LABELS.get(key) or _MORE_LABELS.get(key) or (METRICS[key][0] if key in METRICS else key)


def _metric_label(key: str) -> str:
    return METRICS[key][0] if key in METRICS else _label(key)


def _is_rate_key(key: str) -> bool:
    return key.endswith(("_rate", "_share")) or METRICS.get(key, ("", ""))[1] == "rate"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _pct(value: Any) -> str:
    return f"{float(value) * 100:.1f}%" if _is_number(value) and math.isfinite(value) else "—"


def _grades_text(value: dict[str, Any]) -> str:
    return " / ".join(f"{GRADES.get(k, k)} {_count(v)}" for k, v in value.items())


def _count(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return _display(value, "")


def _jsonable(value: Any) -> Any:
    """Plain JSON values: dates as ISO strings, Decimal as float, NaN/inf as null (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _plain(value: Any) -> str:
    """A value as export text (CSV, Markdown): full precision, 是/否, ISO dates, blank for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, dict | list | tuple):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return str(value)


def _display(value: Any, key: str) -> str:
    """A value as a person reads it in a table: 是/否, — for None, 1.2% for rates, 6,746 for counts."""
    if value is None:
        return "—"
    if _is_number(value) and _is_rate_key(key):
        return _pct(value)
    if isinstance(value, int) and (key in _PLAIN_INT_KEYS or key.endswith("_year")):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}" if math.isfinite(value) else "—"
    if isinstance(value, dict) and value and set(value) <= set(_GRADE_KEYS):
        return _grades_text(value)
    return _plain(value)


_BREAK_AFTER = frozenset("，、；。：！？）」』】,; ")
#: A number, code or word: never split across lines (6,746 · 80.0% · 91520000MA6DKQ1X3B · 2014-12-31).
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.,%+\-_/:·]*[0-9A-Za-z%]|[0-9A-Za-z]|.", re.S)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_paragraph(text: str, width: int) -> str:
    """Chinese prose wrapped to ``width`` columns: after punctuation where it can, else between two
    characters, but never inside a number, date or credit code."""
    lines: list[str] = []
    for para in text.split("\n"):
        tokens: list[str] = []
        used = 0
        for token in _TOKEN.findall(para):
            w = _width(token)
            if tokens and used + w > width:
                cut = max((i + 1 for i, t in enumerate(tokens) if t[-1] in _BREAK_AFTER), default=0)
                cut = cut if cut > len(tokens) // 2 else len(tokens)
                lines.append("".join(tokens[:cut]).rstrip())
                tokens = tokens[cut:]
                used = sum(_width(t) for t in tokens)
            tokens.append(token)
            used += w
        lines.append("".join(tokens).rstrip())
    return "\n".join(lines)


def _default_columns(rows: list[Row], columns: list[tuple[str, str]] | None) -> list[tuple[str, str]]:
    if columns is not None:
        return columns
    return [(key, _label(key)) for key in (rows[0] if rows else {})]


def _rich_table(
    headers: list[str], body: list[list[str]], right: list[bool], title: str | None = None
) -> Any:
    """A rich Table whose every cell is a Text (never markup), with control characters made visible."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=Text(title.translate(_CONTROL_PICTURES), style="bold") if title else None,
        box=box.SIMPLE_HEAD,
        show_lines=False,
    )
    for header, is_right in zip(headers, right, strict=True):
        table.add_column(Text(header), justify="right" if is_right else "left", overflow="fold")
    for cells in body:
        table.add_row(*(Text(cell.translate(_CONTROL_PICTURES)) for cell in cells))
    return table


def _default_width() -> int:
    """The terminal's width; piped into a file or another program, a wide page (or $COLUMNS) so that
    rows are not wrapped into unreadable fragments."""
    import os
    import sys

    if sys.stdout.isatty():
        return shutil.get_terminal_size((100, 24)).columns
    return int(os.environ.get("COLUMNS", "160")) if os.environ.get("COLUMNS", "").isdigit() else 160


def _console_text(renderables: Iterable[Any], width: int | None) -> str:
    from rich.console import Console

    width = width or _default_width()
    console = Console(
        file=io.StringIO(),
        width=width,
        color_system=None,
        force_terminal=False,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    for item in renderables:
        console.print(item)
    text: str = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines()) + "\n"


def _table(rows: list[Row], cols: list[tuple[str, str]], title: str | None, width: int | None) -> str:
    right = [
        all(_is_number(r.get(k)) for r in rows if r.get(k) is not None)
        and any(r.get(k) is not None for r in rows)
        for k, _ in cols
    ]
    body = [[_display(row.get(k), k) for k, _ in cols] for row in rows]
    return _console_text([_rich_table([h for _, h in cols], body, right, title)], width)


def _csv_cell(value: Any) -> str:
    """A value as one CSV cell: export text (`_plain`), quoted when a spreadsheet would run it."""
    return _plain(value) if _is_number(value) else neutralise(_plain(value))


_BLANK_CELL = _csv_cell(None)
#: `_csv_cell` for the commonest exact types, without its tests (a province's listing is 100k cells).
_CSV_CELL: dict[type, Callable[[Any], str]] = {
    str: neutralise,
    int: str,
    type(None): lambda _: _BLANK_CELL,
    date: lambda value: neutralise(value.isoformat()),
}


def _csv(rows: list[Row], cols: list[tuple[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for _, h in cols])
    keys, fast, slow = [k for k, _ in cols], _CSV_CELL.get, _csv_cell
    writer.writerows([(fast(type(v)) or slow)(v) for v in map(row.get, keys)] for row in rows)
    return out.getvalue()


def _md_cell(text: str) -> str:
    """Escape Markdown/HTML so names such as ``<script>`` or ``[x](y)`` show literally; keep line breaks."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"\r\n|\r|\n", "<br>", text).translate(_CONTROL_PICTURES)


def _md_table(headers: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"


def _cell_width(value: Any) -> int:
    text = _display(value, "")
    return max(
        (
            sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            for line in text.splitlines() or [""]
        ),
        default=0,
    )


def _sheet_name(name: str | None, used: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\\x00-\x1f]", "", name or "").strip("'")[:31] or "数据"
    candidate, n = clean, 2
    while candidate.lower() in used:
        candidate, n = f"{clean[:28]}({n})", n + 1
    used.add(candidate.lower())
    return candidate


RateTest = Callable[[Row, str], bool]


def _xlsx(sheets: list[tuple[str | None, list[Row], list[tuple[str, str]], RateTest]]) -> bytes:
    """One workbook, one sheet per entry; text never becomes a formula, URL or number."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    bold = workbook.add_format({"bold": True})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    pct_fmt = workbook.add_format({"num_format": "0.0%"})
    used: set[str] = set()
    for name, rows, cols, is_rate in sheets:
        sheet = workbook.add_worksheet(_sheet_name(name, used))
        widths = [_cell_width(h) for _, h in cols]
        for c, (_, header) in enumerate(cols):
            sheet.write_string(0, c, neutralise(header), bold)
        for r, row in enumerate(rows, start=1):
            for c, (key, _) in enumerate(cols):
                value = row.get(key)
                widths[c] = max(widths[c], _cell_width(value))
                if value is None or (_is_number(value) and not math.isfinite(float(value))):
                    sheet.write_blank(r, c, None)
                elif _is_number(value):
                    sheet.write_number(r, c, float(value), pct_fmt if is_rate(row, key) else None)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, datetime_fmt)
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, value, date_fmt)
                else:
                    sheet.write_string(r, c, neutralise(_plain(value)))
        sheet.freeze_panes(1, 0)
        for c, w in enumerate(widths):
            sheet.set_column(c, c, min(max(w + 2, 6), 60))
    workbook.close()
    return buffer.getvalue()


def render_rows(
    rows: list[Row],
    fmt: str,
    *,
    columns: list[tuple[str, str]] | None = None,
    title: str | None = None,
    width: int | None = None,
) -> str | bytes:
    """Render a listing. ``columns`` = [(key, 中文表头)]; default: the first row's keys, labelled."""
    _check_format(fmt)
    cols = _default_columns(rows, columns)
    if fmt == "json":
        return json.dumps(_jsonable([label_row(r) for r in rows]), ensure_ascii=False, indent=2)
    rows = localise_rows(rows)  # a person reads 应建工会, 未建, 联合党支部: never an id
    if fmt == "csv":
        return _csv(rows, cols)
    if fmt == "xlsx":
        return _xlsx([(title, rows, cols, lambda _row, key: _is_rate_key(key))])
    if fmt in ("html", "docx"):
        return _document_rows(rows, cols, fmt, title)
    if fmt == "md":
        heading = f"## {_md_cell(title)}\n\n" if title else ""
        return heading + _md_table(
            [h for _, h in cols], [[_display(r.get(k), k) for k, _ in cols] for r in rows]
        )
    return _table(rows, cols, title, width)


# --- annual report ------------------------------------------------------------------------------

_METRIC_COLUMNS = [
    ("label", "指标"),
    ("current", "本年"),
    ("previous", "上年"),
    ("change", "增减"),
    ("formula", "口径"),
    ("units", "计入单位数"),
    ("left_out", "未计入单位数"),
    ("section", "部分"),
]
#: Columns of the per-township / per-kind tables, per family, with short headers (a terminal stays narrow).
_AREA_COLUMNS = {
    "orgs": "单位数",
    "employees": "从业人员",
    "party_orgs": "建党组织",
    "unions": "建工会",
    "union_members": "工会会员",
    "union_rate": "建会率",
    "member_rate": "入会率",
}
_VILLAGE_AREA_COLUMNS = {
    "orgs": "村（社区）数",
    "union_covered": "成立工会",
    "union_coverage_rate": "覆盖率",
    "union_members": "会员",
    "villagers_away": "外出务工人员",
    "migrant_union_members": "其中入会",
    "activists": "入会积极分子",
}
_FAMILY_TITLES = {"enterprises": "企业和机关事业单位", "villages": "村和社区"}
_HIDDEN = ("fresh_units",)


def _sections(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's sections (one per family); a report without them is one section of its top level."""
    if report.get("sections"):
        return list(report["sections"])
    kind = (report.get("scope") or {}).get("kind")
    family = "villages" if kind in ("village", "community") else "enterprises"
    keys = ("totals", "previous", "changes", "formulas", "targets", "figures", "by_city", "by_county")
    return [
        {
            "family": family,
            "title": _FAMILY_TITLES[family],
            **{k: report.get(k) for k in keys},
            "by_township": report.get("by_township"),
            "by_kind": report.get("by_kind"),
        }
    ]


def _metric_rows(report: dict[str, Any]) -> list[Row]:
    """One row per metric and section (standardization expanded per grade): csv/xlsx and the table."""
    return [row for sec in _sections(report) for row in _section_rows(sec)]


def _no_data(detail: dict[str, Any], totals: dict[str, Any], previous: dict[str, Any], key: str) -> bool:
    """A figure no unit carries data for in either year: not a row (the section's notes say so)."""
    d = detail.get(key) or {}
    return d.get("units") == 0 and totals.get(key) is None and previous.get(key) is None


def _section_rows(sec: dict[str, Any]) -> list[Row]:
    totals: dict[str, Any] = sec.get("totals") or {}
    previous: dict[str, Any] = sec.get("previous") or {}
    changes: dict[str, Any] = sec.get("changes") or {}
    formulas: dict[str, Any] = sec.get("formulas") or {}
    detail: dict[str, Any] = sec.get("figures") or {}
    labels: dict[str, Any] = sec.get("labels") or {}
    title = sec.get("title") or ""
    rows: list[Row] = []
    order = [*totals] if sec.get("labels") else [*METRICS, *(k for k in totals if k not in METRICS)]
    for key in order:
        if key not in totals or key in _HIDDEN or _no_data(detail, totals, previous, key):
            continue
        cur, prev, chg = totals[key], previous.get(key), changes.get(key)
        label = labels.get(key) or _metric_label(key)
        if isinstance(cur, dict):
            prev_d = prev if isinstance(prev, dict) else {}
            chg_d = chg if isinstance(chg, dict) else {}
            for grade in cur:
                sub_chg = chg_d.get(grade)
                if sub_chg is None and _is_number(cur[grade]) and _is_number(prev_d.get(grade)):
                    sub_chg = cur[grade] - prev_d[grade]
                d = detail.get(f"std_{grade}") or {}
                rows.append(
                    {
                        "key": f"{key}.{grade}",
                        "label": f"{_metric_label(key).split('（')[0]}·{GRADES.get(grade, grade)}",
                        "current": cur[grade],
                        "previous": prev_d.get(grade),
                        "change": sub_chg,
                        "formula": formulas.get(key),
                        "units": d.get("units"),
                        "left_out": d.get("left_out"),
                        "section": title,
                    }
                )
            continue
        if chg is None and _is_number(cur) and _is_number(prev):
            chg = cur - prev
        d = detail.get(key) or {}
        rows.append(
            {
                "key": key,
                "label": label,
                "current": cur,
                "previous": prev,
                "change": chg if _is_number(chg) else None,
                "formula": formulas.get(key),
                # A rate's units are those it is taken over (its denominator's), beside those left out.
                "units": d.get("denominator_units", d.get("units")),
                "left_out": d.get("left_out"),
                "section": title,
            }
        )
    return rows


def _change_text(value: Any, rate: bool) -> str:
    if not _is_number(value):
        return "—"
    if rate:
        return f"{float(value) * 100:+.1f}个百分点"
    if value == 0:
        return "0"
    return f"{value:+,}" if isinstance(value, int) else f"{value:+,.2f}"


def _heading(report: dict[str, Any]) -> str:
    scope = report.get("scope") or {}
    parts = [
        scope.get("township"),
        f"{report.get('year')}年度",
        KINDS.get(scope.get("kind") or "", None),
        "党建带动工建情况",
    ]
    text = " ".join(p for p in parts if p)
    return f"{text}（截至 {_plain(report.get('as_of'))}）" if report.get("as_of") else text


def _numbers(
    sec: dict[str, Any], unit: str
) -> tuple[Callable[[str], str | None], Callable[[str], str | None]]:
    """The section's counts and rates as the prose writes them; a rate that left units out for
    missing data says how many (a rate over fewer units than the sentence before it counted)."""
    t: dict[str, Any] = sec.get("totals") or {}
    figures: dict[str, Any] = sec.get("figures") or {}

    def n(key: str) -> str | None:
        return _count(t[key]) if _is_number(t.get(key)) else None

    def p(key: str) -> str | None:
        if not _is_number(t.get(key)):
            return None
        left = (figures.get(key) or {}).get("left_out")
        return _pct(t[key]) + (f"（{_count(left)}{unit}未计入）" if left else "")

    return n, p


def _instructors_text(sec: dict[str, Any], unit: str) -> str | None:
    """选派党建指导员4名, and the units whose instructor the ledger does not name (not in that count)."""
    named = (sec.get("totals") or {}).get("instructors")
    unnamed = ((sec.get("figures") or {}).get("instructors") or {}).get("left_out") or 0
    if not _is_number(named):
        return None
    said = f"选派党建指导员{_count(named)}名" if named else ""
    if unnamed:
        said += (
            f"{'（另有' if said else ''}{_count(unnamed)}{unit}有党建指导员但未填姓名{'）' if said else ''}"
        )
    return said or None


def _village_summary(sec: dict[str, Any], scope: dict[str, Any]) -> str:
    """The villages' own idiom (report 1): 全县248个村村村成立工会，会员人数为126816人，入会积极分子达1389人。"""
    t: dict[str, Any] = sec.get("totals") or {}
    n, p = _numbers(sec, "个")
    kind = scope.get("kind")
    noun = {"village": "村", "community": "社区"}.get(kind or "", "村（社区）")
    where = scope.get("township") or "全县"
    orgs, covered = t.get("orgs"), t.get("union_covered")
    if orgs and covered == orgs:
        first = f"{where}{n('orgs')}个{noun}" + ("村村成立工会" if noun == "村" else "全部成立工会")
    elif orgs and covered is not None:
        first = (
            f"{where}{n('orgs')}个{noun}中{n('union_covered')}个成立工会，覆盖率{p('union_coverage_rate')}"
        )
    else:
        first = f"{where}有{noun}{n('orgs') or 0}个"
    clauses = [
        first,
        n("union_members") and f"会员人数为{n('union_members')}人",
        n("villagers_away")
        and f"外出务工人员{n('villagers_away')}人"
        + (f"，其中入会{n('migrant_union_members')}人" if n("migrant_union_members") else ""),
        n("activists") and f"入会积极分子达{n('activists')}人",
        n("party_members") and f"有党员{n('party_members')}人",
    ]
    return "，".join(c for c in clauses if c) + "。"


def _summary(report: dict[str, Any], sec: dict[str, Any] | None = None) -> str:
    """The paragraph of a 年度总结, clause by clause; a clause whose figure is missing is left out."""
    sec = sec or _sections(report)[0]
    scope = report.get("scope") or {}
    if sec.get("family") == "villages":
        return _village_summary(sec, scope)
    t: dict[str, Any] = sec.get("totals") or {}
    kind = scope.get("kind")
    unit = "家"
    n, p = _numbers(sec, unit)
    kinds = list(sec.get("by_kind") or {})
    subject = KINDS.get(kind or (kinds[0] if len(kinds) == 1 else ""), "企业和机关事业单位")
    groups: list[list[str | None]] = [
        [
            n("orgs") and f"现有{subject}{n('orgs')}{unit}",
            n("employees") and f"从业人员{n('employees')}人",
            n("migrant_workers") and f"其中农民工{n('migrant_workers')}人",
        ],
        [
            n("party_members") and f"有党员{n('party_members')}人",
            p("party_member_share") and f"占从业人员的{p('party_member_share')}",
        ],
        [
            n("party_orgs") and f"有{n('party_orgs')}{unit}建立了党组织",
            p("party_org_share") and f"占{p('party_org_share')}",
            p("party_coverage_rate") and f"党组织覆盖率{p('party_coverage_rate')}",
        ],
        [
            n("party_org_required")
            and f"党员{scope.get('party_org_threshold') or 3}人以上的{n('party_org_required')}{unit}",
            p("party_org_rate") and f"应建已建率{p('party_org_rate')}",
        ],
        [
            n("unions") and f"建立工会组织{n('unions')}{unit}",
            n("union_members") and f"会员{n('union_members')}人",
            n("migrant_union_members") and f"其中农民工会员{n('migrant_union_members')}人",
        ],
        [
            p("union_rate") and f"建会率为{p('union_rate')}",
            p("member_rate") and f"职工入会率为{p('member_rate')}",
            p("migrant_member_rate") and f"农民工入会率为{p('migrant_member_rate')}",
        ],
        [_instructors_text(sec, unit)],
        [
            n("new_unions") and f"年内新建工会{n('new_unions')}{unit}",
            n("new_members")
            and (
                f"新增会员{n('new_members')}名"
                if t["new_members"] >= 0
                else f"会员减少{_count(-t['new_members'])}名"
            ),
        ],
        [n("activists") and f"入会积极分子{n('activists')}人"],
    ]
    grades = t.get("standardization")
    if isinstance(grades, dict) and grades and any(v is not None for v in grades.values()):
        clause = "、".join(f"达到{GRADES.get(g, g)}标准的{_count(v)}{unit}" for g, v in grades.items())
        groups.insert(6, ["规范化建设" + clause])
    text = "；".join("，".join(c for c in g if c) for g in groups if any(g))
    return text + "。" if text else ""


Part = tuple[str, Any]  # ("h", text) heading, ("p", text) paragraph, ("li", text) line, ("table", (...))


def _report_parts(report: dict[str, Any]) -> list[Part]:
    """Heading, paragraphs, tables and lines shared by the table and Markdown renderings."""
    scope = report.get("scope") or {}
    parts: list[Part] = [("h", _heading(report))]
    if report.get("ledger"):
        parts.append(("p", f"台账：{report['ledger']}"))
    note = (report.get("year_note") or {}).get("text")
    if note:
        parts.append(("p", str(note)))
    if scope.get("profile_title"):
        parts.append(
            (
                "p",
                f"口径：{scope['profile_title']}；应建工会：从业人员≥{scope.get('union_threshold')}人；"
                f"应建党组织：正式党员≥{scope.get('party_org_threshold')}人",
            )
        )
    sections = _sections(report)
    for sec in sections:
        parts += _section_parts(report, sec, titled=len(sections) > 1)
    return parts


def _section_parts(report: dict[str, Any], sec: dict[str, Any], *, titled: bool) -> list[Part]:
    title = str(sec.get("title") or "")
    parts: list[Part] = [("h2", f"{title}（单独统计，不与其他部分相加）")] if titled else []
    parts.append(("p", _summary(report, sec)))
    body = []
    for row in _section_rows(sec):
        rate = _is_rate_key(row["key"])
        fmt = _pct if rate else _count
        body.append(
            [
                row["label"],
                fmt(row["current"]),
                fmt(row["previous"]),
                _change_text(row["change"], rate),
                _count(row["units"]),
                _count(row["left_out"]) if row["left_out"] else "",
            ]
        )
    name = f"{title}主要指标" if titled else "主要指标"
    headers = ["指标", "本年", "上年", "增减", "计入单位", "未计入"]
    parts.append(("table", (name, headers, body, [False, True, True, True, True, True])))
    if sec.get("notes"):
        parts += [("h2", "未计入的单位"), *(("li", str(v)) for v in sec["notes"])]
    if sec.get("formulas"):
        parts += [("h2", "口径（计算公式）"), *(("li", str(v)) for v in sec["formulas"].values())]
    columns = _VILLAGE_AREA_COLUMNS if sec.get("family") == "villages" else _AREA_COLUMNS
    areas_of = (
        ("分市情况", "市", None, "by_city"),
        ("分县情况", "县", None, "by_county"),
        ("分乡镇情况", "乡镇", None, "by_township"),
        ("分单位类别情况", "单位类别", KINDS, "by_kind"),
    )
    for section, first, names, key in areas_of:
        areas: dict[str, dict[str, Any]] = sec.get(key) or {}
        if key in ("by_city", "by_county") and len(areas) < 2:
            continue  # one county's own ledger: the county is the total
        if areas:
            rows = [
                [(names or {}).get(a, a), *(_display(v.get(k), k) for k in columns)] for a, v in areas.items()
            ]
            heading = f"{title}{section}" if titled else section
            parts.append(
                ("table", (heading, [first, *columns.values()], rows, [False] + [True] * len(columns)))
            )
    if sec.get("targets"):
        parts.append(("h2", "目标完成情况"))
        for tg in sec["targets"]:
            status = "达标 ✓" if tg.get("met") else "未达标"
            parts.append(
                (
                    "li",
                    f"{tg.get('label', tg.get('metric'))}：目标 {_pct(tg.get('target'))}，实际 "
                    f"{_pct(tg.get('actual'))}，{status}" + (f"；{tg['text']}" if tg.get("text") else ""),
                )
            )
    return parts


def render_report(report: dict[str, Any], fmt: str, *, width: int | None = None) -> str | bytes:
    """Render the annual report dict built by ``report.py`` in any of :data:`FORMATS`."""
    _check_format(fmt)
    if fmt == "json":
        labels = {k: table()["metrics"].get(k, _label(k)) for k in report.get("totals") or {}}
        plain = {k: v for k, v in report.items() if k != "ledger"}  # the same figures give the same JSON
        return json.dumps(_jsonable({**plain, "labels": labels}), ensure_ascii=False, indent=2)
    if fmt in ("html", "docx"):
        return _document_report(report, fmt)
    rows = _metric_rows(report)
    if fmt == "csv":
        return _csv(rows, _METRIC_COLUMNS)
    if fmt == "xlsx":  # the official forms: title, 填报单位/截止日期, grouped headers, 合计, print setup
        from djgj.output import forms

        return forms.workbook(forms.report_forms(report))
    parts = _report_parts(report)
    if fmt == "md":
        md = {"h": "# {}", "h2": "## {}", "p": "{}", "li": "- {}"}
        blocks: list[str] = []
        for i, (tag, body) in enumerate(parts):
            text = (
                f"## {_md_cell(body[0])}\n\n{_md_table(body[1], body[2]).rstrip()}"
                if tag == "table"
                else md[tag].format(_md_cell(body))
            )
            if tag == "li" and parts[i - 1][0] == "li":
                blocks[-1] += "\n" + text
            else:
                blocks.append(text)
        return "\n\n".join(blocks) + "\n"
    return _report_text(parts, width or _default_width())


def _report_text(parts: list[Part], width: int) -> str:
    """The report as a terminal page: bold headings, wrapped paragraphs, rich tables."""
    from rich.text import Text

    items: list[Any] = []
    previous_tag = ""
    for tag, body in parts:
        if tag == "p":
            body = wrap_paragraph(body, width)
        if items and tag != "li" and previous_tag != "table":
            items.append(Text(""))
        items.append(
            _rich_table(body[1], body[2], body[3], body[0])
            if tag == "table"
            else Text(
                ("• " if tag == "li" else "") + body.translate(_CONTROL_PICTURES),
                style="bold" if tag in ("h", "h2") else "",
            )
        )
        previous_tag = tag
    return _console_text(items, width)


# --- documents: HTML (with charts) and Word --------------------------------------------------------


def report_parts(report: dict[str, Any]) -> list[Part]:
    """The report as headings, paragraphs, lines and tables: what every document format shows."""
    return _report_parts(report)


def document_parts(report: dict[str, Any]) -> list[Part]:
    """:func:`report_parts` with a 合计 row under every area table whose totals the report holds."""
    from djgj.output.sections import area_tables

    tables = {tuple(t.names()): t for t in area_tables(report)}
    keys = {label: key for key, label in _AREA_COLUMNS.items()}
    out: list[Part] = []
    for tag, body in _report_parts(report):
        table = tables.get(tuple(r[0] for r in body[2])) if tag == "table" else None
        if table is not None and table.totals:
            totals = table.totals
            total = [
                "合计",
                *(_display(totals.get(keys[h]), keys[h]) if h in keys else "" for h in body[1][1:]),
            ]
            body = (body[0], body[1], [*body[2], total], body[3])
        out.append((tag, body))
    return out


def _document_report(report: dict[str, Any], fmt: str) -> str | bytes:
    if fmt == "html":
        from djgj.output import charts, html

        return html.report_page(report, document_parts(report), charts.report_charts(report))
    from djgj.output import docx

    return docx.report_document(report, document_parts(report))


def _document_rows(rows: list[Row], cols: list[tuple[str, str]], fmt: str, title: str | None) -> str | bytes:
    headers = [h for _, h in cols]
    body = [[_display(r.get(k), k) for k, _ in cols] for r in rows]
    right = [all(_is_number(r.get(k)) for r in rows if r.get(k) is not None) and bool(rows) for k, _ in cols]
    if fmt == "html":
        from djgj.output import html

        return html.rows_page(title, headers, body, right)
    from djgj.output import docx

    return docx.rows_document(title, headers, body, right)
