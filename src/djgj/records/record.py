"""What the row pipeline yields: import options, one unit's record and its identity, a file's outcome.

A unit is identified by its unified social credit code, else by its normalised name within its
township: `Record.identity()` is the one spelling of that key, used by the dedupe here and by the
ledger writer when it matches units.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from djgj.read.files import Sheet, col_letters
from djgj.read.headers import Column
from djgj.read.layout import Table

MAX_PROBLEMS_SHOWN = 20
#: Records a streamed file yields per round, which the writer matches and writes at a time: bounds
#: the memory of both, whatever the file's length.
ROUND_RECORDS = 5000

column_letter = col_letters  # one definition, in sources: how a spreadsheet names column `index`

Identity = tuple[Any, ...]


@dataclass
class Options:
    as_of: dt.date | None = None
    township: str | None = None
    kind: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    #: Mappings given earlier for a header, by `headers.header_signature` (from the ledger).
    remembered: dict[str, dict[str, str]] = field(default_factory=dict)
    sheet: str | None = None
    roster: bool = False
    skip_bad_rows: bool = False
    county: str = ""
    #: Refuse a file with rows that contradict themselves (default: import them as written, marked).
    strict: bool = False


@dataclass(slots=True)
class Record:
    """One unit's row: identity, snapshot values, and where it came from."""

    name: str
    norm_name: str
    township: str | None
    kind: str
    credit_code: str | None
    values: dict[str, Any]
    sheet: str
    row: int  # 1-based, as the spreadsheet (or CSV line) shows it
    #: Fields whose cell was blank and whose value is only the sheet's convention (0, no, none):
    #: never known enough to replace a value the ledger already holds.
    blank: tuple[str, ...] = ()

    def identity(self) -> Identity:
        """The unit this row is about: its credit code, else its normalised name in its township."""
        return identity_of(self.credit_code, self.township, self.norm_name)


def identity_of(credit_code: str | None, township: Any, norm_name: str) -> Identity:
    """`Record.identity` for a unit known by parts (the township by name or by ledger id)."""
    return ("code", credit_code) if credit_code else ("name", township, norm_name)


@dataclass
class Parsed:
    """What one file yields: records per sheet plus everything the user should be told."""

    path: Path
    format: str
    sha256: str
    as_of: dt.date | None
    records: list[Record] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    roster_tables: list[Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    normalised: Counter[str] = field(default_factory=Counter)
    columns: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    townships: set[str] = field(default_factory=set)
    county: str = ""
    #: With --skip-bad-rows: each refused row (sheet, row, problems, raw cells) for the reject report.
    rejects: list[dict[str, Any]] = field(default_factory=list)
    #: --skip-bad-rows, for the roster writer: refused rows go to the reject report.
    skip_bad_rows: bool = False


def shown_header(col: Column) -> str:
    """A header as a message quotes it: on one line (a cell wrapped as 党组织⏎设置 reads 党组织设置)."""
    return "".join(col.header.splitlines())


def where(sheet: Sheet, row: int, col: Column | None = None) -> str:
    place = f"工作表“{sheet.name}”{sheet.row_label(row)}"
    if col is not None:
        place += f"，{column_letter(col.index)}列“{shown_header(col)}”"
    return place


def row_number(sheet: Sheet, r: int) -> int:
    """Row `r` (0-based) as the user finds it: the spreadsheet's row number, or the CSV line."""
    return sheet.line_numbers[r] if sheet.line_numbers is not None else r + 1


def reject(table: Table, r: int, problems: list[str]) -> dict[str, Any]:
    """A refused row as the reject report shows it: where, why, and every raw cell under its header."""
    cells = {c.header: table.cell(r, c) for c in table.columns}
    return {
        "sheet": table.sheet.name,
        "row": row_number(table.sheet, r),
        "problems": "；".join(problems),
        **cells,
    }
