"""A round of data rows read column at a time: each distinct value of a column converted once.

The row pipeline (`records.pipeline`) hands every round of data rows here before it walks them in
order. Each column is read as a whole: the round's names and credit codes in one pass
(`values.simplify_many`, `values.credit_codes`), every other column through a memo of its distinct
values (the converters `rows.ColumnPlan` runs), and the records are built with zip. A row that this
cannot take exactly as it is — no name, a value refused, no kind, a contradiction under --strict, a
converter giving other fields than the column's usual ones — is left to `rows.parse_row`, which reads
it alone and words its problems. The records, normalisation counts and notes are therefore those of
`parse_row` row by row (tests hold the two to each other); only the work is done once per value.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat, zip_longest
from typing import Any

from djgj.read import values as V
from djgj.read.cells import unneutralise
from djgj.read.layout import marked_edges, name_without_marks, township_cell
from djgj.records import plausible
from djgj.records.kinds import Decision, decide
from djgj.records.record import Record
from djgj.records.rows import TOWN_ORGAN_NOTE, ColumnPlan, RowContext, RowPlan, note_identities, town_in_name
from djgj.records.unions import (
    COVERED_FORMS,
    REFINED,
    form_in_remark,
    infer_union,
    joint_union_row,
    unit_name_of_union,
)
from djgj.vocab.fields import FAMILY_ONLY_FIELDS, fields_not_of

#: Every count only one family reports.
_FAMILY_ONLY = frozenset(f for fields in FAMILY_ONLY_FIELDS.values() for f in fields)

#: Distinct values a column's memo keeps between rounds (a column of unique values starts afresh):
#: room for every day of fifteen years (a date column of a province-sized file, converted once).
MEMO_MAX = 16384
_NONE_TYPE = type(None)
#: Converters that Simplify a text cell before reading it.
_TEXTUAL = {"person", "text", "party_org", "grade", "bool"}


def column(rows: list[list[Any]], index: int | None) -> list[Any]:
    """The cells of column ``index`` of ``rows`` (None where a row is shorter, or no such column)."""
    if index is None:
        return [None] * len(rows)
    try:
        return [r[index] for r in rows]
    except IndexError:
        return [r[index] if index < len(r) else None for r in rows]


def memo_keys(cells: list[Any]) -> list[Any]:
    """Keys by which a column's cells are memoised: the text itself, else (type, value), so that
    1, 1.0 and True (equal in Python) are converted each on its own."""
    if set(map(type, cells)) <= {str, _NONE_TYPE}:
        return cells
    return [c if c is None or type(c) is str else (type(c), c) for c in cells]


def _raw(key: Any) -> Any:
    return key[1] if type(key) is tuple else key


@dataclass
class Round:
    """A round's data rows: each one's record, or None where `parse_row` must read it; the kind
    conflicts of the records (noted in row order by the pipeline)."""

    records: list[Record | None]
    kind_conflicts: dict[int, Decision] = field(default_factory=dict)


class ColumnReader:
    """Reads the data rows of one table a round at a time; see the module's docstring."""

    def __init__(self, plan: RowPlan, ctx: RowContext, counter: Counter[str], sheet_name: str) -> None:
        self.plan, self.ctx, self.counter, self.sheet_name = plan, ctx, counter, sheet_name
        cols = plan.cols
        self.index = {f: c.index for f, c in cols.items()}
        self.memos = [ColumnMemo(cp) for cp in plan.columns]
        self.fields = tuple(f for m in self.memos for f in m.fields)
        self.town_memo: dict[Any, tuple[str | None, str | None]] = {}
        self.infer = "union_form" not in cols or ctx.unions.union_list
        self.blank_memo: dict[Any, tuple[str, ...]] = {}

    def read(self, rows: list[list[Any]], lines: list[int], above: list[str | None] | None = None) -> Round:
        """The records of ``rows`` (shown as ``lines``), None for those `parse_row` must read;
        ``above``: each row's township from the group row above it (一、红旗镇), if any."""
        n = self.n = len(rows)
        self.transposed = list(zip_longest(*rows))  # the round's columns (None where a row is shorter)
        slow: set[int] = set()
        raw_names = self._column(self.index["name"])
        names, simplified = self._names(raw_names, slow)
        union_names = self._union_names(rows, names)
        norms = self._norms(names)
        raw_codes = self._column(self.index.get("credit_code"))
        codes = self._codes(raw_codes, slow)
        towns = self._towns(rows)
        decisions = self._kinds(rows, names, codes, slow)
        kinds = [d[0] for d in decisions]
        values, blanks = self._values(rows, kinds, slow)
        self._places_without_employees(values, blanks, kinds)
        self._contradictions(values, slow)
        self._remarked_unions(values, slow)
        fast = [i for i in range(n) if i not in slow] if slow else range(n)
        self._count(fast, raw_names, raw_codes, codes, simplified)
        union_types = self._union_types(rows) if self.infer else None
        remarks = self._remarks() if self.infer and self.ctx.remarks else None
        self.transposed = []  # (the cells are not kept beyond the round)
        plain = not slow and union_types is None and not self.suspect and None not in towns and all(kinds)
        if plain and not any(d[2] for d in decisions):  # (the usual round: the loop below would only copy)
            made = map(
                Record, names, norms, towns, kinds, codes, values, repeat(self.sheet_name), lines, blanks
            )
            return Round(list(made))
        out: list[Record | None] = [None] * n
        got = Round(out)
        default = self.ctx.default_town
        for i in fast:
            town = towns[i]
            if town is None and above is not None and above[i] is not None:
                town = above[i]
                self.ctx.town_from_section += 1
            if town is None and default is not None:
                town = default
                self.ctx.town_used += 1
            if town is None:
                town = town_in_name(names[i], kinds[i], self.ctx)
            vals = values[i]
            if union_types is not None:
                remark = remarks[i] if remarks is not None else None
                infer_union(vals, union_types[i], union_names[i], self.ctx.unions, remark)
            if i in self.suspect:
                plausible.check(vals, self.plan.as_of, False, self.counter)
            if decisions[i][2]:
                got.kind_conflicts[i] = decisions[i]
            kind = kinds[i] or ""  # (a row without a kind is read by parse_row)
            out[i] = Record(
                names[i], norms[i], town, kind, codes[i], vals, self.sheet_name, lines[i], blanks[i]
            )
        return got

    def _column(self, index: int | None) -> list[Any]:
        """`column` of this round's rows, from their transposition."""
        got = self.transposed
        if index is None or index >= len(got):
            return [None] * self.n
        return list(got[index])

    # -- identity
    def _names(self, raw: list[Any], slow: set[int]) -> tuple[list[Any], dict[str, str]]:
        """Each row's unit name as `parse_row` reads it (None: the row goes to `parse_row`), and the
        Simplified form of each raw text name (for the normalisation notes)."""
        texts = [i for i, c in enumerate(raw) if type(c) is str and c and not c.isspace()]
        simple = V.simplify_many([raw[i] for i in texts])
        names: list[Any] = [None] * len(raw)
        for i, s in zip(texts, simple, strict=True):
            names[i] = V.tidy(s)
        for i, c in enumerate(raw):
            if c is not None and type(c) is not str:
                names[i] = V.clean_text(c)
        lead, trail = marked_edges()
        for i, name in enumerate(names):
            if (
                name is None or "、" in name or "；" in name or "#" in name
            ):  # (several units, #N/A: `parse_row`)
                slow.add(i)
            if name is not None and (name[:1] in lead or name[-1:] in trail):
                names[i] = name_without_marks(unneutralise(name))
        union_list = self.ctx.name_is_union
        slow.update(
            i for i, n in enumerate(names) if joint_union_row(n, union_list)
        )  # (`parse_row` skips it)
        if union_list:
            names = [unit_name_of_union(n) if n is not None else None for n in names]
        return names, {raw[i]: s for i, s in zip(texts, simple, strict=True)}

    def _union_names(self, rows: list[list[Any]], names: list[Any]) -> list[Any]:
        if self.ctx.name_is_union:
            return V.clean_texts(self._column(self.index["name"]))
        if "union_name" in self.index:
            return V.clean_texts(self._column(self.index["union_name"]))
        return [None] * len(rows)

    def _norms(self, names: list[Any]) -> list[Any]:
        where = [i for i, n in enumerate(names) if n is not None]
        out: list[Any] = [None] * len(names)
        for i, norm in zip(where, V.normalise_names([names[i] for i in where]), strict=True):
            # (a name that is its own key is the same text twice: one object, pickled once to the writer)
            out[i] = names[i] if norm == names[i] else norm
        return out

    def _codes(self, raw: list[Any], slow: set[int]) -> list[Any]:
        if "credit_code" not in self.index:
            return raw
        codes: list[Any] = V.credit_codes(raw)
        for i, code in enumerate(codes):
            if isinstance(code, V.ValueProblem):
                slow.add(i)
                codes[i] = None
        return codes

    def _towns(self, rows: list[list[Any]]) -> list[Any]:
        memo, clean = self.town_memo, self.plan.clean_text
        if len(memo) > MEMO_MAX:
            memo.clear()
        keys = memo_keys(self._column(self.index.get("township")))
        for k in set(keys).difference(memo):
            text = clean(_raw(k))
            memo[k] = (text, township_cell(text) if text is not None else None)
        towns = [memo[k] for k in keys]
        changed = sum(1 for text, town in towns if town != text)
        if changed:
            self.counter[TOWN_ORGAN_NOTE] += changed
        return [town for _, town in towns]

    def _remarks(self) -> list[str | None]:
        """Each row's first non-blank 备注 (`rows.RowContext.remarks`): evidence of its union when
        the sheet has no union column."""
        columns = [V.clean_texts(self._column(i)) for i in self.ctx.remarks]
        return [next((t for t in texts if t), None) for texts in zip(*columns, strict=True)]

    def _remarked_unions(self, values: list[dict[str, Any]], slow: set[int]) -> None:
        """Rows with an own union or none beside a 备注 naming a covered form (是/否 + 已纳入园区联合工会):
        read by `parse_row` (`unions.refine_by_remark`)."""
        if self.infer or not self.ctx.remarks:
            return
        for i, remark in enumerate(self._remarks()):
            if remark and values[i].get("union_form") in REFINED and form_in_remark(remark) in COVERED_FORMS:
                slow.add(i)

    def _places_without_employees(
        self, values: list[dict[str, Any]], blanks: list[tuple[str, ...]], kinds: list[Any]
    ) -> None:
        """A village's or community's blank 职工 cell (a list mixing them with enterprises) is
        unknown, not the sheet's 0: it has no employees to count; so is an enterprise's blank
        外出务工人员 or 入会积极分子 (`vocab.fields.FAMILY_ONLY_FIELDS`, as `rows.parse_row` reads them)."""
        if not self.by_field.keys() & _FAMILY_ONLY:
            return
        for i, kind in enumerate(kinds):
            if blanks[i]:
                for fld in fields_not_of(kind):
                    if fld in blanks[i]:
                        values[i][fld] = None
                        if fld in self.by_field:
                            self.by_field[fld][i] = None

    def _union_types(self, rows: list[list[Any]]) -> list[Any]:
        clean = self.plan.clean_text
        return [clean(c) for c in self._column(self.index.get("union_type"))]

    def _kinds(
        self, rows: list[list[Any]], names: list[Any], codes: list[Any], slow: set[int]
    ) -> list[Decision]:
        """Each row's (kind, evidence, evidence against), as `kinds.kind_of` decides it."""
        option = self.ctx.options.kind
        from_names = [V.kind_from_name(n) if n is not None else None for n in names]
        if option in ("village", "community"):
            return [(f or option, [], []) for f in from_names]
        title = "non_public" if self.ctx.non_public_hint else None
        cache, clean = self.ctx.kinds.cache, self.plan.clean_text
        parts = (self._column(self.index.get(f)) for f in ("kind", "ownership", "union_type"))
        code2 = [c[:2] if c else None for c in codes]
        memo: dict[Any, Decision] = {}
        out = []
        for i, key in enumerate(zip(code2, *parts, from_names, strict=True)):
            hit = memo.get(key)
            if hit is None:
                got = dict(zip(("kind", "ownership", "union_type"), key[1:4], strict=True)).get
                hit = memo[key] = decide(key[0], got, option, title, clean, key[4], cache)
            if hit[0] is None:
                slow.add(i)
            out.append(hit)
        return out

    # -- snapshot values
    def _values(
        self, rows: list[list[Any]], kinds: list[Any], slow: set[int]
    ) -> tuple[list[dict[str, Any]], list[tuple[str, ...]]]:
        """Each row's snapshot values and blank-convention fields, column by column: each distinct
        cell converted once (`ColumnMemo`), then looked up for every row."""
        n = len(rows)
        self.keys: list[list[Any]] = []
        lists: list[list[Any]] = []
        masks: list[tuple[int, list[bool]]] = []
        for c, memo in enumerate(self.memos):
            cp = memo.plan
            keys = memo_keys(self._column(cp.index))
            if cp.vkind == "union_form":
                keys = list(zip(keys, kinds, strict=True))
            memo.add(set(keys), self.plan.date_1904)
            if memo.bad and not memo.bad.isdisjoint(keys):
                slow.update(i for i, k in enumerate(keys) if k in memo.bad)
            self.keys.append(keys)
            lists += [list(map(got.get, keys)) for got in memo.got]  # (refused cells: None)
            if memo.blank and not memo.blank.isdisjoint(keys):
                masks.append((c, list(map(memo.blank.__contains__, keys))))
        self.by_field = dict(zip(self.fields, lists, strict=True))
        names = self.fields
        # (map in C rather than a comprehension: a dict per row is the round's largest single cost)
        cells = zip(*lists, strict=True)  # (every column holds the round's n cells)
        values = list(map(dict, map(zip, repeat(names), cells))) if lists else [{} for _ in range(n)]
        return values, self._blanks(masks, n)

    def _blanks(self, masks: list[tuple[int, list[bool]]], n: int) -> list[tuple[str, ...]]:
        """Each row's fields whose cell was blank (in the columns' order)."""
        if not masks:
            return [() for _ in range(n)]
        memo, memos = self.blank_memo, self.memos
        which = tuple(c for c, _ in masks)
        out = []
        for mask in zip(*(m for _, m in masks), strict=False):
            key = (which, mask)
            hit = memo.get(key)
            if hit is None:
                hit = memo[key] = tuple(
                    f for c, m in zip(which, mask, strict=False) if m for f in memos[c].fields
                )
            out.append(hit)
        return out

    def _contradictions(self, values: list[dict[str, Any]], slow: set[int]) -> None:
        """Rows whose values may contradict each other (`plausible`): under --strict `parse_row`
        refuses them; otherwise `plausible.check` marks them."""
        by, n = self.by_field, len(values)
        suspect: set[int] = set()
        for _, part, whole, *_ in plausible.PAIRS:
            if part in by and whole in by:
                pairs = zip(by[part], by[whole], strict=True)
                suspect.update(
                    i for i, (a, b) in enumerate(pairs) if a is not None and b is not None and a > b
                )
        as_of, founded = self.plan.as_of, by.get("union_established_on")
        if as_of is not None and founded is not None:
            suspect.update(i for i in range(n) if founded[i] is not None and founded[i] > as_of)
        if self.ctx.options.strict:
            slow |= suspect
        self.suspect = suspect

    def _count(
        self,
        fast: Any,
        raw_names: list[Any],
        raw_codes: list[Any],
        codes: list[Any],
        simplified: dict[str, str],
    ) -> None:
        """The normalisation notes of the rows read here (`parse_row` counts its own)."""
        counter = self.counter
        every = isinstance(fast, range)
        if every:
            note_identities(raw_names, raw_codes, codes, counter, simplified.__getitem__)
        else:
            picked = [[x[i] for i in fast] for x in (raw_names, raw_codes, codes)]
            note_identities(picked[0], picked[1], picked[2], counter, simplified.__getitem__)
        for keys, memo in zip(self.keys, self.memos, strict=True):
            if not memo.notes or memo.notes.keys().isdisjoint(keys):
                continue
            # The round's distinct cells looked up in the memo (never the memo's up to `MEMO_MAX`
            # cells walked for every round).
            seen = Counter(keys if every else [keys[i] for i in fast])
            got = memo.notes.get
            for key, times in seen.items():
                notes = got(key)
                if notes:
                    for note in notes:
                        counter[note] += times


