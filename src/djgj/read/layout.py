"""Locate the table inside a sheet: header row(s), data rows, totals and footers, title facts.

A township sheet has title lines above its header, sometimes a second header row whose cells
take meaning from a merged group cell above them, a 合计 row, a 填表人 footer and empty rows.
This module finds the header as the row where most cells are known headers, joins a two-row
header with its (forward-filled) groups, and classifies every other row. It reads the township
and the year-end from the title lines; it does not know what a field means.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import accumulate, compress
from operator import not_
from typing import Any

from djgj.read.cards import read_form
from djgj.read.files import Sheet
from djgj.read.headers import (
    Column,
    is_group_header,
    lexicon,
    names_a_concept,
    normalise_header,
    read_one,
    score_row,
)
from djgj.read.values import is_blank, simplify

HEADER_SCAN_ROWS = 30
MIN_HEADER_SCORE = 2
FOOTER_WORDS = (
    "填表人",
    "填报人",
    "制表人",
    "制表",
    "审核人",
    "审核",
    "负责人",
    "联系电话",
    "填表说明",
    "说明",
    "注：",
    "备注：",
)


@dataclass
class Table:
    sheet: Sheet
    header_rows: list[int]
    columns: list[Column]
    data_rows: list[int] = field(default_factory=list)
    totals_rows: list[int] = field(default_factory=list)
    footer_rows: list[int] = field(default_factory=list)
    empty_rows: list[int] = field(default_factory=list)
    #: The header again below it (a printed table repeats its header on every page).
    repeated_rows: list[int] = field(default_factory=list)
    #: Group rows (一、红旗镇): a label over the rows below it, not a unit.
    section_rows: list[int] = field(default_factory=list)
    #: Headers of other tables below this one (`locate_tables` splits the sheet at the first).
    other_headers: list[int] = field(default_factory=list)
    #: The worksheet's own name, when this table is one of several in it (its sheet is then named
    #: 工作表（第2个表）).
    sheet_name: str = ""
    #: Runs of tick columns (单独建会 | 联合建会 | 未建会), `read.choices.Choice`, found with the header.
    choices: list[Any] = field(default_factory=list)
    title_lines: list[str] = field(default_factory=list)

    def cell(self, row: int, col: Column) -> Any:
        cells = self.sheet.rows[row]
        return cells[col.index] if col.index < len(cells) else None


def _text(c: Any) -> str:
    return "" if is_blank(c) else str(c).strip()


def find_header(sheet: Sheet) -> int | None:
    """The index of the header row: the first row with the best count of known header texts."""
    best, best_row = 0, None
    for i, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        s = score_row(row)
        if s > best:
            best, best_row = s, i
    return best_row if best >= MIN_HEADER_SCORE else None


#: A header block has at most this many rows (group, sub-group, field, sub-field).
MAX_HEADER_ROWS = 4
#: Rows under the header that may be 栏次 codes or fill-in hints, skipped before the data.
MAX_HINT_ROWS = 3


def _merged_spans(sheet: Sheet) -> dict[tuple[int, int], tuple[int, int]]:
    """Top-left cell of each merged range → (last row, last column)."""
    return {(r0, c0): (r1, c1) for (r0, c0), (r1, c1) in sheet.merged}


_NUMBER_TEXT = re.compile(r"\s*-?[0-9][0-9,]*(?:\.[0-9]+)?\s*")


def _numeric_cell(c: Any) -> bool:
    """A number or a date, or a text that is a plain number (a CSV's cells are all text)."""
    if isinstance(c, str):
        return _NUMBER_TEXT.fullmatch(c) is not None
    return isinstance(c, (int, float, dt.date)) and not isinstance(c, bool)


def _known_word(text: str) -> bool:
    """A header cell read whole as a field, a subject or an attribute (the lexicon's words)."""
    return names_a_concept(text) or read_one(text).field is not None


def _is_subheader_row(sheet: Sheet, h: int, top: int | None = None) -> bool:
    """Whether the row under `h` continues a header block that starts at row `top` (default `h`)."""
    if h + 1 >= len(sheet.rows):
        return False
    top = h if top is None else top
    below = sheet.rows[h + 1]
    if is_code_row(below) or is_hint_row(below):
        return False
    spans = _merged_spans(sheet)
    # A header cell merged down into the next row: that row belongs to the header.
    if any(top <= r0 <= h < r1 for (r0, _), (r1, _) in spans.items()):
        return True
    if any(_numeric_cell(c) for c in below if c is not None):
        return False
    # A group cell merged across columns: the row below is its sub-headers when it names fields
    # under the group; otherwise (a one-row header with a wide cell) it is the first data row.
    for (r0, c0), (_, c1) in spans.items():
        if r0 == h and c1 > c0:
            under = [_text(below[j]) for j in range(c0, min(c1 + 1, len(below)))]
            if any(under) and any(_known_word(t) for t in under if t):
                return True
    # No merge information (CSV, xls writers that drop it): a text-only row whose cells sit under
    # blank header cells, or under a known group header.
    top_row = sheet.rows[h]
    texts = [_text(c) for c in below]
    if not any(texts) or not any(_known_word(t) for t in texts if t):
        return False
    for i, t in enumerate(texts):
        if not t:
            continue
        above = _text(top_row[i]) if i < len(top_row) else ""
        if (not above and not _merged_across(sheet, h, i)) or is_group_header(above):
            return True
    return False


def _is_group_row_above(sheet: Sheet, top: int) -> bool:
    """Whether row `top - 1` is a group row of the header block that starts at `top`."""
    r = top - 1
    spans = _merged_spans(sheet)
    if any(r0 <= r < top <= r1 for (r0, _), (r1, _) in spans.items()):
        return True  # a header cell merged down from that row into the block
    return score_row(sheet.rows[r]) >= MIN_HEADER_SCORE and _is_subheader_row(sheet, r)


def header_block(sheet: Sheet, h: int) -> list[int]:
    """The rows of the header block around the best header row `h` (1 to `MAX_HEADER_ROWS`)."""
    top = bottom = h
    while top > 0 and bottom - top + 1 < MAX_HEADER_ROWS and _is_group_row_above(sheet, top):
        top -= 1
    while bottom - top + 1 < MAX_HEADER_ROWS and _is_subheader_row(sheet, bottom, top):
        bottom += 1
    return list(range(top, bottom + 1))


def _block_grid(sheet: Sheet, rows: list[int]) -> list[list[str]]:
    """The header block's texts with every merged range filled across and down within the block
    (without merge information, a blank group cell takes the group on its left when the row below
    has a sub-header under both)."""
    width = max(len(sheet.rows[r]) for r in rows)
    grid = [[_text(sheet.rows[r][i]) if i < len(sheet.rows[r]) else "" for i in range(width)] for r in rows]
    spans = _merged_spans(sheet)
    first, last = rows[0], rows[-1]
    for (r0, c0), (r1, c1) in spans.items():
        if r1 < first or r0 > last:
            continue
        text = _text(sheet.rows[r0][c0]) if c0 < len(sheet.rows[r0]) else ""
        for r in range(max(r0, first), min(r1, last) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                grid[r - first][c] = text
    if not spans:
        for k in range(len(grid) - 1):
            row, below = grid[k], grid[k + 1]
            for j in range(1, width):
                if not row[j] and below[j] and row[j - 1] and below[j - 1]:
                    row[j] = row[j - 1]
    return grid


def _merged_across(sheet: Sheet, row: int, col: int) -> bool:
    """Whether cell (row, col) is inside a merged range that starts in an earlier column."""
    return any(r0 <= row <= r1 and c0 < col <= c1 for (r0, c0), (r1, c1) in sheet.merged)


def build_columns(sheet: Sheet, rows: list[int]) -> list[Column]:
    """One column per header stack: its label is the lowest distinct text, its group the one above."""
    grid = _block_grid(sheet, rows)
    columns: list[Column] = []
    previous: list[str] = []
    for i in range(len(grid[0])):
        stack: list[str] = []
        for k in range(len(grid)):
            t = grid[k][i]
            if t and (not stack or stack[-1] != t):
                stack.append(t)
        if not stack:
            previous = []
            continue
        if stack == previous and _merged_across(sheet, rows[-1], i):
            continue  # the same header merged over several columns: the first one holds the data
        previous = stack
        if len(stack) == 1:
            columns.append(Column(i, "", simplify(stack[0])))
        else:
            columns.append(Column(i, simplify(stack[-2]), simplify(stack[-1])))
    return columns


def is_code_row(row: list[Any]) -> bool:
    """A 栏次 row: every filled cell a column code (甲 乙 丙 …, 栏次) or the next of 1 2 3 …."""
    codes = set(layout_words()["rows"]["code_words"])
    filled = [c for c in row if not is_blank(c)]
    if len(filled) < 2:
        return False
    numbers: list[int] = []
    for c in filled:
        t = _text(c)
        if simplify(t) in codes or re.fullmatch(r"[A-Za-z]", t):
            continue
        n = _small_int(c)
        if n is None:
            return False
        numbers.append(n)
    return all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))


