"""The annual summary as a Word document (python-docx), in the manner of a government report.

A4 with the margins of GB/T 9704 (党政机关公文格式), the title in 宋体 二号, headings in 黑体 三号, the
body in 仿宋 三号 with a two-character first-line indent and fixed 28-point lines, tables with borders
and a 合计 row. Fonts are set for East Asian text (``w:eastAsia``) as well as Latin, so Word and WPS
show 仿宋/宋体 and not a Western fallback. Everything stays editable: no text box, no image of text.
"""

from __future__ import annotations

import io
from typing import Any

TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋"
TABLE_FONT = "仿宋"


def _fonts(run_or_style: Any, name: str, size: float | None = None, bold: bool | None = None) -> None:
    """Set a run's or style's font for Latin and East Asian text alike."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = name
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        rfonts.set(qn(attr), name)


def _new_document() -> Any:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt, RGBColor

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    _fonts(normal, BODY_FONT, 16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    for level, size in ((1, 22), (2, 16)):
        style = document.styles[f"Heading {level}"]
        _fonts(style, TITLE_FONT if level == 1 else HEADING_FONT, size, level == 1)
        style.font.color.rgb = RGBColor(0, 0, 0)  # black, not the template's theme blue
        style.paragraph_format.space_before = Pt(12 if level == 2 else 0)
        style.paragraph_format.space_after = Pt(6)
    return document


def _title(document: Any, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    heading = document.add_heading(text, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in heading.runs:
        _fonts(run, TITLE_FONT, 22, True)


def _paragraph(document: Any, text: str, *, indent: bool = True, centered: bool = False) -> None:
    """A body paragraph (仿宋 三号, two-character indent); a centred note line is 楷体 四号."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    para = document.add_paragraph()
    run = para.add_run(text)
    _fonts(run, "楷体" if centered else BODY_FONT, 14 if centered else 16)
    if indent:
        para.paragraph_format.first_line_indent = Pt(32)
    if centered:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(document: Any, title: str, headers: list[str], rows: list[list[str]], right: list[bool]) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if title:
        heading = document.add_heading(title, level=2)
        for run in heading.runs:
            _fonts(run, HEADING_FONT, 16, False)
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    align = [WD_ALIGN_PARAGRAPH.RIGHT if r else WD_ALIGN_PARAGRAPH.LEFT for r in right]
    for i, header in enumerate(headers):
        _cell(table.rows[0].cells[i], header, WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    _repeat_header(table.rows[0])
    for cells in rows:
        row = table.add_row()
        total = bool(cells) and cells[0] == "合计"
        for i, text in enumerate(cells[: len(headers)]):
            where = WD_ALIGN_PARAGRAPH.CENTER if total and i == 0 else align[i] if i < len(align) else None
            _cell(row.cells[i], text, where, bold=total)
    document.add_paragraph().paragraph_format.line_spacing = Pt(12)


def _cell(cell: Any, text: str, align: Any, *, bold: bool = False) -> None:
    from docx.shared import Pt

    para = cell.paragraphs[0]
    para.paragraph_format.first_line_indent = Pt(0)
    para.paragraph_format.line_spacing = 1.0
    if align is not None:
        para.alignment = align
    _fonts(para.add_run(text), TABLE_FONT, 10.5, bold)


def _repeat_header(row: Any) -> None:
    """Mark a table's first row as a header row Word repeats on every page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def _save(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def report_document(report: dict[str, Any], parts: list[tuple[str, Any]]) -> bytes:
    """The report's headings, paragraphs, lines and tables (with their 合计 rows) as a .docx."""
    document = _new_document()
    document.core_properties.title = next((str(b) for t, b in parts if t == "h"), "年度总结")
    document.core_properties.author = "djgj"
    first = True
    for tag, body in parts:
        if tag == "h":
            if not first:
                document.add_page_break()
            _title(document, str(body))
            first = False
        elif tag == "h2":
            heading = document.add_heading(str(body), level=2)
            for run in heading.runs:
                _fonts(run, HEADING_FONT, 16, False)
        elif tag == "p":
            scope = str(body).startswith("口径：")
            _paragraph(document, str(body), indent=not scope, centered=scope)
        elif tag == "li":
            _paragraph(document, str(body), indent=True)
        elif tag == "table":
            _table(document, *body)
    return _save(document)


def rows_document(
    title: str | None, headers: list[str], rows: list[list[str]], right: list[bool] | None = None
) -> bytes:
    """A listing as a Word table under its title."""
    document = _new_document()
    if len(headers) > 6:  # a wide listing: landscape
        from docx.enum.section import WD_ORIENT

        section = document.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        from docx.shared import Cm

        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2)
    if title:
        _title(document, title)
    _table(document, "", headers, rows, right or [False] * len(headers))
    return _save(document)
