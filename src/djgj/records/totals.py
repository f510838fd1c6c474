"""Totals rows (合计, 小计) checked against the rows they sum.

A 小计 row is checked against the data rows since the previous 小计 (its own block: a township, a
group); a 合计 (总计, 汇总 …) row against every row of the sheet. A difference is said, never fixed:
the rows are the data, the totals row only a check on them.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from djgj.read import values as V
from djgj.read.headers import Column, normalise_header
from djgj.read.layout import Table, subtotal_words
from djgj.records.record import Record, where
from djgj.vocab.fields import SNAPSHOT_FIELDS


def count_fields(cols: dict[str, Column]) -> list[str]:
    return [fld for fld in cols if SNAPSHOT_FIELDS.get(fld, ("",))[0] == "count"]


def is_subtotal(cells: list[Any]) -> bool:
    """Whether a totals row sums a block (小计) rather than the whole sheet."""
    return any(
        isinstance(c, str) and any(w in normalise_header(c) for w in subtotal_words()) for c in cells[:4]
    )


class Totals:
    """Running sums of a table's count columns, for the whole sheet and for the current block."""

    def __init__(self, cols: dict[str, Column]) -> None:
        self.cols = cols
        self.counted = count_fields(cols)
        self.sums = dict.fromkeys(self.counted, 0)
        self.block = dict.fromkeys(self.counted, 0)

    def add(self, rec: Record) -> None:
        values = rec.values
        for fld in self.counted:
            v = values.get(fld) or 0
            self.sums[fld] += v
            self.block[fld] += v

    def add_many(self, records: list[Record]) -> None:
        """`add` of each of ``records``, one pass per counted field."""
        if not records:
            return
        values = [rec.values for rec in records]
        for fld in self.counted:
            given = sum(filter(None, map(dict.get, values, repeat(fld))))
            self.sums[fld] += given
            self.block[fld] += given

    def check_block(self, table: Table, r: int) -> list[str]:
        """Check the 小计 row `r` against its block, and start the next block."""
        out = check_row(table, r, self.cols, self.block, "小计行", "本段逐行相加为")
        self.block = dict.fromkeys(self.counted, 0)
        return out

    def check_sheet(self, table: Table, r: int) -> list[str]:
        return check_row(table, r, self.cols, self.sums, "合计行", "逐行相加为")


def check_row(
    table: Table, r: int, cols: dict[str, Column], sums: dict[str, int], label: str, said: str
) -> list[str]:
    """Warnings for the count cells of totals row `r` that differ from `sums`."""
    out = []
    for fld, col in cols.items():
        if fld not in sums:
            continue
        raw = table.cell(r, col)
        if V.is_blank(raw):
            continue
        try:
            declared = V.count(raw)
        except V.ValueProblem:
            out.append(f"{where(table.sheet, r, col)}：{label}的值“{raw}”不是数字，未核对")
            continue
        if declared != sums[fld]:
            out.append(
                f"{where(table.sheet, r, col)}：{label}写 {declared}，{said} {sums[fld]}，两者不符（以逐行数据为准）"
            )
    return out