def _small_int(c: Any) -> int | None:
    if isinstance(c, bool):
        return None
    if isinstance(c, float) and c.is_integer():
        c = int(c)
    if isinstance(c, int):
        return c if 0 <= c < 1000 else None
    t = _text(c)
    return int(t) if re.fullmatch(r"\d{1,3}", t) else None


def is_hint_row(row: list[Any]) -> bool:
    """A row telling how to fill the column above (必填, yyyyMMdd, 是/否 …), not data."""
    words = layout_words()["rows"]
    hints = [h.lower() for h in words["hint_words"]]
    measures = set(words.get("measure_words", ()))
    filled = [c for c in row if not is_blank(c)]
    if not filled or any(_numeric_cell(c) for c in filled):
        return False
    if len(filled) == 1 and section_of(_text(filled[0])) is not None:
        return False  # a group row's 一、红旗镇 is no list of choices
    for c in filled:
        t = simplify(_text(c)).lower().replace(" ", "")
        if (
            not any(h in t for h in hints)
            and t.strip("()（）") not in measures
            and not re.fullmatch(r"[(（]?[ymd/\-.年月日]{4,}[)）]?", t)
            and not re.fullmatch(
                r"[^/、]{1,6}(?:[/、][^/、]{1,6})+", t
            )  # a list of choices: 新入会/转出/退会
        ):
            return False
    return True


def locate(sheet: Sheet) -> Table | None:
    """The table of a sheet, or None when no row looks like a header. A one-unit form (登记表:
    labels beside their values) is read as the table of one row it stands for (`read.cards`)."""
    sheet = read_form(sheet) or sheet
    table = locate_header(sheet)
    if table is None:
        return None
    fill_down(sheet, table.header_rows[-1] + 1)
    classify = RowClassifier(len(table.columns), header_cells(table))
    lists = {"data": table.data_rows, "empty": table.empty_rows, "footer": table.footer_rows}
    lists["totals"], lists["header"] = table.totals_rows, table.repeated_rows
    lists["section"], lists["table"] = table.section_rows, table.other_headers
    rows = sheet.rows
    for i in range(table.header_rows[-1] + 1, len(rows)):
        lists[classify(rows[i])].append(i)
    return table


def locate_tables(sheet: Sheet) -> list[Table]:
    """Every table of a sheet, top to bottom. A header in the body of a table (一、企业 … then
    二、社会组织 with its own 序号 | 组织名称 | 组织类型 …), or above the header `locate` chose (it
    takes the row with the most known headers, which may be a lower table's), starts another table,
    read with its own columns and titles as a sheet of its own named 工作表（第2个表）; its rows keep
    their row numbers. A sheet of one table is located as it always was."""
    tables = [t for t, _ in _tables(sheet, 0, len(sheet.rows))]
    # The sheet's own title (above the first table, not its group line 一、企业) is every table's.
    titles = [line for line in tables[0].title_lines if section_of(line) is None] if tables else []
    for i, t in enumerate(tables[1:], 2):
        t.sheet.name, t.sheet_name = f"{sheet.name}（第{i}个表）", sheet.name
        t.title_lines = [*titles, *(line for line in t.title_lines if line not in titles)]
    return tables


