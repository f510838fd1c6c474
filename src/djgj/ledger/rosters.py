"""Union member rosters (会员花名册, 实名制): people and their memberships.

A person is identified by resident ID number (GB 11643), kept as text, normalised (full-width,
lower-case x, spaces) and validated with python-stdnum by check digit and birth date; the region
code is only warned on (stdnum issue #442). A row whose ID fails its check digit is kept and
flagged, so `djgj check` can name it; an ID stored as a number has lost digits and refuses the
file. The same person on two units' rosters is a transfer in progress (转会): two memberships,
one person, reported. ID and phone numbers are personal information: every message masks them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from stdnum.cn import ric

from djgj.errors import InputError, RowsRefused
from djgj.ledger.privacy import mask_id, mask_phone
from djgj.ledger.roster_store import RosterStore, UnitRow
from djgj.read import values as V
from djgj.read.files import Sheet
from djgj.read.headers import Column, cut, lexicon
from djgj.read.layout import RowClassifier, Table, header_cells, section_of, township_from_text
from djgj.records.parse import check_columns, column_letter, unknown_columns_warning, where
from djgj.records.record import reject, row_number
from djgj.records.unions import unit_name_of_union


@dataclass
class IdCheck:
    number: str
    valid: bool
    birth_date: dt.date | None
    sex: str | None
    reason: str | None


_PLAIN_ID = re.compile(r"[0-9]{17}[0-9X]")


def normalise_id(cell: Any) -> str:
    if type(cell) is str and _PLAIN_ID.fullmatch(cell):
        return cell  # (already as NFKC, without spaces, upper-case: what the steps below give)
    if isinstance(cell, float):
        raise V.ValueProblem(
            f"身份证号被存成了数字（{cell:.6g}），后几位已经丢失；请把该列设为文本、重新填写后再导入"
        )
    if isinstance(cell, int):
        cell = str(cell)
    text = V.without_text_mark(re.sub(r"[\s\u3000-]", "", unicodedata.normalize("NFKC", str(cell))).upper())
    if _SCIENTIFIC.fullmatch(text):  # (a CSV saved from Excel keeps the number as it was shown)
        raise V.ValueProblem(
            f"身份证号被存成了数字（{text}），后几位已经丢失；请把该列设为文本、重新填写后再导入"
        )
    return text


#: A number as Excel shows one too long for its column: 3.30102E+17.
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d+")


_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def check_id(number: str) -> IdCheck:
    """Validity by check digit and birth date (not by region code, which stdnum's table may lack)."""
    if not _ID_SHAPE.fullmatch(number):
        return IdCheck(number, False, None, None, "不是18位（17位数字加校验位）")
    birth = _birth_date(number[6:14])
    if birth is None:
        return IdCheck(number, False, None, None, "出生日期不存在")
    sex = "男" if int(number[16]) % 2 else "女"
    # stdnum's calc_check_digit takes the whole number, check digit included (it drops the last one).
    if ric.calc_check_digit(number) != number[17]:
        return IdCheck(number, False, birth, sex, "校验位不符")
    return IdCheck(number, True, birth, sex, None)


@lru_cache(maxsize=65536)
def _birth_date(digits: str) -> dt.date | None:
    """The birth date of an ID number by its 7th-14th digits (python-stdnum's reading; None when no
    such day exists), kept: a roster's people share their birth days."""
    try:
        return ric.get_birth_date(f"000000{digits}0000")
    except Exception:  # noqa: BLE001 - stdnum raises its own ValidationError subclasses
        return None


#: 会籍变化类型 values after which the person is no longer a member of the unit.
LEAVING_WORDS = ("转出", "退会", "除名", "注销", "死亡", "离会", "会籍取消", "取消会籍")


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*: enough for the importer to find the row, not the whole name."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


#: Rows read, matched to their units and written per round: bounds the import's memory whatever the
#: roster's length (the rows of one round, and the lookups of one round).
ROUND_ROWS = 10_000
#: Converted cell values kept between rows (a roster repeats its units, dates and words); emptied
#: when it holds more than this.
MEMO_SIZE = 100_000
#: Problems a refused roster lists (all are counted).
PROBLEMS_SHOWN = 20

Lines = Iterable[tuple[list[Any], int]]


def write(conn: Connection, wb: Any, parsed: Any, batch_id: int, result: Any) -> None:
    """The roster tables of a file read whole (several sheets, .xls, .ods …), their data rows in rounds."""
    writer = RosterWriter(conn, wb.path, parsed, batch_id, result)
    for table in parsed.roster_tables:
        sheet = table.sheet
        rows = table.data_rows if _has_unit_column(table) else sorted({*table.data_rows, *table.section_rows})
        writer.table(table, ((sheet.rows[r], row_number(sheet, r)) for r in rows))
    writer.store.close()


def write_stream(
    conn: Connection, path: Path, parsed: Any, table: Table, lines: Lines, batch_id: int, result: Any
) -> None:
    """The one roster table of a CSV or one-sheet xlsx file, from ``lines`` (its rows below the
    header, each with the row or line the user sees, as they are read): the rows `locate` would
    call data, through the same writer as `write`, one round at a time."""
    classify = RowClassifier(len(table.columns), header_cells(table))
    writer = RosterWriter(conn, path, parsed, batch_id, result)
    kept = ("data",) if _has_unit_column(table) else ("data", "section")  # (a block per unit)
    writer.table(table, ((cells, line) for cells, line in lines if classify(cells) in kept))
    writer.store.close()


def _has_unit_column(table: Table) -> bool:
    """Whether a roster names each member's unit in a column (单位名称 is read as one, `_remap`)."""
    return any(c.field in ("unit_name", "credit_code", "name") for c in table.columns)


@contextmanager
def _collect_per_round() -> Iterator[None]:
    """Python's cyclic garbage collector paused while rounds are written, and run over the young
    objects after each round instead: a round makes ~10 objects per row, and letting the collector
    count them re-scans every object it holds many times (a fifth of the import's time, measured);
    what a round leaves behind is young, so nothing waits for a full collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rounds(lines: Lines, size: int) -> Iterator[list[tuple[list[Any], int]]]:
    """``lines`` in lists of at most ``size``: never more than one round is held."""
    it = iter(lines)
    while batch := list(islice(it, size)):
        yield batch


@dataclass
class _TableRun:
    """What a table's rounds leave for its end: problems (counted; the first shown), a refusal met
    while writing, and the counts its summary warnings give."""

    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    refusal: str | None = None
    same_person_rejects: list[dict[str, Any]] = field(default_factory=list)
    sex_mismatch: list[int] = field(default_factory=list)
    sex_count: int = 0
    left: int = 0

    @property
    def writing(self) -> bool:
        """Whether rows are still written: once the file is refused, the rest is only read (so
        the refusal names every problem of the whole table, as reading it whole did)."""
        return not self.problem_count and self.refusal is None


@dataclass
class _Round:
    """One round's view of the ledger (people, memberships, rows of this table already written)
    and what the round adds to it; stand-in ids -1 - i stand for the round's i-th new person."""

    people: dict[str, tuple[int, str]]
    members: dict[tuple[int, int], Any]
    seen: dict[tuple[str, int], int]
    names: dict[str, str] = field(default_factory=dict)
    new_people: list[dict[str, Any]] = field(default_factory=list)
    #: (person, unit) → [unit, joined on, left on, row]
    new_members: dict[tuple[int, int], list[Any]] = field(default_factory=dict)
    person_changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    member_ends: dict[tuple[int, int], dt.date] = field(default_factory=dict)
    seen_rows: list[tuple[str, int, int, bool]] = field(default_factory=list)


class RosterWriter:
    """Roster tables of one file → people and memberships, inside the file's transaction, one round
    of rows at a time: the same checks, messages and provenance whatever the roster's length."""

    def __init__(self, conn: Connection, path: Path, parsed: Any, batch_id: int, result: Any) -> None:
        self.conn, self.path, self.parsed, self.batch_id, self.result = conn, path, parsed, batch_id, result
        self.skip_bad_rows = bool(getattr(parsed, "skip_bad_rows", False))
        self.store = RosterStore(conn)
        self.memo: dict[str, dict[str, Any]] = {}
        #: Rows left out by a 是否会员 column: [said no, said nothing] (this table; `_summary` says them).
        self.not_members = [0, 0]

    def table(self, table: Table, lines: Lines) -> None:
        _remap(table)
        cols = check_columns(table, self.path, roster=True)
        warning = unknown_columns_warning(table)
        if warning:
            self.parsed.warnings.append(warning)
        if "unit_name" not in cols and "credit_code" not in cols:
            table, lines = self._units_from_context(table, lines)
            cols = check_columns(table, self.path, roster=True)
        run = _TableRun()
        self.store.begin_table(self.batch_id, table.sheet.name)
        with _collect_per_round():
            for batch in rounds(lines, ROUND_ROWS):
                part = _part(table, batch)
                rows = self._read(part, cols, run)
                if run.writing:
                    self._store(part, rows, run)
                gc.collect(1)
        self._end_table(table.sheet, run)
        self.store.end_table()

    def _units_from_context(self, table: Table, lines: Lines) -> tuple[Table, Lines]:
        """A roster without a 所在单位 column: each member's unit from the group row above it
        (一、甘肃宏达建材有限公司, a block per unit), else from the title or file name when that names
        exactly one unit of the ledger (兴达五金厂工会会员花名册), for every row (said); otherwise the
        roster is refused, as a guess would put people in the wrong union. A group naming no unit of
        the ledger refuses its rows by that name."""
        width = max((c.index for c in table.columns), default=-1) + 1
        column = Column(width, "", "所在单位（取自分组行或标题）", field="unit_name", why="分组行或标题")
        widened = Table(table.sheet, table.header_rows, [*table.columns, column])
        widened.title_lines = table.title_lines
        return widened, self._rows_with_units(table, lines, width)

    def _rows_with_units(self, table: Table, lines: Lines, width: int) -> Iterator[tuple[list[Any], int]]:
        current: str | None = None
        groups = 0
        for cells, line in lines:
            label = _group_label(cells)
            if label is not None:
                current, groups = label, groups + 1
                if groups == 1:
                    self.parsed.warnings.append(
                        f"花名册没有“所在单位”列：会员的所在单位取自其上方的分组行（如“{label}”）"
                    )
                continue
            if current is None:
                current = self._title_unit(table)
            yield _padded(cells, width) + [current], line

    def _title_unit(self, table: Table) -> str:
        """The one ledger unit the title lines, the sheet's name (a workbook of one sheet per unit) or
        the file name name (`_unit_names_in`); a township before the name (青石镇鑫源纺织有限公司…)
        must be that unit's, and picks it among namesakes."""
        sheet = table.sheet_name or table.sheet.name
        texts = [*table.title_lines, *([sheet] if sheet != self.path.stem else []), self.path.stem]
        candidates = {c: (t, town) for t in texts for c, town in _unit_names_in(t)}
        _, by_name = self.store.units(set(), {V.normalise_name(c) for c in candidates})
        found: dict[int, tuple[str, str]] = {}
        for c, (t, town) in candidates.items():
            units = by_name.get(V.normalise_name(c), [])
            if town is not None:
                units = [u for u in units if u[2] == town]
            if len(units) == 1:
                found.setdefault(units[0][0], (c, t))
        if len(found) != 1:
            named = f"，标题“{texts[0]}”中也没有台账里的单位名称" if table.title_lines else ""
            raise InputError(f"{self.path.name}：花名册没有“所在单位”列{named}，无法确定会员属于哪个单位")
        unit, text = next(iter(found.values()))
        where = f"工作表名“{text}”" if text == sheet and text not in table.title_lines else f"“{text}”"
        self.parsed.warnings.append(f"花名册没有“所在单位”列：会员的所在单位“{unit}”取自{where}")
        return unit

    def _end_table(self, sheet: Sheet, run: _TableRun) -> None:
        if run.problem_count:
            raise RowsRefused(
                f"{self.path.name}：花名册有 {run.problem_count} 处不能导入，整个文件未导入",
                details=run.problems,
            )
        if run.refusal is not None:
            raise InputError(
                f"{self.path.name}：花名册有 1 处不能导入，整个文件未导入", details=[run.refusal]
            )
        self.parsed.rejects.extend(run.same_person_rejects)
        self._summary(sheet, run)

    # -- reading
    def _read(self, part: Table, cols: dict[str, Column], run: _TableRun) -> list[dict[str, Any]]:
        """The round's person rows, converted and matched to their units (one lookup for the
        round); a row that cannot be read refuses the file or is rejected."""
        read = self._convert(part, cols)
        codes = {got[1].upper() for got in read if isinstance(got, tuple) and got[1]}
        norms = {
            n: V.normalise_name(n) for n in {got[2] for got in read if isinstance(got, tuple) and got[2]}
        }
        by_code, by_name = self.store.units(codes, set(norms.values()))
        rows: list[dict[str, Any]] = []
        for r, got in enumerate(read):
            if got is None:
                continue
            problems = got if isinstance(got, list) else []
            if not problems:
                row, code, name = got
                found = by_name.get(norms[name], []) if name else []
                row["unit_id"] = self._match_unit(code, name, by_code, found, part.sheet, r, problems)
            if problems:
                self._refuse(part, cols, r, problems, run)
            else:
                rows.append(row)
        return rows

    def _refuse(self, table: Table, cols: dict[str, Column], r: int, why: list[str], run: _TableRun) -> None:
        if not self.skip_bad_rows:
            run.problem_count += len(why)
            run.problems.extend(why[: PROBLEMS_SHOWN - len(run.problems)])
            return
        rejected = reject(table, r, why)
        for fld in ("id_number", "phone"):
            col = cols.get(fld)
            if col is not None and rejected.get(col.header) is not None:
                mask = mask_id if fld == "id_number" else mask_phone
                rejected[col.header] = mask(str(rejected[col.header]))
        self.parsed.rejects.append(rejected)

    def _column(self, part: Table, cols: dict[str, Column], fld: str, convert: Any = None) -> list[Any]:
        """The round's cells of field ``fld`` (None where the sheet has no such column), each
        converted by ``convert``: a text seen before (this round or an earlier one) is converted
        once; a refused value becomes `_Refused`."""
        col = cols.get(fld)
        rows = part.sheet.rows
        if col is None:
            return [None if convert is None else _attempt(convert, None)] * len(rows)
        i = col.index
        cells = [cells[i] if i < len(cells) else None for cells in rows]
        if convert is None:
            return cells
        memo = self.memo.setdefault(fld, {})
        if len(memo) > MEMO_SIZE:
            memo.clear()
        out = []
        for c in cells:
            if c.__class__ is str:
                got = memo.get(c, _MISSING)
                if got is _MISSING:
                    got = memo[c] = _attempt(convert, c)
            else:  # (blank, a number, a date: cheap, and 1, 1.0 and True would share a key)
                got = _attempt(convert, c)
            out.append(got)
        return out

    def _convert(self, part: Table, cols: dict[str, Column]) -> list[Any]:
        """Each row of the round: None (blank), its problems, or (values, credit code, unit name);
        converted column by column, the problems named in the order a row's cells are read."""
        sheet = part.sheet
        lines = sheet.line_numbers or []
        to_date = _date_1904 if sheet.date_1904 else _date_1900
        column = partial(self._column, part, cols)
        names, ids = column("person_name", V.person_name), column("id_number")
        joined, changed = column("joined_on", to_date), column("membership_changed_on", to_date)
        migrant = column("is_migrant", V.yes_no) if "is_migrant" in cols else [None] * len(ids)
        member = column("is_member", _membership) if "is_member" in cols else [True] * len(ids)
        left, sex = column("membership_change", _leaving), column("sex", V.clean_text)
        politics, phones = column("politics", V.clean_text), column("phone")
        codes, units = column("credit_code", V.clean_text), column("unit_name", V.clean_text)
        out: list[Any] = []
        for r, name in enumerate(names):
            raw_id = ids[r]
            if name is None and V.is_blank(raw_id):
                out.append(None)
                continue
            if member[r] is not True:  # a list of employees: only those it says are members
                out.append(self._not_member(member[r], sheet, r))
                continue
            try:
                number = normalise_id(raw_id) if not V.is_blank(raw_id) else ""
                if not number:
                    raise V.ValueProblem("缺少身份证号")
                for got in (joined[r], migrant[r], changed[r]):
                    if got.__class__ is _Refused:
                        raise V.ValueProblem(got.message)
            except V.ValueProblem as exc:
                out.append([f"{where(sheet, r)}：{exc}"])
                continue
            values = {
                "row": r,
                "line": lines[r],
                "name": name or "",
                "id": number,
                "joined": joined[r][0] if joined[r] else None,
                "migrant": migrant[r],
                "sex": sex[r],
                "politics": politics[r],
                "phone": _phone(phones[r]),
                "left": left[r],
                "left_on": changed[r][0] if changed[r] else None,
            }
            out.append((values, codes[r], units[r]))
        return out

    def _unit_by_grammar(self, name: str) -> int | None:
        """The one ledger unit a 所在单位 cell names when it is not a unit's name as written: its
        union's name (甲有限公司工会委员会 → 甲有限公司, from a 所在工会 column), or a name after its
        township (青石镇鑫源纺织有限公司 → 鑫源纺织有限公司 of 青石镇: that township's unit only)."""
        for text in dict.fromkeys((name, unit_name_of_union(name))):
            ways: list[tuple[str, str | None]] = [(text, None)] if text != name else []
            ways += _after_township(text)
            for unit_name, in_town in ways:
                norm = V.normalise_name(unit_name)
                _, by_name = self.store.units(set(), {norm})
                units = [u for u in by_name.get(norm, []) if in_town is None or u[2] == in_town]
                if len(units) == 1:
                    return units[0][0]
        return None

    def _not_member(self, got: Any, sheet: Sheet, r: int) -> list[str] | None:
        """A row whose 是否会员 cell is not yes: its problem when the cell could not be read, else
        None (left out, counted as said no or said nothing)."""
        if isinstance(got, _Refused):
            return [f"{where(sheet, r)}：{got.message}"]
        self.not_members[got is None] += 1
        return None

    def _match_unit(
        self,
        code: str | None,
        name: str | None,
        by_code: dict[str, int],
        found: list[UnitRow],
        sheet: Sheet,
        r: int,
        problems: list[str],
    ) -> int | None:
        if code and code.upper() in by_code:
            return by_code[code.upper()]
        if not name:
            problems.append(f"{where(sheet, r)}：没有填写所在单位")
            return None
        if len(found) == 1:
            return found[0][0]
        by_grammar = self._unit_by_grammar(name) if not found else None
        if by_grammar is not None:
            return by_grammar
        if len(found) > 1:
            towns = "、".join(f"{t or '未填乡镇'}的{n}" for _, n, t in found)
            problems.append(
                f"{where(sheet, r)}：单位“{name}”在台账中有多个（{towns}），请在花名册中填写统一社会信用代码"
            )
            return None
        every = self.store.every_name()
        close = difflib.get_close_matches(V.normalise_name(name), list(every), n=3, cutoff=0.6)
        hint = (
            f"；相近的单位：{'、'.join(every[c][0][1] for c in close)}"
            if close
            else "；请先导入该单位所在乡镇的报表"
        )
        problems.append(f"{where(sheet, r)}：台账中没有单位“{name}”{hint}")
        return None

    # -- writing
    def _store(self, table: Table, rows: list[dict[str, Any]], run: _TableRun) -> None:
        """The round's rows against what the ledger (and this table's earlier rounds) hold, then
        written in bulk; a row refused here stops the writing (the file will be refused)."""
        numbers = {row["id"] for row in rows}
        people = self.store.people(numbers)
        found = self.store.memberships({pid for pid, _ in people.values()})
        number_of = {pid: n for n, (pid, _) in people.items()}
        this = (self.batch_id, table.sheet.name)
        seen = {(number_of[p], u): int(m[3]) for (p, u), m in found.items() if (m[1], m[2]) == this}
        seen.update(self.store.seen(numbers))
        rnd = _Round(people, {k: m[0] for k, m in found.items()}, seen)
        rnd.names = {n: name for n, (_, name) in people.items()}
        for row in rows:
            if not self._store_row(table, row, rnd, run):
                return
        self._flush(rnd)

    def _store_row(self, table: Table, row: dict[str, Any], rnd: _Round, run: _TableRun) -> bool:
        """One row: warnings, the person, the membership; False when it refuses the file."""
        sheet = table.sheet
        chk = check_id(row["id"])
        same = self._same_person(table, row, rnd, run)
        if same is None:
            return False
        if not same:
            return True
        if not chk.valid:
            self.parsed.warnings.append(
                f"{_label(sheet, row)}：身份证号{chk.reason}，已导入并标记为无效，请核实（djgj check 会列出）"
            )
        elif row["sex"] and chk.sex and row["sex"] != chk.sex:
            run.sex_count += 1
            if len(run.sex_mismatch) < 10:
                run.sex_mismatch.append(row["line"])
        key = (row["id"], row["unit_id"])
        if key in rnd.seen:
            self.parsed.warnings.append(
                f"{_label(sheet, row)}：与第{rnd.seen[key]}行是同一人同一单位，只计一次"
            )
            return True
        rnd.seen[key] = row["line"]
        run.left += row["left"]
        pid = self._person(row, chk, rnd)
        if (pid, row["unit_id"]) in rnd.members:  # (a membership it adds records its row itself)
            rnd.seen_rows.append((row["id"], row["unit_id"], rnd.seen[key], bool(row["left"])))
        rnd.names.setdefault(row["id"], row["name"])
        self._membership(pid, row, rnd)
        self.result.rows += 1
        return True

    def _flush(self, rnd: _Round) -> None:
        """Write the round's new and changed people and memberships; stand-in ids become real."""
        ids = self.store.insert_people(rnd.new_people)
        self.store.update_people(rnd.person_changes)
        day, batch, sheet = self.store.day, self.batch_id, self.store.table[1]
        members = [
            (ids[-1 - pid] if pid < 0 else pid, unit, day(joined), day(left_on), batch, sheet, line)
            for (pid, _), (unit, joined, left_on, line) in rnd.new_members.items()
        ]
        self.store.insert_memberships(members)
        self.store.end_memberships(rnd.member_ends)
        self.store.see(rnd.seen_rows)
        self.store.written(len(rnd.new_people) + len(members))

    def _same_person(self, table: Table, row: dict[str, Any], rnd: _Round, run: _TableRun) -> bool | None:
        """A row whose ID number is registered under another name is rejected (False) or refuses
        the file (None)."""
        known = rnd.names.get(row["id"])
        if not known or not row["name"] or V.normalise_name(known) == V.normalise_name(row["name"]):
            return True
        why = (
            f"{where(table.sheet, row['row'])}：身份证号 {mask_id(row['id'])} 已登记为“{mask_name(known)}”，"
            f"本行姓名为“{mask_name(row['name'])}”，不能确定是同一人；请核对身份证号和姓名后重新导入"
        )
        if not self.skip_bad_rows:
            run.refusal = why
            return None
        run.same_person_rejects.append({"sheet": table.sheet.name, "row": row["line"], "problems": why})
        return False

    def _person(self, row: dict[str, Any], chk: IdCheck, rnd: _Round) -> int:
        """The person's id: one already in the ledger has the values given changed (a blank name
        never replaces a known one); a new one joins the round's new people, under a stand-in id."""
        values = {
            "name": row["name"],
            "sex": row["sex"] or chk.sex,
            "birth_date": chk.birth_date,
            "politics": row["politics"],
            "phone": row["phone"],
            "is_migrant": row["migrant"],
            "id_valid": chk.valid,
        }
        known = rnd.people.get(row["id"])
        if known is not None:
            given = {k: v for k, v in values.items() if v is not None and v != ""}
            pid = known[0]
            if pid < 0:
                rnd.new_people[-1 - pid].update(given)
            else:
                rnd.person_changes.setdefault(pid, {}).update(given)
            return pid
        pid = -1 - len(rnd.new_people)
        values["id_number"], values["batch_id"] = row["id"], self.batch_id
        rnd.new_people.append(values)
        rnd.people[row["id"]] = (pid, row["name"])
        self.result.people += 1
        return pid

    def _membership(self, pid: int, row: dict[str, Any], rnd: _Round) -> None:
        """Add the membership, or end it when the row says the person left (转出/退会)."""
        left_on = (row["left_on"] or dt.date.today()) if row["left"] else None
        key = (pid, row["unit_id"])
        if key in rnd.members:
            if left_on is not None and rnd.members[key] is None:
                if key in rnd.new_members:
                    rnd.new_members[key][2] = left_on
                else:
                    rnd.member_ends[key] = left_on
                rnd.members[key] = left_on
            return
        rnd.new_members[key] = [row["unit_id"], row["joined"], left_on, row["line"]]
        rnd.members[key] = left_on
        self.result.memberships += 1

    def _summary(self, sheet: Sheet, run: _TableRun) -> None:
        warnings = self.parsed.warnings
        no, unsaid = self.not_members
        if no or unsaid:
            said = f"{no} 人写明不是会员" + (f"，{unsaid} 人未写是否会员" if unsaid else "")
            warnings.append(
                f"工作表“{sheet.name}”有“是否会员”列：{said}，这些人未导入，不计为会员（只有写明是会员的行记入会籍）"
            )
            self.not_members = [0, 0]
        if run.sex_count:
            shown = "、".join(map(str, run.sex_mismatch)) + ("等" if run.sex_count > 10 else "")
            warnings.append(
                f"工作表“{sheet.name}”有 {run.sex_count} 行“性别”与身份证号第17位不符（第{shown}行）；"
                "已按表中填写保存，djgj check 会逐行列出"
            )
        if run.left:
            warnings.append(
                f"工作表“{sheet.name}”有 {run.left} 行会籍变化为转出/退会等，已记为离会，不计为现有会员"
            )
        rejected = sum(1 for r in self.parsed.rejects if r.get("sheet") == sheet.name)
        if rejected:
            warnings.append(
                f"--skip-bad-rows：工作表“{sheet.name}”有 {rejected} 行未导入，原因和原始内容见拒收报告"
            )
        for number, units in self.store.transfers():
            warnings.append(
                f"身份证号 {mask_id(number)} 的会员同时在 {units} 个单位的花名册上（转会中？），只记为一人"
            )


def _membership(cell: Any) -> bool | None:
    """A roster's 是否会员 cell: yes, no, or None when blank (not said). An answer may repeat what
    the column asks (已入会, 未入会, 非会员, 会员): the lexicon's words for membership are taken out
    and what is left is read as a yes/no (nothing left: the membership itself, yes)."""
    if V.is_blank(cell):
        return None
    if not isinstance(cell, str):
        return V.yes_no(cell)
    got = V.presence(cell)
    if got is None:
        rest = _member_words().sub("", V.simplify(cell)).strip()
        got = True if not rest else V.presence(rest)
    if got is None:
        raise V.ValueProblem(f"“{cell}”不是是否会员（可写 是/否、已入会/未入会、会员/非会员）")
    return got


@lru_cache(maxsize=1)
def _member_words() -> re.Pattern[str]:
    words = [w for w, concepts in lexicon().words.items() if "member" in concepts and w]
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def _remap(table: Table) -> None:
    """In a roster, 单位名称 names the member's unit, 农民工 is a yes/no column, and without a unit
    column the member's union (所在工会: 甲有限公司工会委员会) names it (`_unit_by_grammar`)."""
    fields = {c.field for c in table.columns}
    for c in table.columns:
        if c.field == "name" and "unit_name" not in fields:
            c.field = "unit_name"
            fields.add("unit_name")
        elif c.field == "migrant_workers" and "is_migrant" not in fields:
            c.field = "is_migrant"
    for c in table.columns:
        if "unit_name" not in fields and (c.field == "union_name" or (c.field is None and _members_union(c))):
            c.field, c.why = "unit_name", "会员所在的工会：单位名称取自工会名称"
            fields.add("unit_name")


def _members_union(col: Column) -> bool:
    """A header naming the union a member belongs to (所在工会, 会员所属基层工会): its words are a union
    and belonging, with nothing else than the member or a name."""
    words = cut(col.header)
    concepts = {c for _, cs in words.parts for c in cs}
    return not words.unread and {"union", "belongs"} <= concepts <= {"union", "belongs", "member", "name"}


#: What follows a unit's name in its roster's title: 工会会员花名册, 会员名册, 职工入会登记表 …
_ROSTER_TAIL = re.compile(r"(?:基层)?(?:工会|会员|职工|花名册|名册|名单|登记).*$")


def _unit_names_in(text: str) -> list[tuple[str, str | None]]:
    """The unit names a roster's title line may hold, each with the township written before it
    (or None): the text before its roster words (兴达五金厂 of 兴达五金厂工会会员花名册（2023年）),
    without a year or a bracket; of a labelled line (填报单位（盖章）：兴达五金厂工会) its value; and
    each without a leading township (青石镇兴达五金厂 → 兴达五金厂 of 青石镇)."""
    plain = re.sub(r"[（(][^）)]*[）)]|\d{4}\s*年?度?|[_\-\s]+", "", V.simplify(text))
    texts = [plain, re.split("[:：]", plain)[-1]]
    names = [n for t in texts for n in (_ROSTER_TAIL.sub("", t), t) if len(n) >= 2]
    out: dict[str, str | None] = dict.fromkeys(names)
    for n in names:
        for rest, town in _after_township(n):
            out.setdefault(rest, town)
    return list(out.items())


def _after_township(text: str) -> list[tuple[str, str | None]]:
    """A name written after its township (青石镇兴达五金厂 → 兴达五金厂 of 青石镇), or nothing."""
    town = township_from_text(text)
    if town is None or not text.startswith(town) or len(text) - len(town) < 2:
        return []
    return [(text[len(town) :], town)]


def _group_label(cells: list[Any]) -> str | None:
    """A group row's label (一、甘肃宏达建材有限公司 → 甘肃宏达建材有限公司): one filled text cell
    under an ordinal (`layout.section_of`), else None."""
    filled = [c for c in cells if not V.is_blank(c)]
    if len(filled) != 1 or not isinstance(filled[0], str):
        return None
    sec = section_of(filled[0])
    return sec.label if sec is not None and sec.label != sec.text.strip() else None  # (an ordinal)


def _padded(cells: list[Any], width: int) -> list[Any]:
    return cells + [None] * (width - len(cells)) if len(cells) < width else cells[:width]


def _phone(cell: Any) -> str | None:
    if type(cell) is str and cell.isascii() and cell.isdigit():
        return cell
    if V.is_blank(cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(cell)))


