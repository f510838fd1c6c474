"""Columns where a mark chooses the value: 单独建会 | 联合建会 | 未建会, each row ticking one (√).

Forms printed for filling by hand often give one column per answer ("在相应栏内打√") instead of
one column holding the answer. Each such column's header is then a value of a field, not a field:
read alone, 联合建会 names no field and would be ignored, and the 单独建会 beside it would read as
"has a union: no" for every unit that ticked 联合建会 — a silent wrong figure.

A run of adjacent columns (under the same group header, if any) whose headers all read as
distinct values of one form field (the union's form or the Party organisation's), by the same
reader that reads that field's cells, is one choice: the first column of the run carries the field,
the others are folded into it. Which field is told by the concepts of the header and its group
(工会/建会 → the union, 党 → the Party organisation), never by position. `fold` then gives each
row's cells with the ticked column's header written in the first column's cell, so every later
stage reads it as if the sheet had one column: one ticked → its header; none → blank (read as every
blank of that field is, and counted); more than one, or a cell that is no tick → a text that field's
reader refuses, naming what was ticked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from djgj.read import values as V
from djgj.read.headers import IGNORE, Column, cut

#: The form fields a tick can choose, with the concept their headers name and their cells' reader.
_FIELDS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "union_form": ("union", V.union_form),
    "party_org": ("party_org", V.party_org),
}


@dataclass(frozen=True)
class Choice:
    """One run of tick columns: the column that carries the field, and each column's index and header."""

    field: str
    anchor: int
    options: tuple[tuple[int, str], ...]


def _label(col: Column) -> str:
    return col.label or col.group


def _family(col: Column) -> str | None:
    """The form field whose value `col`'s header is, or None."""
    label = _label(col)
    if not label:
        return None
    own = cut(label).concepts
    if "whether" in own and len(label) > 1:  # 是否建立工会 asks; only an answer (否, 联合建会) is an option
        return None
    concepts = own | (cut(col.group).concepts if col.label and col.group else frozenset())
    named = [f for f, (concept, _) in _FIELDS.items() if concept in concepts]
    if len(named) != 1 or col.field not in (None, named[0]):
        return None
    try:
        _FIELDS[named[0]][1](label)
    except V.ValueProblem:
        return None
    return named[0]


def read_choices(columns: list[Column]) -> list[Choice]:
    """Find the runs of tick columns and place them (first column: the field; the others: folded
    into it); return them for `fold`. Columns already placed as another field never join a run."""
    found: list[Choice] = []
    i = 0
    while i < len(columns):
        fam = _family(columns[i])
        j = i + 1
        while (
            fam and j < len(columns) and columns[j].group == columns[i].group and _family(columns[j]) == fam
        ):
            j += 1
        run = columns[i:j]
        values = [_FIELDS[fam][1](_label(c)) for c in run] if fam else []
        if fam and len(run) >= 2 and len(set(values)) == len(values):
            found.append(_place(fam, run))
        i = j
    return found


def _place(fam: str, run: list[Column]) -> Choice:
    labels = "、".join(_label(c) for c in run)
    first = run[0]
    first.field, first.why = fam, f"打√选择：{labels}"
    for c in run[1:]:
        c.field, c.why = IGNORE, f"打√选择，并入“{_label(first)}”列"
    return Choice(fam, first.index, tuple((c.index, _label(c)) for c in run))


def fold(choices: list[Choice], cells: list[Any]) -> list[Any]:
    """A row's cells with each choice's ticked header in its first column (a copy; `cells` unchanged)."""
    out = list(cells)
    n = len(out)
    for choice in choices:
        ticked: list[str] = []
        unread: list[str] = []
        for index, label in choice.options:
            cell = out[index] if index < n else None
            if V.is_blank(cell):
                continue
            number = isinstance(cell, (int, float)) and not isinstance(cell, bool) and cell in (0, 1)
            said = bool(cell) if number else V.presence(cell)  # (a 1 an xlsx keeps as 1.0)
            if said:
                ticked.append(label)
            elif said is None:
                unread.append(f"“{label}”栏写“{cell}”")
            if index < n:
                out[index] = None
        if unread:
            value: Any = "、".join(unread) + "（应打√或留空）"
        elif len(ticked) > 1:
            value = "、".join(ticked) + "（同时打√，只能选一项）"
        else:
            value = ticked[0] if ticked else None
        if choice.anchor < n:
            out[choice.anchor] = value
    return out
