"""The one row pipeline: every row below a table's header, in order, for every file size.

A whole sheet feeds its rows one by one; a long CSV feeds them as they are read, in rounds. Each
row is classified (data, totals, empty, footer), converted into a `Record` or refused with its
reasons (or, with --skip-bad-rows, put in the reject report), kept once when it repeats a unit
identically, and summed for the totals rows. Memory per unit is a few bytes (its identity's hash
and its content's, `records.seen`), so a file's length does not matter; `finish` then refuses the
file or says what was skipped, repeated and summed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from operator import itemgetter
from typing import Any

from djgj.errors import InputError, RowsRefused
from djgj.read import values as V
from djgj.read.choices import fold
from djgj.read.files import Sheet
from djgj.read.headers import IGNORE, Column, field_label, is_remark, org_count_field
from djgj.read.layout import (
    NOTE_CLOSERS,
    RowClassifier,
    Section,
    Table,
    ceased_note,
    header_cells,
    says_ceased,
    section_of,
    township_from_text,
)
from djgj.records.columns import ColumnReader, Round
from djgj.records.kinds import note_conflict
from djgj.records.record import MAX_PROBLEMS_SHOWN, Identity, Parsed, Record, reject
from djgj.records.rows import RowContext, RowPlan, RowProblems, parse_row
from djgj.records.seen import Seen
from djgj.records.totals import Totals, is_subtotal
from djgj.records.unions import evidence_note

_MASK = (1 << 64) - 1
#: Organisations whose units' head counts are compared (`RowPipeline._org_notes`), at most.
_ORGS_TRACKED = 100_000
#: Rows read column at a time per round (`records.columns`): each round costs ~1 ms of its own
#: (a set and a memo lookup per column, the transposition), so 2,048 rather than 512 saves ~0.25 s
#: at 200,000 rows; a round's cells are a few hundred KB.
ROUND_ROWS = 2048


#: A record's field names as they come → the same names sorted, and what reads its values in that
#: order (a table's records share one or two orders: a few entries, emptied if ever many).
_ORDERS: dict[tuple[str, ...], tuple[tuple[str, ...], Callable[[dict[str, Any]], Any]]] = {}
_ORDERS_MAX = 256


def _in_order(keys: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[[dict[str, Any]], Any]]:
    names = tuple(sorted(keys))
    got: Callable[[dict[str, Any]], Any] = itemgetter(*names) if names else (lambda _: ())
    if len(_ORDERS) >= _ORDERS_MAX:
        _ORDERS.clear()
    _ORDERS[keys] = (names, got)
    return names, got


def content_digest(rec: Record, identity: Identity) -> int:
    """A row's content as 64 bits, whatever the order of its fields: its field names sorted and
    their values in that order (the names' order looked up once per order met; cheaper than a
    frozenset of the items), so a repeat read by `parse_row` equals one read by the column reader."""
    return content_digests([rec], [identity])[0]


def content_digests(recs: list[Record], identities: list[Identity]) -> list[int]:
    """`content_digest` of each record (of the identity beside it), in one loop."""
    out = []
    for rec, identity in zip(recs, identities, strict=True):
        values = rec.values
        keys = tuple(values)
        order = _ORDERS.get(keys) or _in_order(keys)
        out.append(hash((identity, rec.name, rec.township, order[0], order[1](values))) & _MASK)
    return out


class RowPipeline:
    """Rows of one table → records; see the module's docstring."""

    def __init__(
        self,
        table: Table,
        cols: dict[str, Column],
        ctx: RowContext,
        parsed: Parsed,
        *,
        width: int | None = None,
        keep_firsts: bool = True,
        expected: int = 0,
    ) -> None:
        """``expected``: at most how many rows a streamed table has (its CSV's lines), to size the
        store of units seen once for them all."""
        sheet = table.sheet
        # One row at a time, as row 0 of a one-row sheet: messages and rejects name its row or line.
        self.window = Sheet(sheet.name, [[]], line_numbers=[0], date_1904=sheet.date_1904)
        self.one = Table(self.window, table.header_rows, table.columns)
        self.classify = RowClassifier(len(table.columns), header_cells(table))
        self.choices = table.choices
        #: 备注 columns, and the units whose 备注 says they have ceased (已注销): (count, first few).
        self.remarks = [c.index for c in table.columns if c.field in (None, IGNORE) and is_remark(c)]
        self.ceased: list[str] = []
        self.ceased_n = 0
        #: Organisation-name columns (党组织名称) and their count field; per (column, organisation):
        #: count → the units that gave it (a joint organisation's total repeated on each unit's row).
        self.orgs = [(c.index, f) for c in table.columns if (f := org_count_field(c)) is not None]
        self.org_counts: dict[tuple[int, str], dict[Any, list[str]]] = {}
        self.plan = RowPlan(cols, sheet.date_1904, parsed.as_of)
        self.columns = ColumnReader(self.plan, ctx, parsed.normalised, sheet.name)
        self.ctx, self.parsed, self.path, self.width = ctx, parsed, parsed.path, width
        self.totals = Totals(cols)
        #: identity (or its hash, streaming: a few bytes per unit) → (first row << 64) | hash of that
        #: row's content.
        self.seen: dict[Any, int] | Seen = {} if keep_firsts else Seen.for_units(expected)
        self.firsts: dict[Any, Record] | None = {} if keep_firsts else None
        self.duplicates: list[str] = []
        self.totals_warnings: list[tuple[list[Any], int] | str] = []
        self.problems: list[str] = []
        self.conflict: tuple[Record, int, Record | None] | None = None
        self.data = self.empty = self.footer = self.rejected = self.no_town = self.repeated = 0
        #: Group rows met (一、红旗镇, （二）社会组织), and the one whose township the rows below take.
        self.sections: list[Section] = []
        self.town_section: Section | None = None

    def rows(self, lines: Iterable[tuple[list[Any], int]]) -> Iterator[Record]:
        """The records of `lines` (each row's cells and the row or CSV line the user sees), in order,
        read a round of `ROUND_ROWS` at a time."""
        it = iter(lines)
        while True:
            chunk = list(islice(it, ROUND_ROWS))
            if not chunk:
                return
            yield from self._round(chunk)

    def _round(self, chunk: list[tuple[list[Any], int]]) -> list[Record]:
        """One round: rows classified, data rows read column at a time (`records.columns`), then
        every row walked in order (totals rows, width checks, refusals and repeats as they come)."""
        what = self.classify.many([cells for cells, _ in chunk])
        if self.choices:  # tick columns: each data row's ticked header in one cell (`read.choices`)
            chunk = [
                (fold(self.choices, c), n) if w == "data" else (c, n)
                for (c, n), w in zip(chunk, what, strict=True)
            ]
        data = [chunk[i] for i, w in enumerate(what) if w == "data"]
        self._note_ceased(data)
        above = self._towns_above(chunk, what) if "section" in what or self.town_section else None
        read = self.columns.read([c for c, _ in data], [n for _, n in data], above) if data else None
        out: list[Record] = []
        summed = 0  # out[:summed] added to the totals (`Totals.add_many`, before each totals row)
        #: Records read since the last totals row, not yet held to the units seen (`_keep_firsts`),
        #: and their rows' cells (for `_note_org`).
        pending: list[Record] = []
        cells_of: list[list[Any]] = []
        j = -1
        for (cells, line), w in zip(chunk, what, strict=True):
            if w == "empty":
                self.empty += 1
                continue
            if w == "footer":
                self.footer += 1
                continue
            if w in ("header", "section"):
                self.repeated += w == "header"
                continue
            if w == "table":  # (streamed: the whole sheet is read again, split into its tables)
                raise InputError(
                    f"{self.path.name} 工作表“{self.window.name}”第{line}行是另一个表的表头，"
                    "请把各表放在不同的工作表中"
                )
            self._check_width(cells, line)
            self.window.rows[0] = cells
            self.window.line_numbers[0] = line  # type: ignore[index]
            if w == "totals":
                out += self._keep_firsts(pending, cells_of)
                pending, cells_of = [], []
                self.totals.add_many(out[summed:])
                summed = len(out)
                self._totals_row(cells, line)
                continue
            j += 1
            self.ctx.section_town = above[j] if above is not None else None
            rec = self._record(read, j)  # type: ignore[arg-type]
            if rec is not None:
                pending.append(rec)
                cells_of.append(cells)
        out += self._keep_firsts(pending, cells_of)
        self.totals.add_many(out[summed:])
        return out

    def _keep_firsts(self, recs: list[Record], cells_of: list[list[Any]]) -> list[Record]:
        """The records of ``recs`` that are their unit's first row (`_first_time`), up to the first
        that conflicts with an earlier row; their townships noted, their organisations' counts."""
        if self.firsts is not None:
            kept = []
            for i, rec in enumerate(recs):
                if self.conflict is not None:
                    break
                if self._first_time(rec):
                    kept.append(i)
        else:
            kept = self._firsts_streamed(recs)
        for i in kept:
            rec = recs[i]
            if rec.township:
                self.parsed.townships.add(rec.township)
            else:
                self.no_town += 1
            if self.orgs and len(self.org_counts) < _ORGS_TRACKED:
                self._note_org(cells_of[i], rec)
        return [recs[i] for i in kept]

    def _firsts_streamed(self, recs: list[Record]) -> list[int]:
        """`_first_time` of each of ``recs`` in turn, against the units seen kept in a few bytes each
        (`Seen.setdefault_many`, one loop for the lot): the positions of the first rows."""
        assert isinstance(self.seen, Seen)
        identities = [rec.identity() for rec in recs]
        digests = content_digests(recs, identities)
        hits = self.seen.setdefault_many(list(map(hash, identities)), [rec.row for rec in recs], digests)
        if not hits:
            return list(range(len(recs)))
        repeats = {pos: (row, digest) for pos, row, digest in hits}
        kept = []
        for i, rec in enumerate(recs):
            first = repeats.get(i)
            if first is None:
                kept.append(i)
            elif first[1] != digests[i]:
                self.conflict = (rec, first[0], None)
                break
            else:
                self._note_duplicate(rec, first[0])
        return kept

    def _note_org(self, cells: list[Any], rec: Record) -> None:
        for index, fld in self.orgs:
            org = V.clean_text(cells[index]) if index < len(cells) else None
            count = rec.values.get(fld)
            if org and count:
                self.org_counts.setdefault((index, org), {}).setdefault(count, []).append(rec.name)

    def _org_notes(self) -> list[str]:
        """Units of one organisation giving the same head count (联合党支部 with 党员人数 4 on each of
        its units' rows): maybe the organisation's total, which the figures would count once per unit."""
        repeats = [
            (org, count, units)
            for (_, org), by_count in self.org_counts.items()
            for count, units in by_count.items()
            if len(units) > 1
        ]
        if not repeats:
            return []
        shown = "；".join(
            f"“{org}”的 {len(units)} 个单位（{'、'.join(units[:3])}{'等' if len(units) > 3 else ''}）都写 {count}"
            for org, count, units in repeats[:3]
        )
        more = f"等 {len(repeats)} 处" if len(repeats) > 3 else ""
        return [
            f"工作表“{self.window.name}”中同一组织下的单位人数相同：{shown}{more}。如这是该组织的总人数而非各单位"
            "的人数，汇总时会重复计算；已按原样导入，请核对（如需改正，用 djgj set 或改表后重新导入）"
        ]

    def _note_ceased(self, data: list[tuple[list[Any], int]]) -> None:
        """Rows whose 备注, or a bracket closing the name cell (甲有限公司（已注销）), says the unit ceased."""
        name, remarks = self.plan.cols["name"].index, self.remarks
        if not remarks:  # (then only a name cell closing on a bracket can say it)
            if not _may_close_on_note([d[0] for d in data], name):
                return
            data = [d for d in data if name < len(d[0]) and _closes_on_note(d[0][name])]
        for cells, _ in data:
            cell = cells[name] if name < len(cells) else None
            said = next((cells[j] for j in remarks if j < len(cells) and says_ceased(cells[j])), None)
            shown = f"{cell or ''}：{str(said).strip()}" if said is not None else None
            if shown is None and ceased_note(cell) is not None:
                shown = str(cell).strip()
            if shown is not None:
                self.ceased_n += 1
                if len(self.ceased) < 3:
                    self.ceased.append(shown)

    def _towns_above(self, chunk: list[tuple[list[Any], int]], what: list[str]) -> list[str | None]:
        """Each data row's township from the group row above it: a group row naming a township opens
        its block, which a later group row of the same or a higher level closes (一、红旗镇 … 二、县直单位),
        while a lower one nests in it (一、红旗镇 （一）企业). --township, when given, wins over them."""
        out: list[str | None] = []
        for (cells, _), w in zip(chunk, what, strict=True):
            if w == "section":
                sec = section_of(str(next(c for c in cells if not V.is_blank(c))))
                if sec is None:  # (the classifier said it is one)
                    continue
                self.sections.append(sec)
                current = self.town_section
                if sec.town is not None or (current is not None and sec.level <= current.level):
                    self.town_section = sec if sec.town is not None else None
            elif w == "data":
                town = self.town_section.town if self.town_section is not None else None
                out.append(None if self.ctx.options.township else town)
        return out

    def _record(self, read: Round, j: int) -> Record | None:
        """The record of the round's `j`-th data row (the row in `self.window`), or None."""
        self.data += 1
        rec = read.records[j]
        if rec is None:
            try:
                rec = parse_row(self.one, 0, self.plan, self.ctx, self.parsed.normalised)
            except RowProblems as exc:
                self._refuse_row(exc.problems)
                return None
            if rec is None:
                return None
        elif j in read.kind_conflicts:
            kind, evidence, against = read.kind_conflicts[j]
            note_conflict(rec.name, kind, evidence, against, self.ctx.kinds)
        if self.problems or self.conflict is not None:
            return None
        return rec

    def finish(self) -> None:
        """Refuse the file for what its rows held, or add what the user should be told."""
        name = self.window.name
        if not self.data:
            raise InputError(f"{self.path.name} 工作表“{name}”：有表头但没有数据行")
        if self.problems:
            self._raise_problems()
        if self.conflict is not None:
            self._raise_conflict(*self.conflict)
        warnings = self.parsed.warnings
        if self.rejected:
            warnings.append(
                f"--skip-bad-rows：工作表“{name}”有 {self.rejected} 行未导入，原因和原始内容见拒收报告"
            )
        warnings += self.duplicates
        for item in self.totals_warnings:
            if isinstance(item, str):
                warnings.append(item)
                continue
            self.window.rows[0], self.window.line_numbers[0] = item  # type: ignore[index]
            warnings += self.totals.check_sheet(self.one, 0)
        warnings += self._sheet_notes()
        if self.empty:
            warnings.append(f"工作表“{name}”跳过空行 {self.empty} 行")
        if self.footer:
            warnings.append(f"工作表“{name}”跳过表尾 {self.footer} 行（填表人、说明等）")
        if self.repeated:
            warnings.append(f"工作表“{name}”跳过重复的表头 {self.repeated} 行（如每页重复打印的表头）")

    def _sheet_notes(self) -> list[str]:
        """Where the township of rows without their own came from, and units left without one."""
        out, ctx, name = [], self.ctx, self.window.name
        if ctx.town_used and ctx.town_source:
            out.append(
                f"工作表“{name}”有 {ctx.town_used} 个单位的乡镇“{ctx.default_town}”取自{ctx.town_source}"
            )
        out += ctx.joint_unions
        out += self._section_notes()
        out += self._org_notes()
        if self.ceased_n:
            shown = "；".join(f"“{c}”" for c in self.ceased) + ("等" if self.ceased_n > 3 else "")
            out.append(
                f"工作表“{name}”有 {self.ceased_n} 个单位的备注或名称写明已注销、停业等（{shown}）：仍按表中所列导入并计入"
                "各项指标；如这些单位已不存在，请从表中删去后重新导入"
            )
        for choice in self.choices:
            options = "".join(f"“{label}”" for _, label in choice.options)
            out.append(
                f"工作表“{name}”的{options}列是打√的选项，合并读作{field_label(choice.field)}（每行只能勾一项）"
            )
        if ctx.town_from_name:
            out.append(
                f"工作表“{name}”有 {ctx.town_from_name} 个村（社区）的乡镇取自其名称"
                f"（如“{ctx.town_name_example[0]}”的{ctx.town_name_example[1]}）"
            )
        if ctx.kinds.count:
            out.append(
                f"工作表“{name}”有 {ctx.kinds.count} 个单位的类别依据互相矛盾，以单位自身的依据（统一社会信用代码、"
                f"类型列）为准：{'；'.join(ctx.kinds.conflicts)}{'等' if ctx.kinds.count > len(ctx.kinds.conflicts) else ''}"
            )
        out += evidence_note(name, ctx.unions)
        out += _near_townships(name, self.parsed.townships)
        if self.no_town:
            out.append(no_township_note(name, self.no_town))
        return out

    def _section_notes(self) -> list[str]:
        if not self.sections:
            return []
        name, used = self.window.name, self.ctx.town_from_section
        shown = "".join(f"“{sec.text}”" for sec in self.sections[:3]) + (
            "等" if len(self.sections) > 3 else ""
        )
        said = f"工作表“{name}”有分组行 {len(self.sections)} 行（{shown}），不是单位，未导入"
        if used:
            said += f"；其下 {used} 个单位的乡镇取自所在分组行"
        towns = {sec.town for sec in self.sections if sec.town}
        if towns and self.ctx.options.township:
            said += f"；分组行写有乡镇，但已按 --township {self.ctx.options.township} 记录"
        return [said]

    # -- steps
    def _check_width(self, cells: list[Any], line: int) -> None:
        """CSV rows with fewer or more fields than the header refuse the file, never padded or split."""
        width, n = self.width, len(cells)
        if width is None or n == width:
            return
        if n < width:
            said = f"第{line}行只有 {n} 个字段，表头有 {width} 个（缺少字段，或字段中有未加引号的换行符）"
        elif any(not V.is_blank(c) for c in cells[width:]):
            said = f"第{line}行有 {n} 个字段，表头只有 {width} 个（多出字段，可能是名称中含逗号未加引号）"
        else:
            return
        raise InputError(f"{self.path.name}：CSV 行的字段数与表头不一致，整个文件未导入", details=[said])

    def _totals_row(self, cells: list[Any], line: int) -> None:
        if is_subtotal(cells):
            self.totals_warnings += self.totals.check_block(self.one, 0)
        else:
            self.totals_warnings.append((cells, line))

    def _refuse_row(self, problems: list[str]) -> None:
        if self.ctx.options.skip_bad_rows:
            self.parsed.rejects.append(reject(self.one, 0, problems))
            self.rejected += 1
            return
        self.problems.extend(problems)
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            self._raise_problems()

    def _first_time(self, rec: Record) -> bool:
        """Whether `rec` is the first row of its unit; a repeat is noted (identical) or a conflict."""
        identity: Identity = rec.identity()
        key: Any = identity if self.firsts is not None else hash(identity)
        digest = content_digest(rec, identity)
        packed = (rec.row << 64) | digest
        first = self.seen.setdefault(key, packed)
        if first == packed:  # (a row is met once: a repeat has another row number)
            if self.firsts is not None:
                self.firsts[key] = rec
            return True
        if first & _MASK != digest:
            earlier = self.firsts.get(key) if self.firsts is not None else None
            self.conflict = (rec, first >> 64, earlier)
        else:
            self._note_duplicate(rec, first >> 64)
        return False

    def _note_duplicate(self, rec: Record, first_row: int) -> None:
        self.duplicates.append(
            f"“{rec.name}”在工作表“{rec.sheet}”第{first_row}行和第{rec.row}行重复出现，内容相同，只计一次"
        )

    def _raise_problems(self) -> None:
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        more = "（另有更多问题未列出）" if len(self.problems) > MAX_PROBLEMS_SHOWN else ""
        raise RowsRefused(
            f"{self.path.name}：有 {len(shown)} 处数据不能导入，整个文件未导入{more}", details=shown
        )

    def _raise_conflict(self, rec: Record, first_row: int, first: Record | None) -> None:
        if first is not None:
            keys = set(first.values) | set(rec.values)
            diff = (
                "、".join(sorted(field_label(k) for k in keys if first.values.get(k) != rec.values.get(k)))
                or "名称或乡镇"
            )
        else:
            diff = "某些列"
        raise InputError(
            f"{self.path.name}：“{rec.name}”在工作表“{rec.sheet}”第{first_row}行和第{rec.row}行重复出现且内容不同"
            f"（{diff}），无法确定以哪一行为准；请删去错误的一行后重新导入"
        )