def _label(sheet: Sheet, row: dict[str, Any]) -> str:
    """Where a row is and whose it is (the ID number masked)."""
    return f"{where(sheet, row['row'])}（{row['name']}，{mask_id(row['id'])}）"


def _part(table: Table, batch: list[tuple[list[Any], int]]) -> Table:
    """A round of rows as a table of its own (the header's columns, each row's own row number), so
    every message and reject names the row as the whole sheet would."""
    sheet = table.sheet
    part = Sheet(
        sheet.name,
        [cells for cells, _ in batch],
        line_numbers=[line for _, line in batch],
        date_1904=sheet.date_1904,
    )
    return Table(part, table.header_rows, table.columns)


_MISSING = object()


@dataclass(frozen=True)
class _Refused:
    """A cell value a converter refused, remembered with its message."""

    message: str


def _leaving(cell: Any) -> bool:
    """Whether a 会籍变化类型 cell says the person left the unit."""
    change = V.clean_text(cell) or ""
    return any(w in change for w in LEAVING_WORDS)


def _attempt(convert: Any, cell: Any) -> Any:
    try:
        return convert(cell)
    except V.ValueProblem as exc:
        return _Refused(str(exc))


def _date_1900(cell: Any) -> Any:
    return V.date_value(cell, date_1904=False)


def _date_1904(cell: Any) -> Any:
    return V.date_value(cell, date_1904=True)


def is_party_member(politics: str | None) -> bool:
    """Whether a 政治面貌 says a member of the Communist Party of China, full or probationary
    (中共党员, 党员, 中国共产党预备党员, 中共党员（预备）): never a democratic party's member (民革党员)
    nor a negation (非党员), which a test of the words inside it took for one."""
    if not politics:
        return False
    text = re.sub(r"[\s()（）]", "", V.simplify(politics))
    return _CPC_MEMBER.fullmatch(text) is not None


#: 政治面貌 of a CPC member: an optional party name, an optional full/probationary mark, 党员.
_CPC_MEMBER = re.compile(r"(?:中共|中国共产党)?(?:正式|预备)?党员(?:预备|正式)?")


__all__ = ["check_id", "column_letter", "is_party_member", "normalise_id", "write"]
