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
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from djgj.read.files import Sheet
from djgj.read.headers import Column, is_group_header, names_a_concept, normalise_header, score_row
from djgj.read.values import is_blank, simplify

HEADER_SCAN_ROWS = 30
MIN_HEADER_SCORE = 2
TOTAL_WORDS = {"合计", "总计", "小计", "合计数", "总数", "全县合计", "全镇合计", "全乡合计", "汇总"}
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


def _merged_spans(sheet: Sheet) -> dict[tuple[int, int], tuple[int, int]]:
    """Top-left cell of each merged range → (last row, last column)."""
    return {(r0, c0): (r1, c1) for (r0, c0), (r1, c1) in sheet.merged}


def _is_subheader_row(sheet: Sheet, h: int) -> bool:
    """Whether the row under the header is a second header row (sub-headers under merged groups)."""
    if h + 1 >= len(sheet.rows):
        return False
    top, below = sheet.rows[h], sheet.rows[h + 1]
    spans = _merged_spans(sheet)
    if any(r0 == h and r1 > h for (r0, _), (r1, _) in spans.items()):
        return True
    if any(r0 == h and c1 > c0 for (r0, c0), (_, c1) in spans.items()):
        return True
    # No merge information (CSV, xls writers that drop it): a text-only row whose cells sit under
    # blank header cells, or under a known group header.
    texts = [_text(c) for c in below]
    if not any(texts) or any(
        isinstance(c, (int, float, dt.date)) and not isinstance(c, bool) for c in below if c
    ):
        return False
    if not any(names_a_concept(t) for t in texts if t):
        return False
    for i, t in enumerate(texts):
        if not t:
            continue
        above = _text(top[i]) if i < len(top) else ""
        if not above or is_group_header(above):
            return True
    return False


def build_columns(sheet: Sheet, h: int, two_rows: bool) -> list[Column]:
    top = sheet.rows[h]
    below = sheet.rows[h + 1] if two_rows else []
    width = max(len(top), len(below))
    spans = _merged_spans(sheet)
    groups: list[str] = [""] * width
    for i in range(width):
        groups[i] = _text(top[i]) if i < len(top) else ""
    if two_rows:
        # Forward-fill a group over the columns its merged cell spans; without merge information,
        # over the blank header cells that have a sub-header below.
        filled = list(groups)
        for (r0, c0), (_, c1) in spans.items():
            if r0 == h:
                for j in range(c0, min(c1, width - 1) + 1):
                    filled[j] = groups[c0]
        if not spans:
            for j in range(1, width):
                sub = _text(below[j]) if j < len(below) else ""
                if not filled[j] and sub and filled[j - 1] and _text(below[j - 1]):
                    filled[j] = filled[j - 1]
        groups = filled
    columns: list[Column] = []
    for i in range(width):
        sub = _text(below[i]) if two_rows and i < len(below) else ""
        group = groups[i]
        if not group and not sub:
            continue
        if not sub:
            columns.append(Column(i, "", simplify(group)))
        else:
            columns.append(Column(i, simplify(group), simplify(sub)))
    return columns


def locate(sheet: Sheet) -> Table | None:
    """The table of a sheet, or None when no row looks like a header."""
    table = locate_header(sheet)
    if table is None:
        return None
    classify = RowClassifier(len(table.columns))
    lists = {"data": table.data_rows, "empty": table.empty_rows, "footer": table.footer_rows}
    lists["totals"] = table.totals_rows
    rows = sheet.rows
    for i in range(table.header_rows[-1] + 1, len(rows)):
        lists[classify(rows[i])].append(i)
    return table


def locate_header(sheet: Sheet) -> Table | None:
    """The header, columns and title lines of a sheet, its rows below not yet classified.

    Only the first `HEADER_SCAN_ROWS` + 1 rows are read: a sheet holding just those (a file being
    streamed) gives the same answer as the whole sheet.
    """
    h = find_header(sheet)
    if h is None:
        return None
    # The sub-header row of a two-row header often holds more known words than its group row.
    if h > 0 and score_row(sheet.rows[h - 1]) >= MIN_HEADER_SCORE and _is_subheader_row(sheet, h - 1):
        h -= 1
    two_rows = _is_subheader_row(sheet, h)
    columns = build_columns(sheet, h, two_rows)
    header_rows = [h, h + 1] if two_rows else [h]
    table = Table(sheet, header_rows, columns)
    table.title_lines = [" ".join(_text(c) for c in sheet.rows[i] if _text(c)) for i in range(h)]
    table.title_lines = [t for t in table.title_lines if t]
    return table


#: Every word of `TOTAL_WORDS` holds 计, 数 or 总 after NFKC and Traditional → Simplified; these are
#: all the characters that become one of them (found by running every CJK code point through both).
_TOTAL_HINT = re.compile("[总数數總計计\uf969]")


class RowClassifier:
    """Classifies the rows below the header, one at a time, in order: data, empty, footer or totals.

    Once a footer (填表人, 说明 …) is seen, every later row is footer. A row with more than three
    filled cells and none of the characters a totals word needs is data without further work; only
    the others have their cells normalised.
    """

    def __init__(self, n_columns: int) -> None:
        self.n_columns = n_columns
        self.in_footer = False

    def __call__(self, row: list[Any]) -> str:
        filled_n = 0
        hint = False
        for j, c in enumerate(row):
            if c is None:
                continue
            if isinstance(c, str):
                if not c or c.isspace():
                    continue
                if j < 4 and not hint and _TOTAL_HINT.search(c):
                    hint = True
            filled_n += 1
        if not filled_n:
            return "empty"
        if filled_n > 3 and not hint and not self.in_footer:
            return "data"
        return self._slow(row)

    def _slow(self, row: list[Any]) -> str:
        filled = [t for t in map(_text, row) if t]
        joined = "".join(filled)
        if self.in_footer or (
            len(filled) <= 3 and any(joined.startswith(w) or w in joined for w in FOOTER_WORDS)
        ):
            self.in_footer = True
            return "footer"
        if _looks_totals(row):  # (a first-four cell in TOTAL_WORDS implies the row's words meet them)
            return "totals"
        if len(filled) == 1 and self.n_columns > 3 and len(joined) > 15 and not _numeric(row):
            return "footer"
        return "data"


def _numeric(row: list[Any]) -> bool:
    return any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in row)


def _looks_totals(row: list[Any]) -> bool:
    first = [_text(c) for c in row[:4]]
    return any(normalise_header(t) in TOTAL_WORDS for t in first if t)


_YEAR_END = [
    re.compile(
        r"(?:截至|截止|截止到|截至到|统计截止|统计时间|统计日期)[:：]?\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
    ),
    re.compile(r"(?:截至|截止|统计截止)[:：]?\s*(\d{4})[-./](\d{1,2})[-./](\d{1,2})"),
]
_YEAR = re.compile(r"(\d{4})\s*年(?:度|底|末)?")


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
        m = _YEAR.search(text)
        if m and 1949 < int(m.group(1)) < 2200:
            return dt.date(int(m.group(1)), 12, 31), f"标题“{line}”"
    return None, ""


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
        if m is None:
            continue
        stem, suffix = m.group(1), m.group(2)
        # 示例县红旗镇: the place is what follows the county's name.
        stem = re.split(r"[县市区旗](?=..)", stem)[-1]
        if not t["min_stem"] <= len(stem) <= t["max_stem"] or any(
            stem.startswith(w) if len(w) == 1 else w in stem for w in t["not_names"]
        ):
            continue
        return stem + t["normalise"].get(suffix, suffix)
    return None