class ColumnMemo:
    """One snapshot column's distinct cells, each converted once (`rows.ColumnPlan.convert`): per
    output field a dict cell → value; the cells refused (or giving other fields than the column's
    usual ones: their rows go to `parse_row`), the blank ones, and each cell's normalisation notes."""

    def __init__(self, plan: ColumnPlan) -> None:
        self.plan = plan
        self.fields = tuple(plan.blank)
        self._reset()

    def _reset(self) -> None:
        self.got: list[dict[Any, Any]] = [{} for _ in self.fields]
        self.bad: set[Any] = set()
        self.blank: set[Any] = set()
        self.notes: dict[Any, tuple[str, ...]] = {}

    def add(self, keys: set[Any], date_1904: bool) -> None:
        """Convert the cells of ``keys`` not met before."""
        if len(self.got[0]) + len(self.bad) > MEMO_MAX:
            self._reset()
        new = keys.difference(self.got[0]).difference(self.bad)
        if not new:
            return
        plain: dict[Any, Any] = {}
        if self.plan.vkind in _TEXTUAL:  # the texts met for the first time: Simplified in one call
            texts = [k for k in new if type(k) is str]
            V.prepare_simplify(texts)
            plain = self.plan.convert_plain(texts)  # (a person column's plain names, at once)
        for key in new:
            hit = plain.get(key)
            if hit is None:
                self._convert(key, date_1904)
            else:
                self._keep(key, dict(hit[0]), hit[1])

    def _convert(self, key: Any, date_1904: bool) -> None:
        cp, fields = self.plan, self.fields
        raw, kind = (_raw(key[0]), key[1]) if cp.vkind == "union_form" else (_raw(key), None)
        if type(raw) is str and (not raw or raw.isspace()):
            raw = None
        if raw is None:
            given, notes = cp.blank, cp.blank_notes
            self.blank.add(key)
        else:
            try:
                got, notes = cp.convert(raw, kind, date_1904)
            except V.ValueProblem:
                self.bad.add(key)
                return
            given = dict(got)
            if set(given) != set(fields):
                self.bad.add(key)
                return
        self._keep(key, given, notes)

    def _keep(self, key: Any, given: dict[str, Any], notes: tuple[str, ...]) -> None:
        fields = self.fields
        for f, values in zip(fields, self.got, strict=True):
            values[key] = given[f]
        if notes:
            self.notes[key] = notes


__all__ = ["ColumnMemo", "ColumnReader", "Round", "column", "memo_keys"]