def has_earlier_header(table: Table) -> bool:
    """Whether a row above the table's header is the header of another table (its units would be
    read as title lines): the file is then read whole, by `locate_tables`."""
    return any(_another_header(row) for row in table.sheet.rows[: table.header_rows[0]])


def _tables(sheet: Sheet, a: int, b: int) -> list[tuple[Table, int]]:
    """The tables of rows a..b of a sheet, each with the row its part of the sheet starts at."""
    part = sheet if (a, b) == (0, len(sheet.rows)) else _rows_of(sheet, a, b, sheet.name)
    table = locate(part)
    if table is None:
        return []
    if has_earlier_header(table):
        above = _tables(sheet, a, a + table.header_rows[0])
        if above:  # (the last one ends at its body: the rows after it title the next)
            last, start = above[-1]
            end = start + _body_end(last, len(last.sheet.rows))
            return above[:-1] + _tables(sheet, start, end) + _tables(sheet, end, b)
    if table.other_headers:
        end = _body_end(table, table.other_headers[0])
        return _tables(sheet, a, a + end) + _tables(sheet, a + end, b)
    return [(table, a)]


def _body_end(table: Table, before: int) -> int:
    """The row after a table's last data or totals row above row `before` (after its header when none)."""
    body = [r for r in (*table.data_rows, *table.totals_rows) if r < before]
    return max(body, default=table.header_rows[-1]) + 1


def _rows_of(sheet: Sheet, a: int, b: int, name: str) -> Sheet:
    """Rows a..b of a sheet as a sheet of their own: merged ranges, uncomputed cells and the row
    numbers the user sees follow them."""
    numbers = sheet.line_numbers or list(range(1, len(sheet.rows) + 1))
    return Sheet(
        name,
        sheet.rows[a:b],
        [((r0 - a, c0), (r1 - a, c1)) for (r0, c0), (r1, c1) in sheet.merged if a <= r0 and r1 < b],
        sheet.visible,
        numbers[a:b] if (a or sheet.line_numbers is not None) else None,
        [(r - a, c) for r, c in sheet.uncomputed if a <= r < b or r < 0],
        {(r - a, c): e for (r, c), e in sheet.errors.items() if a <= r < b},
        sheet.date_1904,
    )


