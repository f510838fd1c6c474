"""The annual report as one self-contained HTML file: opens offline, prints on A4.

Everything is inside the file: the styles, a Chinese font stack (no web font, no CDN), and the charts
as inline SVG (:mod:`djgj.output.charts`). A Content-Security-Policy of ``default-src 'none'`` keeps a
browser from fetching anything, and every text is escaped, so a unit named ``<script>`` shows as text.
Sections break onto a new A4 page when printed; table headers repeat on every printed page.
"""

from __future__ import annotations

import html
from typing import Any

from djgj.output.charts import FONT, Chart

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
* { box-sizing: border-box; }
body { font-family: FONT; color: #1a1a1a; line-height: 1.7; margin: 0 auto; padding: 12mm;
  max-width: 210mm; background: #fff; font-size: 15px; }
h1 { font-size: 24px; text-align: center; margin: 0 0 4mm; letter-spacing: 1px; }
h2 { font-size: 18px; border-left: 5px solid #b71c1c; padding-left: 8px; margin: 7mm 0 3mm; }
p { text-indent: 2em; margin: 2mm 0; }
p.scope { text-indent: 0; color: #555; font-size: 13px; text-align: center; }
ul { margin: 2mm 0 2mm 1em; padding-left: 1em; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 5mm; font-size: 13px; }
caption { font-weight: bold; text-align: left; padding: 2mm 0; font-size: 15px; }
th, td { border: 1px solid #8a8a8a; padding: 3px 6px; }
th { background: #eef1f5; font-weight: bold; text-align: center; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.short, th { white-space: nowrap; }
td.long { min-width: 14em; }
body.wide { max-width: none; }
@page wide { size: A4 landscape; margin: 12mm; }
body.wide section { page: wide; }
tr.total td { font-weight: bold; background: #fafafa; }
thead { display: table-header-group; }
tr, figure { break-inside: avoid; page-break-inside: avoid; }
section { margin-bottom: 6mm; }
section + section { break-before: page; page-break-before: always; }
figure { margin: 3mm 0 7mm; }
figcaption { font-weight: bold; margin-bottom: 2mm; }
figure svg { max-width: 100%; height: auto; }
.note { color: #666; font-size: 12px; text-indent: 0; }
footer { color: #777; font-size: 12px; text-align: right; margin-top: 8mm; }
@media print { body { padding: 0; max-width: none; } }
""".replace("FONT", FONT)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _cell_class(text: str, right: bool) -> str:
    return "num" if right else "short" if len(text) <= 16 else "long"


def _table(title: str, headers: list[str], rows: list[list[str]], right: list[bool]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for cells in rows:
        total = ' class="total"' if cells and cells[0] == "合计" else ""
        tds = "".join(
            f'<td class="{_cell_class(c, r)}">{_e(c)}</td>' for c, r in zip(cells, right, strict=False)
        )
        body.append(f"<tr{total}>{tds}</tr>")
    caption = f"<caption>{_e(title)}</caption>" if title else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(chart: Chart) -> str:
    note = f'<p class="note">{_e(chart.note)}</p>' if chart.note else ""
    return f"<figure><figcaption>{_e(chart.title)}</figcaption>{chart.svg}{note}</figure>"


def page(title: str, sections: list[str], footer: str = "", *, wide: bool = False) -> str:
    """A complete HTML document: one <section> per printed part, each starting a new A4 page."""
    foot = f"<footer>{_e(footer)}</footer>" if footer else ""
    body = "".join(f"<section>{s}</section>" for s in sections if s)
    css = ' class="wide"' if wide else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>"
        f"<body{css}>{body}{foot}</body></html>\n"
    )


def parts_html(parts: list[tuple[str, Any]]) -> list[str]:
    """Headings, paragraphs, lines and tables as HTML, a new section at each top heading."""
    sections: list[str] = []
    current: list[str] = []
    items: list[str] = []

    def close_list() -> None:
        if items:
            current.append(f"<ul>{''.join(items)}</ul>")
            items.clear()

    for tag, body in parts:
        if tag != "li":
            close_list()
        if tag == "h":
            if current:
                sections.append("".join(current))
                current = []
            current.append(f"<h1>{_e(body)}</h1>")
        elif tag == "h2":
            current.append(f"<h2>{_e(body)}</h2>")
        elif tag == "p":
            css = ' class="scope"' if str(body).startswith("口径：") else ""
            current.append(f"<p{css}>{_e(body)}</p>")
        elif tag == "li":
            items.append(f"<li>{_e(body)}</li>")
        elif tag == "table":
            current.append(_table(*body))
    close_list()
    if current:
        sections.append("".join(current))
    return sections


def report_page(report: dict[str, Any], parts: list[tuple[str, Any]], charts: list[Chart]) -> str:
    """The annual report: its text and tables (as in the terminal report), then the charts."""
    sections = parts_html(parts)
    if charts:
        sections.append("<h2>图表</h2>" + "".join(_figure(c) for c in charts))
    title = next((str(b) for t, b in parts if t == "h"), f"{report.get('year')}年度报告")
    scope = report.get("scope") or {}
    footer = f"djgj 生成 · 规则配置 {scope.get('profile', '')} · 数据截至 {report.get('as_of', '')}"
    return page(title, sections, footer)


def rows_page(title: str | None, headers: list[str], rows: list[list[str]], right: list[bool]) -> str:
    """A listing (gaps, plan, status…) as a printable page."""
    heading = f"<h1>{_e(title)}</h1>" if title else ""
    return page(title or "djgj", [heading + _table("", headers, rows, right)], wide=len(headers) > 6)
