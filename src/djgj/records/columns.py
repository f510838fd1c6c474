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
from typing import Any

from djgj.read import values as V
from djgj.read.cells import unneutralise
from djgj.records import plausible
from djgj.records.kinds import Decision, decide
from djgj.records.record import Record
from djgj.records.rows import ColumnPlan, RowContext, RowPlan, note_identity
from djgj.records.unions import infer_union, unit_name_of_union

#: Distinct values a column's memo keeps between rounds (a column of unique values starts afresh).
MEMO_MAX = 20_000
#: A value a converter refused (or gave other fields than usual for): its rows go to `parse_row`.
_BAD: tuple[Any, ...] = ((), (), False)
_NONE_TYPE = type(None)


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
        self.outputs = [(cp, tuple(cp.blank)) for cp in plan.columns]
        self.fields = tuple(f for _, fs in self.outputs for f in fs)
        self.memos: list[dict[Any, tuple[Any, ...]]] = [{} for _ in self.outputs]
        self.town_memo: dict[Any, str | None] = {}
        self.infer = "union_form" not in cols or ctx.unions.union_list
        self.blank_memo: dict[tuple[bool, ...], tuple[str, ...]] = {}

    def read(self, rows: list[list[Any]], lines: list[int]) -> Round:
        """The records of ``rows`` (shown as ``lines``), None for those `parse_row` must read."""
        n = len(rows)
        slow: set[int] = set()
        raw_names = column(rows, self.index["name"])
        names, simplified = self._names(raw_names, slow)
        union_names = self._union_names(rows, names)
        norms = self._norms(names)
        raw_codes = column(rows, self.index.get("credit_code"))
        codes = self._codes(raw_codes, slow)
        towns = self._towns(rows)
        decisions = self._kinds(rows, names, codes, slow)
        kinds = [d[0] for d in decisions]
        values, blanks = self._values(rows, kinds, slow)
        self._contradictions(values, slow)
        fast = [i for i in range(n) if i not in slow] if slow else range(n)
        self._count(fast, raw_names, raw_codes, codes, simplified)
        out: list[Record | None] = [None] * n
        got = Round(out)
        default = self.ctx.default_town
        union_types = self._union_types(rows) if self.infer else None
        for i in fast:
            town = towns[i]
            if town is None and default is not None:
                town = default
                self.ctx.town_used += 1
            vals = values[i]
            if union_types is not None:
                infer_union(vals, union_types[i], union_names[i], self.ctx.unions)
            if i in self.suspect:
                plausible.check(vals, self.plan.as_of, False, self.counter)
            if decisions[i][2]:
                got.kind_conflicts[i] = decisions[i]
            kind = kinds[i] or ""  # (a row without a kind is read by parse_row)
            out[i] = Record(
                names[i], norms[i], town, kind, codes[i], vals, self.sheet_name, lines[i], blanks[i]
            )
        return got

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
        for i, name in enumerate(names):
            if name is None:
                slow.add(i)
            else:
                names[i] = unneutralise(name)
        if self.ctx.name_is_union:
            names = [unit_name_of_union(n) if n is not None else None for n in names]
        return names, {raw[i]: s for i, s in zip(texts, simple, strict=True)}

    def _union_names(self, rows: list[list[Any]], names: list[Any]) -> list[Any]:
        if self.ctx.name_is_union:
            return V.clean_texts(column(rows, self.index["name"]))
        if "union_name" in self.index:
            return V.clean_texts(column(rows, self.index["union_name"]))
        return [None] * len(rows)

    def _norms(self, names: list[Any]) -> list[Any]:
        where = [i for i, n in enumerate(names) if n is not None]
        out: list[Any] = [None] * len(names)
        for i, norm in zip(where, V.normalise_names([names[i] for i in where]), strict=True):
            out[i] = norm
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
        keys = memo_keys(column(rows, self.index.get("township")))
        for k in set(keys).difference(memo):
            memo[k] = clean(_raw(k))
        return [memo[k] for k in keys]

    def _union_types(self, rows: list[list[Any]]) -> list[Any]:
        clean = self.plan.clean_text
        return [clean(c) for c in column(rows, self.index.get("union_type"))]

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
        parts = (column(rows, self.index.get(f)) for f in ("kind", "ownership", "union_type"))
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
        """Each row's snapshot values and blank-convention fields, column by column."""
        n = len(rows)
        self.keys: list[list[Any]] = []
        lists: list[list[Any]] = []
        masks: list[list[bool]] = []
        for (cp, fields), memo in zip(self.outputs, self.memos, strict=True):
            if len(memo) > MEMO_MAX:
                memo.clear()
            keys = memo_keys(column(rows, cp.index))
            if cp.vkind == "union_form":
                keys = list(zip(keys, kinds, strict=True))
            get = memo.get
            entries = [get(k) or self._convert(cp, fields, memo, k) for k in keys]
            if any(e is _BAD for e in entries):
                filler = (tuple(None for _ in fields), (), False)
                slow.update(i for i, e in enumerate(entries) if e is _BAD)
                entries = [filler if e is _BAD else e for e in entries]
            self.keys.append(keys)
            for j in range(len(fields)):
                lists.append([e[0][j] for e in entries])
            masks.append([e[2] for e in entries])
        self.by_field = dict(zip(self.fields, lists, strict=True))
        names = self.fields
        values = (
            [dict(zip(names, t, strict=True)) for t in zip(*lists, strict=True)]
            if lists
            else [{} for _ in range(n)]
        )
        return values, self._blanks(masks, n)

    def _convert(
        self, cp: ColumnPlan, fields: tuple[str, ...], memo: dict[Any, Any], key: Any
    ) -> tuple[Any, ...]:
        """The memo entry of one distinct cell: (its fields' values, its notes, whether blank)."""
        raw, kind = (_raw(key[0]), key[1]) if cp.vkind == "union_form" else (_raw(key), None)
        if type(raw) is str and (not raw or raw.isspace()):
            raw = None
        if raw is None:
            entry: tuple[Any, ...] = (tuple(cp.blank.values()), cp.blank_notes, True)
        else:
            try:
                got, notes = cp.convert(raw, kind, self.plan.date_1904)
            except V.ValueProblem:
                got, notes = None, ()
            given = dict(got) if got is not None else None
            if given is None or set(given) != set(fields):
                entry = _BAD
            else:
                entry = (tuple(given[f] for f in fields), notes, False)
        memo[key] = entry
        return entry

    def _blanks(self, masks: list[list[bool]], n: int) -> list[tuple[str, ...]]:
        if not masks:
            return [() for _ in range(n)]
        memo, outputs = self.blank_memo, self.outputs
        out = []
        for mask in zip(*masks, strict=True):
            hit = memo.get(mask)
            if hit is None:
                hit = memo[mask] = tuple(f for m, (_, fs) in zip(mask, outputs, strict=True) if m for f in fs)
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
        counter, simplify = self.counter, simplified.__getitem__
        for i in fast:
            note_identity(raw_names[i], raw_codes[i], codes[i], counter, simplify)
        every = isinstance(fast, range)
        for keys, memo in zip(self.keys, self.memos, strict=True):
            seen = Counter(keys if every else [keys[i] for i in fast])
            for key, times in seen.items():
                for note in memo[key][1]:
                    counter[note] += times


__all__ = ["ColumnReader", "Round", "column", "memo_keys"]