def fill_down(sheet: Sheet, first: int) -> None:
    """Cells merged down one column below the header (a 乡镇 over its block) take the merged value."""
    for (r0, c0), (r1, c1) in sheet.merged:
        if c0 != c1 or r0 < first or r1 <= r0 or r0 >= len(sheet.rows):
            continue
        value = sheet.rows[r0][c0] if c0 < len(sheet.rows[r0]) else None
        for r in range(r0 + 1, min(r1, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            if c0 < len(row) and is_blank(row[c0]):
                row[c0] = value


def locate_header(sheet: Sheet) -> Table | None:
    """The header, columns and title lines of a sheet, its rows below not yet classified.

    The header block is 1 to 4 rows around the row where most cells are known headers; 栏次 code
    rows and fill-in hint rows under it count as header rows (skipped, never data). Only the first
    `HEADER_SCAN_ROWS` + 1 rows are read: a sheet holding just those (a file being streamed) gives
    the same answer as the whole sheet.
    """
    h = find_header(sheet)
    if h is None:
        return None
    block = header_block(sheet, h)
    columns = build_columns(sheet, block)
    header_rows = list(block)
    while len(header_rows) - len(block) < MAX_HINT_ROWS and header_rows[-1] + 1 < len(sheet.rows):
        nxt = sheet.rows[header_rows[-1] + 1]
        if not (is_code_row(nxt) or is_hint_row(nxt)):
            break
        header_rows.append(header_rows[-1] + 1)
    table = Table(sheet, header_rows, columns)
    lines = [_title_line(sheet.rows[i]) for i in range(block[0])]
    table.title_lines = [t for t in lines if t]
    return table


def _title_line(row: list[Any]) -> str:
    """A title row's text, each distinct cell once (a title merged across reads once)."""
    return " ".join(dict.fromkeys(t for t in map(_text, row) if t))


#: Every Chinese totals word (layouts.toml [rows] totals) holds 计, 数 or 总 after NFKC and Traditional → Simplified; these are
#: all the characters that become one of them (found by running every CJK code point through both).
#: (均率比其: in a statistics row's label, `_looks_statistic`: 平均, 入会率, 占比, 其中; 填审负签盖表话期:
#: in a signature row's first label, `footer_label`: 填表人, 审核人, 单位负责人, 联系电话, 报出日期; the same
#: in Traditional. Every Chinese word of layouts.toml [rows] holds one: tests/test_unseen_counties4.)
_TOTAL_HINT = re.compile("[总数數總計计\uf969均率比其填審审負负簽签蓋盖表話话期]")


def header_cells(table: Table) -> list[list[Any]]:
    """The cells of the table's header rows, as `RowClassifier` recognises them when repeated."""
    rows = table.sheet.rows
    return [rows[r] for r in table.header_rows if r < len(rows)]


class RowClassifier:
    """Classifies the rows below the header, one at a time, in order: data, empty, footer, totals,
    section (a group row, `section_of`), header (one of the header's rows again, as a printed
    table repeats it on every page) or table (the header of another table below this one:
    `locate_tables` splits the sheet there).

    Once a footer (填表人, 说明 …) is seen, every later row is footer. A row with more than three
    filled cells and none of the characters a totals word needs is data without further work (after
    one cell is compared with each header row's first); only the others have their cells normalised.
    """

    def __init__(self, n_columns: int, header: list[list[Any]] | None = None) -> None:
        self.n_columns = n_columns
        self.in_footer = False
        #: Per header row with two or more texts: its first text's column, the text, and all its texts.
        self.marks: list[tuple[int, str, dict[int, str]]] = []
        for cells in header or []:
            texts = {j: t for j, t in enumerate(map(_text, cells)) if t}
            if len(texts) >= 2:
                j = min(texts)
                self.marks.append((j, texts[j], texts))

    def _repeats_header(self, row: list[Any]) -> bool:
        for j, first, texts in self.marks:
            if j < len(row) and isinstance(row[j], str) and row[j].strip() == first:
                got = {k: t for k, t in enumerate(map(_text, row)) if t}
                if got == texts:
                    return True
        return False

    def __call__(self, row: list[Any]) -> str:
        if self._plain_data(row):
            return "data"
        filled_n = 0
        hint = False
        for j, c in enumerate(row):
            if c is None:
                continue
            if isinstance(c, str):
                if not c or c.isspace():
                    continue
                if j < 4 and not hint and (_TOTAL_HINT.search(c) or (c.isascii() and _latin_label(c))):
                    hint = True
            filled_n += 1
            if filled_n == 4:  # (then j >= 3: every cell a hint can be in was seen; the rest cannot
                break  # change what follows, which asks only whether more than three are filled)
        if not filled_n:
            return "empty"
        if self.marks and not self.in_footer and self._repeats_header(row):
            return "header"
        if filled_n > 3 and not hint and not self.in_footer:
            return self.data_or_table(row)
        return self._slow(row)

    def many(self, rows: list[list[Any]]) -> list[str]:
        """What ``self(row)`` says of each of ``rows``, in order: the plain data rows (`_plain_data`)
        found for all of them at once — their first four cells joined into one text, searched once
        for what makes a row other than plain (`_not_plain`) — the others asked one by one."""
        plain = self._plain_rows(rows) if rows and not self.in_footer else []
        if not plain:
            return [self(row) for row in rows]
        out = ["data"] * len(rows)
        for i in compress(range(len(rows)), map(not_, plain)):
            out[i] = self(rows[i])
            if self.in_footer:  # (every row below a footer is footer)
                out[i + 1 :] = [self(row) for row in rows[i + 1 :]]
                break
        return out

    def _plain_rows(self, rows: list[list[Any]]) -> list[bool]:
        """`_plain_data` of every row (the footer aside), from one search of their first cells."""
        firsts = [row[:4] for row in rows]
        try:  # (the common round: every row's first four cells text)
            joined: list[str | None] = list(map(_ROWS.join, firsts)) if min(map(len, firsts)) == 4 else []
        except TypeError:
            joined = []
        if not joined:
            joined = [_joined_first(row) for row in rows]
        plain = [j is not None for j in joined]
        # Every cell between two NULs (one before the first row, one after the last); starts[i]: where
        # row i's text begins, counted from the first NUL.
        text = _ROWS + _ROWS.join(j or "" for j in joined) + _ROWS
        starts = list(accumulate((len(j or "") + 1 for j in joined), initial=0))
        blank, ending = _not_plain()
        for pattern in (blank, _LATIN_CELL):  # (matched from the NUL before the cell)
            for m in pattern.finditer(text):
                plain[bisect_right(starts, m.start()) - 1] = False
        for pattern in (_TOTAL_HINT, ending):
            for m in pattern.finditer(text):
                plain[bisect_right(starts, m.start() - 1) - 1] = False
        for j, first, _ in self.marks:  # the header again: its first cell's text in that column
            if j < 4:  # (then a row repeating it holds that text as one of its first cells)
                cell = re.compile("\x00\\s*" + re.escape(first) + "\\s*(?=\x00)")
                maybe = {bisect_right(starts, m.start()) - 1 for m in cell.finditer(text)}
            else:
                maybe = set(range(len(rows)))
            for i in sorted(maybe):
                row = rows[i]
                if plain[i] and j < len(row) and isinstance(row[j], str) and row[j].strip() == first:
                    plain[i] = not self._repeats_header(row)
        return plain

    def _plain_data(self, row: list[Any]) -> bool:
        """The common data row decided from its first four cells joined into one text (a few C
        calls instead of a loop over cells): all four text and filled, none with a totals hint or
        ending as a name column's header does, and not the header repeated. Any other row, and any
        row whose four cells are not all text, is left to the full rules below (same answers)."""
        if self.in_footer:
            return False
        first = row[:4]
        try:
            joined = _SEP.join(first)
        except TypeError:  # (a number, date or None among them)
            return False
        if len(first) < 4 or "" in first or any(map(str.isspace, first)) or _TOTAL_HINT.search(joined):
            return False
        if any(map(_latin_label, first)):
            return False
        if _name_ending().search(joined):
            return False
        return not (self.marks and self._repeats_header(row))

    def data_or_table(self, row: list[Any]) -> str:
        """A row that reads as data: "table" when it is another table's header (`locate_tables`)."""
        return "table" if _another_header(row) else "data"

    def _slow(self, row: list[Any]) -> str:
        filled = [t for t in map(_text, row) if t]
        joined = "".join(filled)
        if (
            self.in_footer
            or (len(filled) <= 3 and any(joined.startswith(w) or w in joined for w in FOOTER_WORDS))
            or (filled and footer_label(filled[0]))
        ):
            self.in_footer = True
            return "footer"
        if len(filled) == 1 and _BRACKETED_ALL.match(joined) and not _numeric(row):
            return "footer"  # (（本表由镇总工会汇总）: a remark, though its words end as a totals label's)
        if _looks_totals(row):  # (a first-four totals label has a hint: `_TOTAL_HINT` or `_latin_label`)
            return "totals"
        if _looks_statistic(row):  # 平均, 入会率: no unit; skipped with the footer rows (not all below)
            return "footer"
        if len(filled) == 1 and self.n_columns > 3 and not _numeric(row) and section_of(joined):
            return "section"
        if (
            len(filled) == 1
            and self.n_columns > 3
            and not _numeric(row)
            and (len(joined) > 15 or is_note(joined))
        ):
            return "footer"
        return self.data_or_table(row)


#: What a unit's name never holds: a label's colon (统计人：张三, 另：…) or a sentence's punctuation.
_NOTE_PUNCTUATION = re.compile(r"[:：，,。；;！!？?]")
_BRACKETED_ALL = re.compile(r"^[（(【\[].*[）)】\]]$")


def is_note(text: str) -> bool:
    """Whether a row's one filled cell is a note under or inside the table, not a unit's name: a label
    and its value or a sentence (统计人：张三, 另：2家企业已停产，未列入), a remark wholly in brackets
    ((本表由镇总工会汇总)), or the words of a note (layouts.toml [rows] note_words: 以下空白, 经核实无误,
    *标注的企业为规上企业) where no unit's name ends (or after a sign marking names, as a legend)."""
    text = text.strip()
    if _NOTE_PUNCTUATION.search(text) or _BRACKETED_ALL.match(text):
        return True
    if not any(w in text for w in layout_words()["rows"]["note_words"]):
        return False
    return text[:1] in _mark_signs() or not name_without_marks(text).endswith(unit_endings())


def _another_header(row: list[Any]) -> bool:
    """Whether a row below the header is the header of another table (序号 | 组织名称 | 组织类型 …):
    one of its first cells names a name column (…名称, a cheap test every row passes through) and
    the row is a header by the measure that found the first one, with no number in it."""
    endings, last = _name_endings()
    for c in row[:4]:  # (every data row passes here: the last character rules out nearly all)
        if c.__class__ is str and c[-1:] in last and c.strip().endswith(endings):
            return not _numeric(row) and score_row(row) >= MIN_HEADER_SCORE
    return False


@lru_cache(maxsize=1)
def _name_endings() -> tuple[tuple[str, ...], frozenset[str]]:
    """The lexicon's words for a name (名称, 全称, 名 …): how a name column's header ends (and the
    last characters they end with, and a space)."""
    words = tuple(w for w, concepts in lexicon().words.items() if "name" in concepts and w)
    return words, frozenset(w[-1] for w in words) | {" ", "\u3000"}


#: Joins a row's first cells for `RowClassifier._plain_data` (a character no cell text is read for).
_SEP = "\x1f"
#: Joins cells and rows for `RowClassifier.many`: NUL, which no text cell holds (`files` refuses a
#: file with one) and no `\s` matches.
_ROWS = "\x00"


def _joined_first(row: list[Any]) -> str | None:
    """A row's first four cells joined by `_ROWS`; None when they are fewer, or not all text."""
    first = row[:4]
    if len(first) < 4:
        return None
    try:
        return _ROWS.join(first)
    except TypeError:  # (a number, date or None among them)
        return None


@lru_cache(maxsize=1)
def _not_plain() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """In cells each between two `_ROWS`: an empty or blank cell (matched from the NUL before it),
    and a cell ending as a name column's header does (`_name_ending`): what keeps a row from being
    plain data besides a totals hint. (Each begins with what the engine can look for quickly.)"""
    words, _ = _name_endings()
    ending = "(?:" + "|".join(map(re.escape, words)) + ")\\s*(?=\\x00)"
    return re.compile("\\x00\\s*(?=\\x00)"), re.compile(ending)


@lru_cache(maxsize=1)
def _name_ending() -> re.Pattern[str]:
    """A cell ending as a name column's header does (`_name_endings`, spaces after it allowed), in
    the joined first cells: a row that may be another table's header."""
    words, _ = _name_endings()
    return re.compile("(?:" + "|".join(map(re.escape, words)) + ")\\s*(?:\x1f|$)")


def _numeric(row: list[Any]) -> bool:
    return any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in row)


#: A totals cell is a label, not a unit's name: a name before or after the word is a short place or group.
_TOTAL_LABEL_MAX = 12


@lru_cache(maxsize=1)
def _totals_words() -> tuple[frozenset[str], tuple[str, ...], re.Pattern[str]]:
    """layouts.toml [rows]: whole totals labels, the Chinese words a block's name may precede or
    follow, and a Latin label at either end of a text (never inside a longer Latin word)."""
    rows = layout_words()["rows"]
    latin = "|".join(sorted((w for w in rows["totals"] if w.isascii()), key=len, reverse=True))
    edge = re.compile(f"^(?:{latin})(?![a-z])|(?<![a-z])(?:{latin})$")
    return frozenset(rows["totals"]), tuple(rows["totals_affixes"]), edge


@lru_cache(maxsize=1)
def subtotal_words() -> tuple[str, ...]:
    """The totals labels of a block (小计, Subtotal): layouts.toml [rows] subtotals."""
    return tuple(layout_words()["rows"]["subtotals"])


def _latin_label(c: str) -> bool:
    """A cell of Latin letters (Total, Sum): the hint of a bilingual form's totals label that
    `_TOTAL_HINT` (Chinese characters) cannot give. O(1) for the usual Chinese cell."""
    return c.isascii() and c.lstrip()[:1].isalpha()


#: `_latin_label` of a cell between two `_ROWS` in `RowClassifier.many`'s joined text (the same
#: cells: ASCII only, the first after ASCII spaces a letter).
_LATIN_CELL = re.compile("\x00[\t-\r\x1c-\x20]*[A-Za-z][\x01-\x7f]*(?=\x00)")


def is_totals_label(text: str) -> bool:
    """Whether a cell is a totals row's label: 合计, 青山镇小计, Total, 合计 Total (layouts.toml [rows])."""
    t = normalise_header(text)
    return bool(t) and (t in _totals_words()[0] or _totals_label(t))


def _looks_totals(row: list[Any]) -> bool:
    return any(is_totals_label(t) for t in map(_text, row[:4]) if t)


def footer_label(text: str) -> bool:
    """Whether a row's first filled cell is the label of a signature under the table (填表人, 审核人：李四,
    单位负责人, 联系电话, 报出日期: layouts.toml [rows] footer_labels), its value in the same cell after a
    colon or in the next: the row is the footer however many cells it fills (填表人 | 张三 | 审核人 | 李四)."""
    label = re.split("[:：]", simplify(text).strip(), maxsplit=1)[0].strip()
    words = layout_words()["rows"]["footer_labels"]
    return any(label.endswith(w) and len(label) <= len(w) + 2 for w in words)


def _looks_statistic(row: list[Any]) -> bool:
    """A row labelled as a statistic of the rows above (平均, 人均, 占比, 入会率, 建会率（%）:
    layouts.toml [rows]) in its first filled cell of the first four."""
    label = next((t for t in map(_text, row[:4]) if t), None)
    if label is None:
        return False
    text = normalise_header(label).rstrip("%")  # (建会率（%）: its brackets are dropped)
    words = layout_words()["rows"]
    if not text or len(text) > words["stat_max"]:
        return False
    return text.startswith(tuple(words["stat_starts"])) or text.endswith(tuple(words["stat_ends"]))


def _totals_label(text: str) -> bool:
    """青山镇小计, 全县非公企业合计, 小计青山镇 (from 小计（青山镇）): a block's name and a totals word;
    合计total: a Chinese label beside a Latin one."""
    if len(text) > _TOTAL_LABEL_MAX:
        return False
    words, affixes, latin = _totals_words()
    if any(text.endswith(w) or text.startswith(w) for w in affixes):
        return True
    core = latin.sub("", text, count=1)
    return core != text and core in words


#: The label of the date the data stand at: 截至, 统计截止日期, 数据截至时间, 统计时点 (never 填报日期).
_AS_OF_LABEL = r"(?:(?:统计|数据)?(?:截至|截止)(?:到|至)?(?:日期|时间|时点)?|统计(?:时间|日期|时点))[:：]?\s*"
_YEAR_END = [
    re.compile(_AS_OF_LABEL + r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(_AS_OF_LABEL + r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})"),
]
#: A year and a month (截至2023年6月, 统计截止日期：2023.6, 2023年6月份台账): the data stand at that month's end.
_MONTH_END = [
    re.compile(_AS_OF_LABEL + r"(\d{4})[-./](\d{1,2})(?![\d./-])"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d)"),
]
_YEAR = re.compile(r"(\d{4})\s*年(?:度|底|末)?")
#: A part of the year after it (2023年上半年, 2023年第三季度, 2023年1-9月): the data end with that part.
_PERIOD = re.compile(
    r"(\d{4})\s*年\s*(?:(上半年|下半年)|第?([一二三四1-4])\s*季度?(?!度)|1?\s*[-—–~～至到]\s*(\d{1,2})\s*月)"
)
_QUARTER_END = {"一": 3, "二": 6, "三": 9, "四": 12, "1": 3, "2": 6, "3": 9, "4": 12}
#: A year written in Chinese numerals (二〇二三年): its digits.
_CHINESE_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})(?=\s*年)")
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