def _may_close_on_note(rows: list[list[Any]], name: int) -> bool:
    """Whether any of ``rows`` may have a name cell closing on a bracketed note: False when their
    name cells are all text and none holds a closing bracket (one look at them joined)."""
    try:
        text = "\x00".join([row[name] for row in rows])
    except (IndexError, TypeError):  # (a short row, a blank or a number: look at each)
        return True
    return any(c in text for c in NOTE_CLOSERS)


def no_township_note(sheet: str, n: int) -> str:
    """The note that ``n`` units of a sheet have no township (`says_no_township` knows it again)."""
    return (
        f"工作表“{sheet}”有 {n} {_NO_TOWNSHIP}（表中没有乡镇列或未填，标题、工作表名和文件名中"
        "也没有乡镇名），报告中不会归入任何乡镇；请用 --township 指定，或在表中填写乡镇"
    )


def says_no_township(warning: str, sheet: str) -> bool:
    """Whether ``warning`` is `no_township_note` of ``sheet`` (`records.across` withdraws it when every
    unit of the sheet took its township from another sheet)."""
    return warning.startswith(f"工作表“{sheet}”有 ") and _NO_TOWNSHIP in warning


_NO_TOWNSHIP = "个单位没有乡镇"


def _closes_on_note(cell: Any) -> bool:
    """Whether a name cell may close on a bracketed note (`layout.ceased_note` says if it does)."""
    return type(cell) is str and cell.rstrip().endswith(NOTE_CLOSERS)


def _near_townships(sheet: str, towns: set[str]) -> list[str]:
    """A 乡镇 written without its suffix beside the full name (城关 and 城关镇): probably one place,
    kept apart as written and said, for the user to correct (never merged by a guess)."""
    pairs = sorted(
        (t, o) for t in towns if township_from_text(t) is None for o in towns if o != t and o.startswith(t)
    )
    return [
        f"工作表“{sheet}”的乡镇“{t}”和“{o}”可能是同一乡镇，已分开记录；如是，请用 djgj undo 撤销本次导入，在表中改正后再导入"
        for t, o in pairs
    ]
