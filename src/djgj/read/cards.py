"""One unit's form (登记表, 信息表): labels beside their values, read as a table of one row.

A registration form gives one unit per sheet, its fields laid out as label | value pairs over a few
rows (单位名称 | 甲公司 | 统一社会信用代码 | 9133… / 职工人数 | 60 | 工会会员数 | 55). Read as a table it
would make the first pair row a header and the others data of nonsense; read as a form, the labels
become the header and the values its one row, and the usual pipeline reads them with every check.

A sheet is a form only when it cannot be a table: no two labels stand side by side (a table's header
has them so), labels pair with values on at least two rows, and one of the labels names the unit.
"""

from __future__ import annotations

from typing import Any

from djgj.read.files import Sheet
from djgj.read.headers import IGNORE, read_one
from djgj.read.values import is_blank

#: A form is a page: a sheet longer than this is a table, whatever its first rows look like.
MAX_FORM_ROWS = 60
#: Label–value pairs a form holds at least (the unit's name and two facts).
MIN_PAIRS = 3


def _label(cell: Any) -> str | None:
    """The field a cell names as a label, or None (a value, a blank, a word of no field)."""
    if not isinstance(cell, str) or not cell.strip():
        return None
    field = read_one(cell.strip()).field
    return field if field and field != IGNORE else None


def _pairs(row: list[Any]) -> list[tuple[int, str, int | None]] | None:
    """(label column, label text, value column or None when blank) along a row; None when two labels
    stand side by side (the row is a table's header). A row of one text is a title or a section's
    heading (基层工会组织信息登记表 names a field's words), never a pair."""
    if sum(not is_blank(c) for c in row) < 2:
        return []
    fields = [_label(c) for c in row]
    pairs: list[tuple[int, str, int | None]] = []
    for j, fld in enumerate(fields):
        if fld is None:
            continue
        if j + 1 < len(row) and fields[j + 1] is not None:
            return None
        value = None
        for k in range(j + 1, len(row)):
            if fields[k] is not None:
                break
            if not is_blank(row[k]):
                value = k
                break
        pairs.append((j, str(row[j]).strip(), value))
    return pairs


def read_form(sheet: Sheet) -> Sheet | None:
    """The form on ``sheet`` as a sheet of its title lines, a header of its labels and one row of
    their values; None when the sheet is not a one-unit form."""
    rows = sheet.rows
    if not rows or len(rows) > MAX_FORM_ROWS or sheet.uncomputed or sheet.errors:
        return None
    found: list[tuple[int, list[tuple[int, str, int | None]]]] = []
    for r, row in enumerate(rows):
        pairs = _pairs(row)
        if pairs is None:
            return None
        if pairs:
            found.append((r, pairs))
    every = [p for _, ps in found for p in ps]
    named = {read_one(text).field for _, text, _ in every}
    if len(found) < 2 or len(every) < MIN_PAIRS or "name" not in named or len(named) < len(every):
        return None
    titles = rows[: found[0][0]]  # (read as title lines by `locate_header`, as any sheet's)
    labels = [text for _, text, _ in every]
    values = [rows[r][v] if v is not None else None for r, ps in found for _, _, v in ps]
    return Sheet(sheet.name, [*titles, labels, values], visible=sheet.visible, date_1904=sheet.date_1904)