#: The same part of the year standing apart from it (城关镇2023年度工会统计（第一季度）).
_PART = re.compile(r"()(?:(上半年|下半年)|第([一二三四1-4])季度)()")


def _period_end(m: re.Match[str], year: int) -> dt.date | None:
    """The last day of the part of the year a title names (上半年 → 30 June, 第三季度 → 30 September)."""
    if m.group(2):
        month = 6 if m.group(2) == "上半年" else 12
    elif m.group(3):
        month = _QUARTER_END[m.group(3)]
    else:
        month = int(m.group(4))
    if not 1 <= month <= 12:  # (1-13月: no such part of a year)
        return None
    after = dt.date(year + (month == 12), month % 12 + 1, 1)
    return after - dt.timedelta(days=1)


def _month_end(text: str, year: str | None) -> dt.date | None:
    """The last day of the month a title dates its data by (截至2023年6月 → 30 June), of ``year``
    when given (the year the title names first); None when it names no month."""
    for pat in _MONTH_END:
        for m in pat.finditer(text):
            y, month = int(m[1]), int(m[2])
            if (year is None or m[1] == year) and 1949 < y < 2200 and 1 <= month <= 12:
                return dt.date(y + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return None


def as_of_from_titles(lines: list[str]) -> tuple[dt.date | None, str]:
    """The year-end a sheet describes, from its title lines; ignores 填报日期 (the filling date)."""
    for line in lines:
        text = simplify(line)
        for pat in _YEAR_END:
            m = pat.search(text)
            if m:
                y, mo, d = (int(g) for g in m.groups())
                try:
                    return dt.date(y, mo, d), f"标题“{line}”"
                except ValueError:
                    return None, ""
    for line in lines:
        text = re.sub(r"(?:填报|填表|报送|制表)(?:日期|时间)[:：]?\s*\S+", "", simplify(line))
        text = _CHINESE_YEAR.sub(lambda y: y.group(1).translate(_CHINESE_DIGITS), text)
        m = _YEAR.search(text)
        if m and 1949 < int(m.group(1)) < 2200:
            period = _PERIOD.search(text)
            if period is None or period[1] != m[1]:
                period = _PART.search(text)
            end = _period_end(period, int(m[1])) if period else _month_end(text, m[1])
            return end or dt.date(int(m.group(1)), 12, 31), f"标题“{line}”"
        month = _month_end(text, None)  # (统计截止日期：2023.6, which names no 年)
        if month is not None:
            return month, f"标题“{line}”"
    return None, ""


#: A year in a file name: 2017年…, …2017年度…, a leading 2017_ / 2017- / "2017 " as townships
#: number their files, or a trailing one (…一览表2017, …一览表（2017）).
_FILE_YEAR = re.compile(r"(?<!\d)(\d{4})(?:\s*年(?:度|底|末)?|(?=[_\-\s.)）]|$))")


def as_of_from_file_name(stem: str) -> dt.date | None:
    """The year-end a file's name states, when its titles state none: one plausible year, and only
    one (a name with two different years, 2013-2014对比, says nothing about which)."""
    text = simplify(stem)
    years = {int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", text) if 1949 < int(y) < 2200}
    if len(years) != 1 or not _FILE_YEAR.search(text):
        return None
    year = years.pop()
    period = _PERIOD.search(text) or _PART.search(text)  # (2023年上半年_城关镇: 30 June)
    end = _period_end(period, year) if period else _month_end(text, str(year))  # (…2023年6月台账)
    return end or dt.date(year, 12, 31)


@lru_cache(maxsize=1)
def layout_words() -> dict[str, Any]:
    """The words of `data/layouts.toml`: place-name grammar, hint and code rows, non-unit-list marks."""
    text = resources.files("djgj").joinpath("data/layouts.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def _place_grammar() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], dict[str, Any]]:
    t = layout_words()["township"]
    strip = re.compile("|".join(f"(?:{p})" for p in t["strip"]))
    breaks = re.compile(
        "|".join(map(re.escape, sorted(t["breaks"], key=len, reverse=True))) + r"|[^\u4e00-\u9fff]+"
    )
    suffixes = "|".join(map(re.escape, t["suffixes"]))
    name = re.compile(rf"^(.{{{t['min_stem']},{2 * t['max_stem']}}}?)({suffixes})")
    return strip, breaks, name, t


def township_from_text(text: str) -> str | None:
    """A township's name (…镇, …乡, …街道, …民族乡, …苏木) in a title line, sheet name or file name.

    Only a plausible place name: years, 附件, 各乡镇/分乡镇/全县 and words that never belong to a
    name (关于, 报送, 统计表 …) are cut out first, and a stem that is a common noun (农村, 城乡, 各 …)
    is no name: "2015年红旗镇…" gives 红旗镇, "2024年各乡镇…统计表" gives none.
    """
    strip, breaks, name_re, t = _place_grammar()
    cut = breaks.sub("|", strip.sub("|", simplify(str(text))))
    for segment in cut.split("|"):
        m = name_re.match(segment)
        if m is not None and (place := _place(m, t)) is not None:
            return place
    return None


def _place(m: re.Match[str], t: dict[str, Any]) -> str | None:
    """The township a match of the place grammar names, None when its stem is no name."""
    stem, suffix = m.group(1), m.group(2)
    # 示例县红旗镇: the place is what follows the county's name.
    stem = re.split(r"[县市区旗](?=..)", stem)[-1]
    if not t["min_stem"] <= len(stem) <= t["max_stem"] or any(
        stem.startswith(w) if len(w) == 1 else w in stem for w in t["not_names"]
    ):
        return None
    return stem + t["normalise"].get(suffix, suffix)


def townships_in_text(text: str) -> list[str]:
    """The distinct townships a text names (a title naming several: 桥头镇、石门镇非公企业情况,
    城关镇等5个乡镇 — `等` counts as another —, 城关镇（含原石门乡）); `township_from_text` is the first."""
    return list(dict.fromkeys(_places(text)))


def townships_in_title(text: str) -> list[str]:
    """`townships_in_text` of a title, a sheet's name or a file's name, where a name that reads as the
    common noun for a town (…城镇, …小镇: layouts.toml [township] town_nouns) names a township only
    standing alone: in 2024年小城镇建设企业 or 特色小镇入驻企业 it is a word of a phrase, no place. Alone is
    ending its part of the text (the part between the words that never belong to a name: 企业, 情况,
    统计表 …, `_place_grammar`), or followed there only by 等 or a place below it (古城镇东关村);
    古城镇非公企业 is read, and 红旗镇建筑企业 as before."""
    return list(dict.fromkeys(_places(text, alone=True)))


def township_in_title(text: str) -> str | None:
    """The first township `townships_in_title` finds, None when it finds none."""
    return next((t for t in townships_in_title(text) if t != "等"), None)


def _places(text: str, alone: bool = False) -> Iterator[str]:
    """The township names of a text, in order (a name followed by 等 stands for several: yields two);
    with `alone`, a name read as a common noun only where it fills its segment (`townships_in_title`)."""
    strip, breaks, name_re, t = _place_grammar()
    cut = breaks.sub("|", strip.sub("|", simplify(str(text))))
    for segment in cut.split("|"):
        found: list[str] = []
        while (m := name_re.match(segment)) is not None:
            segment = segment[m.end() :]
            place = _place(m, t)
            if place is not None:
                found.append(place)
                if segment.startswith("等"):
                    found.append("等")
        if alone and segment and not segment.startswith("等") and not _below_township(segment, t):
            found = [f for f in found if not f.endswith(tuple(t["town_nouns"]))]
        yield from found


def _below_township(rest: str, t: dict[str, Any]) -> bool:
    """Whether what follows a township's name is a place below it (东关村, 建设路社区)."""
    return len(rest) >= 2 and rest.isalnum() and rest.endswith(tuple(t["below"]))


def township_cell(text: str) -> str:
    """A 乡镇 cell as the township it names: the place when only the name of one of its organs follows
    it (城关镇人民政府, 白水镇党委, 红旗街道办事处 → 城关镇, 白水镇, 红旗街道), or a place below it
    (城关镇东关村, 红旗街道建设路社区 → 城关镇, 红旗街道); anything else as written (城关 stays 城关;
    北关镇（开发区） is kept whole: the bracket may be a place of its own)."""
    town = township_from_text(text)
    if town is None or town == text or not text.startswith(town):
        return text
    rest = text[len(town) :]
    below = tuple(layout_words()["township"]["below"])
    if _organs().fullmatch(rest) or (len(rest) >= 2 and rest.endswith(below) and rest.isalnum()):
        return town
    return text


@lru_cache(maxsize=1)
def _organs() -> re.Pattern[str]:
    """One or more of the place grammar's break words, or what a long suffix adds to its short form
    (办事处 of 街道办事处): the organs of a township that may follow its name in a 乡镇 cell."""
    t = layout_words()["township"]
    words = [*t["breaks"], *(k.removeprefix(v) for k, v in t["normalise"].items())]
    return re.compile("(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + ")+")


@dataclass(frozen=True)
class Section:
    """A group row of a table's body (一、红旗镇): its text, its level in the numbering of Chinese
    documents (1 for 一、 and for a bare label, 2 for （一）, 3 for 1., 4 for （1）) and the township
    its label names, if any."""

    text: str
    level: int
    town: str | None
    #: The label without its ordinal and count (长岭镇 of 一、长岭镇（12家）).
    label: str = ""


def section_of(text: str) -> Section | None:
    """The group row a lone short text is, or None: a label under an ordinal (一、, （二）, 3.,
    第四部分), or a bare township name (红旗镇, 红旗镇（12家）). A bare label that is no township
    (县直单位) may be a unit with nothing else filled in, so it is left a data row."""
    ordinals, counts, max_label = _section_grammar()
    label, level, bare = simplify(text).strip(), 1, True
    for pattern, lvl in ordinals:
        m = pattern.match(label)
        if m:
            level, bare = lvl, False
            ordinal = m.group(0).strip("、.．:： ")
            noun = _NUMBERED.sub("", ordinal)  # 第二片区 alone: the ordinal's noun makes it a label
            label = label[m.end() :].strip() or (ordinal if noun else "")
            break
    for pattern in counts:
        label = pattern.sub("", label)
    if not label or len(label) > max_label:
        return None
    town = township_from_text(label)
    if town is not None and (label != town if bare else township_cell(label) != town):
        town = None
    if bare and town is None:
        return None
    return Section(text.strip(), level, town, label)


#: An ordinal's number alone (第二, 三), which no label is.
_NUMBERED = re.compile(r"^第?[一二三四五六七八九十百〇零两\d]+")


@lru_cache(maxsize=1)
def _section_grammar() -> tuple[list[tuple[re.Pattern[str], int]], list[re.Pattern[str]], int]:
    t = layout_words()["sections"]
    ordinals = [(re.compile(p), int(level)) for p, level in t["ordinals"]]
    return ordinals, [re.compile(p) for p in t["counts"]], int(t["max_label"])


@lru_cache(maxsize=1)
def _ceased_words() -> re.Pattern[str]:
    words = layout_words()["remarks"]["ceased"]
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


_VILLAGE_ORGANS = re.compile(r"(?:村民委员会|村委会)$|(?:社区)?(?:居民委员会|居委会)$")


def village_core(name: str) -> str:
    """A village's or community's name without its committee or its township (东关村委会,
    城关镇东关村 → 东关村; 东关社区居委会, 东关居委会 → 东关社区): how one place written differently in two
    files is recognised, to be said (never merged: a name is the ledger's identity)."""
    core = _VILLAGE_ORGANS.sub(lambda m: "村" if m.group(0).startswith("村") else "社区", name)
    town = township_from_text(core)
    if town is not None and core.startswith(town) and len(core) - len(town) >= 3:
        core = core[len(town) :]
    return core


@lru_cache(maxsize=1)
def _mark_signs() -> str:
    return "".join(layout_words()["marks"]["signs"]) + " \u3000"


@lru_cache(maxsize=1)
def marked_edges() -> tuple[frozenset[str], frozenset[str]]:
    """The characters a name cell must begin or end with for `name_without_marks` (after
    `cells.unneutralise`, which takes a quote off the front) to change it: a marking sign, a quote;
    a sign, the close of a bracketed note, a space. A round's names are checked against these in
    one pass; only the few that meet them are read by the functions."""
    signs = frozenset(_mark_signs())
    return signs | {"'"}, signs | frozenset(NOTE_CLOSERS) | frozenset(" \t\u3000")


def name_without_marks(name: str) -> str:
    """A unit's name without the signs that mark it (★城关镇甲有限公司, 城关镇甲有限公司*:
    layouts.toml [marks]) and without a bracketed note saying it has ceased (城关镇甲有限公司（已注销）:
    a 备注 written into the name cell, `ceased_note`); a name that is only these stays as written."""
    signs = _mark_signs()
    if name[:1] in signs or name[-1:] in signs:
        name = name.strip(signs) or name
    note = ceased_note(name)
    return name.rstrip()[: -len(note)].rstrip() if note is not None else name


#: How a bracketed note closes (`ceased_note`).
NOTE_CLOSERS = ("）", ")", "】", "]")
#: A bracketed note closing a name cell: （已注销）, (停业), 【已吊销】.
_CLOSING_NOTE = re.compile(r"[（(【\[]([^（()）【】\[\]]+)[）)】\]]$")


def ceased_note(name: Any) -> str | None:
    """The bracketed note closing a name cell when it says the unit has ceased (`says_ceased`:
    城关镇甲有限公司（已注销）→ （已注销）), with a name before it; None otherwise (甲有限公司（城关分公司）
    keeps its bracket: it is part of the name)."""
    if type(name) is not str:
        return None
    text = name.rstrip()
    if not text.endswith(NOTE_CLOSERS):
        return None
    m = _CLOSING_NOTE.search(text)
    if m is None or not text[: m.start()].strip() or not says_ceased(m.group(1)):
        return None
    return text[m.start() :]


def has_marks(name: Any) -> bool:
    """Whether a name cell carries a marking sign before or after it (`name_without_marks`)."""
    if type(name) is not str or not name:
        return False
    text = name.strip()
    signs = _mark_signs()
    return bool(text) and (text[0] in signs or text[-1] in signs) and bool(text.strip(signs))


@lru_cache(maxsize=1)
def unit_endings() -> tuple[str, ...]:
    """How a unit's name ends (公司, 厂, 店, 合作社 …; layouts.toml [names])."""
    return tuple(layout_words()["names"]["unit_endings"])


def says_ceased(text: Any) -> bool:
    """Whether a 备注 cell says its unit has ceased (已注销, 停产歇业, 已倒闭)."""
    return isinstance(text, str) and _ceased_words().search(simplify(text)) is not None


def not_a_unit_list(sheet: Sheet) -> str | None:
    """What a sheet is when its shape says it is not a list of units (nor a union roster):
    "party_roster" for a Party-member roster (入党时间, 党籍状态, 所在党支部 …), "aggregate" for a
    statistics form whose rows are items (项目/指标 with 栏次 codes); None otherwise."""
    words = layout_words()["not_unit_lists"]
    party = {normalise_header(w) for w in words["party_roster"]}
    aggregate = {normalise_header(w) for w in words["aggregate"]}
    items = {normalise_header(w) for w in ("项目", "指标", "指标名称", "项目名称", "统计项目")}
    seen: set[str] = set()
    for row in sheet.rows[:HEADER_SCAN_ROWS]:
        seen.update(normalise_header(c) for c in row if isinstance(c, str) and c.strip())
    if len(seen & party) >= 2:
        return "party_roster"
    if seen & items and len(seen & aggregate) >= 2:
        return "aggregate"
    return None
