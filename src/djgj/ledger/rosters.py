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
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from djgj.errors import InputError
from djgj.ledger import copy
from djgj.ledger.models import Membership, Person, Township, Unit
from djgj.ledger.privacy import mask_id, mask_phone
from djgj.read import values as V
from djgj.read.files import Sheet
from djgj.read.headers import Column
from djgj.read.layout import Table
from djgj.records.parse import check_columns, column_letter, unknown_columns_warning, where
from djgj.records.record import reject
from djgj.records.rows import RowProblems

PARTY_WORDS = ("中共党员", "党员", "中共预备党员", "预备党员")


@dataclass
class IdCheck:
    number: str
    valid: bool
    birth_date: dt.date | None
    sex: str | None
    reason: str | None


def normalise_id(cell: Any) -> str:
    if isinstance(cell, float):
        raise V.ValueProblem(
            f"身份证号被存成了数字（{cell:.6g}），后几位已经丢失；请把该列设为文本、重新填写后再导入"
        )
    if isinstance(cell, int):
        cell = str(cell)
    text = unicodedata.normalize("NFKC", str(cell))
    return re.sub(r"[\s\u3000-]", "", text).upper()


def check_id(number: str) -> IdCheck:
    """Validity by check digit and birth date (not by region code, which stdnum's table may lack)."""
    from stdnum.cn import ric

    if not re.fullmatch(r"\d{17}[\dX]", number):
        return IdCheck(number, False, None, None, "不是18位（17位数字加校验位）")
    birth = None
    try:
        birth = ric.get_birth_date(number)
    except Exception:  # noqa: BLE001 - stdnum raises its own ValidationError subclasses
        return IdCheck(number, False, None, None, "出生日期不存在")
    sex = "男" if int(number[16]) % 2 else "女"
    # stdnum's calc_check_digit takes the whole number, check digit included (it drops the last one).
    if ric.calc_check_digit(number) != number[17]:
        return IdCheck(number, False, birth, sex, "校验位不符")
    return IdCheck(number, True, birth, sex, None)


#: 会籍变化类型 values after which the person is no longer a member of the unit.
LEAVING_WORDS = ("转出", "退会", "除名", "注销", "死亡", "离会", "会籍取消", "取消会籍")


def _unit_index(conn: Connection) -> tuple[dict[str, list[tuple[int, str, str | None]]], dict[str, int]]:
    by_name: dict[str, list[tuple[int, str, str | None]]] = {}
    by_code: dict[str, int] = {}
    q = select(Unit.id, Unit.norm_name, Unit.name, Unit.credit_code, Township.name).outerjoin(
        Township, Township.id == Unit.township_id
    )
    for uid, norm, name, code, town in conn.execute(q):
        by_name.setdefault(norm, []).append((uid, name, town))
        if code:
            by_code[code] = uid
    return by_name, by_code


def write(conn: Connection, wb: Any, parsed: Any, batch_id: int, result: Any) -> None:
    writer = RosterWriter(conn, wb.path, parsed, batch_id, result)
    for table in parsed.roster_tables:
        writer.table(table)


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*: enough for the importer to find the row, not the whole name."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class RosterWriter:
    """Roster tables of one file → people and memberships, inside the file's transaction."""

    def __init__(self, conn: Connection, path: Path, parsed: Any, batch_id: int, result: Any) -> None:
        self.conn, self.path, self.parsed, self.batch_id, self.result = conn, path, parsed, batch_id, result
        self.skip_bad_rows = bool(getattr(parsed, "skip_bad_rows", False))
        self.by_name, self.by_code = _unit_index(conn)
        self.known_people: dict[str, tuple[int, bool]] = {}
        #: ID number → the name it is registered under (the ledger's, then this file's first row).
        self.names: dict[str, str] = {}
        for i, n, v, name in conn.execute(select(Person.id, Person.id_number, Person.id_valid, Person.name)):
            self.known_people[n] = (i, v)
            self.names[n] = name
        self.new_people: list[dict[str, Any]] = []
        self.new_members: dict[tuple[int, int], dict[str, Any]] = {}
        self.known_members = {
            (p, u): left
            for p, u, left in conn.execute(
                select(Membership.person_id, Membership.unit_id, Membership.left_on)
            )
        }

    def table(self, table: Table) -> None:
        _remap(table)
        cols = check_columns(table, self.path, roster=True)
        warning = unknown_columns_warning(table)
        if warning:
            self.parsed.warnings.append(warning)
        if "unit_name" not in cols and "credit_code" not in cols:
            raise InputError(f"{self.path.name}：花名册没有“所在单位”列，无法确定会员属于哪个单位")
        rows = self._read(table, cols)
        self._store(table, rows)

    # -- reading
    def _read(self, table: Table, cols: dict[str, Column]) -> list[dict[str, Any]]:
        """Every person row, converted and matched to its unit; refuses the file or rejects rows."""
        problems: list[str] = []
        rows: list[dict[str, Any]] = []
        for r in table.data_rows:
            try:
                row = self._read_row(table, cols, r)
            except RowProblems as exc:
                self._refuse(table, cols, r, exc.problems, problems)
                continue
            if row is not None:
                rows.append(row)
        if problems:
            raise InputError(
                f"{self.path.name}：花名册有 {len(problems)} 处不能导入，整个文件未导入",
                details=problems[:20],
            )
        return rows

    def _refuse(
        self, table: Table, cols: dict[str, Column], r: int, why: list[str], problems: list[str]
    ) -> None:
        if not self.skip_bad_rows:
            problems.extend(why)
            return
        rejected = reject(table, r, why)
        for fld in ("id_number", "phone"):
            col = cols.get(fld)
            if col is not None and rejected.get(col.header) is not None:
                mask = mask_id if fld == "id_number" else mask_phone
                rejected[col.header] = mask(str(rejected[col.header]))
        self.parsed.rejects.append(rejected)

    def _read_row(self, table: Table, cols: dict[str, Column], r: int) -> dict[str, Any] | None:
        def get(f: str) -> Any:
            return table.cell(r, cols[f]) if f in cols else None

        sheet = table.sheet
        name = V.person_name(get("person_name"))
        raw_id = get("id_number")
        if name is None and V.is_blank(raw_id):
            return None
        try:
            number = normalise_id(raw_id) if not V.is_blank(raw_id) else ""
            if not number:
                raise V.ValueProblem("缺少身份证号")
            joined = V.date_value(get("joined_on"), date_1904=sheet.date_1904)
            migrant = V.yes_no(get("is_migrant")) if "is_migrant" in cols else None
            changed = V.date_value(get("membership_changed_on"), date_1904=sheet.date_1904)
        except V.ValueProblem as exc:
            raise RowProblems([f"{where(sheet, r)}：{exc}"]) from None
        problems: list[str] = []
        unit_id = _match_unit(get, self.by_name, self.by_code, sheet, r, problems)
        if unit_id is None:
            raise RowProblems(problems)
        change = V.clean_text(get("membership_change")) or ""
        return {
            "row": r,
            "name": name or "",
            "id": number,
            "unit_id": unit_id,
            "joined": joined[0] if joined else None,
            "migrant": migrant,
            "sex": V.clean_text(get("sex")),
            "politics": V.clean_text(get("politics")),
            "phone": _phone(get("phone")),
            "left": any(w in change for w in LEAVING_WORDS),
            "left_on": changed[0] if changed else None,
        }

    # -- writing
    def _store(self, table: Table, rows: list[dict[str, Any]]) -> None:
        sheet = table.sheet
        seen: dict[tuple[str, int], int] = {}
        sex_mismatch: list[int] = []
        units_of: dict[str, set[int]] = {}
        left = 0
        self.new_people, self.new_members = [], {}
        for row in rows:
            chk = check_id(row["id"])
            if not self._same_person(table, row):
                continue
            label = f"{where(sheet, row['row'])}（{row['name']}，{mask_id(row['id'])}）"
            if not chk.valid:
                self.parsed.warnings.append(
                    f"{label}：身份证号{chk.reason}，已导入并标记为无效，请核实（djgj check 会列出）"
                )
            elif row["sex"] and chk.sex and row["sex"] != chk.sex:
                sex_mismatch.append(_row_no(sheet, row["row"]))
            key = (row["id"], row["unit_id"])
            if key in seen:
                self.parsed.warnings.append(f"{label}：与第{seen[key]}行是同一人同一单位，只计一次")
                continue
            seen[key] = _row_no(sheet, row["row"])
            if not row["left"]:
                units_of.setdefault(row["id"], set()).add(row["unit_id"])
            left += row["left"]
            pid = _upsert_person(
                self.conn, row, chk, self.batch_id, self.known_people, self.result, self.new_people
            )
            self.names.setdefault(row["id"], row["name"])
            self._membership(sheet, pid, row)
            self.result.rows += 1
        self._flush()
        self._summary(sheet, sex_mismatch, units_of, left)

    def _flush(self) -> None:
        """Write the table's new people and memberships in bulk; their stand-in ids (-1 - index of
        the new person) become the real ones."""
        ids = _insert_rows(self.conn, Person, self.new_people) if self.new_people else []
        for number in [p["id_number"] for p in self.new_people]:
            pid, valid = self.known_people[number]
            self.known_people[number] = (ids[-1 - pid], valid)
        members = []
        for (pid, unit), values in self.new_members.items():
            real = ids[-1 - pid] if pid < 0 else pid
            if pid < 0:
                self.known_members[(real, unit)] = self.known_members.pop((pid, unit))
            members.append({**values, "person_id": real})
        if members:
            _insert_rows(self.conn, Membership, members, returning=False)
        self.new_people, self.new_members = [], {}

    def _same_person(self, table: Table, row: dict[str, Any]) -> bool:
        """A row whose ID number is registered under another name is refused (or rejected)."""
        known = self.names.get(row["id"])
        if not known or not row["name"] or V.normalise_name(known) == V.normalise_name(row["name"]):
            return True
        why = (
            f"{where(table.sheet, row['row'])}：身份证号 {mask_id(row['id'])} 已登记为“{mask_name(known)}”，"
            f"本行姓名为“{mask_name(row['name'])}”，不能确定是同一人；请核对身份证号和姓名后重新导入"
        )
        if not self.skip_bad_rows:
            raise InputError(f"{self.path.name}：花名册有 1 处不能导入，整个文件未导入", details=[why])
        self.parsed.rejects.append(
            {"sheet": table.sheet.name, "row": _row_no(table.sheet, row["row"]), "problems": why}
        )
        return False

    def _membership(self, sheet: Sheet, pid: int, row: dict[str, Any]) -> None:
        """Insert the membership, or end it when the row says the person left (转出/退会)."""
        left_on = (row["left_on"] or dt.date.today()) if row["left"] else None
        key = (pid, row["unit_id"])
        if key in self.known_members:
            if left_on is not None and self.known_members[key] is None and key in self.new_members:
                self.new_members[key]["left_on"] = left_on
                self.known_members[key] = left_on
            elif left_on is not None and self.known_members[key] is None:
                self.conn.execute(
                    update(Membership)
                    .where(Membership.person_id == pid, Membership.unit_id == row["unit_id"])
                    .values(left_on=left_on)
                )
                self.known_members[key] = left_on
            return
        self.new_members[key] = {
            "unit_id": row["unit_id"],
            "joined_on": row["joined"],
            "left_on": left_on,
            "batch_id": self.batch_id,
            "sheet": sheet.name,
            "row": _row_no(sheet, row["row"]),
        }
        self.known_members[key] = left_on
        self.result.memberships += 1

    def _summary(
        self, sheet: Sheet, sex_mismatch: list[int], units_of: dict[str, set[int]], left: int
    ) -> None:
        warnings = self.parsed.warnings
        if sex_mismatch:
            shown = "、".join(map(str, sex_mismatch[:10])) + ("等" if len(sex_mismatch) > 10 else "")
            warnings.append(
                f"工作表“{sheet.name}”有 {len(sex_mismatch)} 行“性别”与身份证号第17位不符（第{shown}行）；"
                "已按表中填写保存，djgj check 会逐行列出"
            )
        if left:
            warnings.append(
                f"工作表“{sheet.name}”有 {left} 行会籍变化为转出/退会等，已记为离会，不计为现有会员"
            )
        rejected = sum(1 for r in self.parsed.rejects if r.get("sheet") == sheet.name)
        if rejected:
            warnings.append(
                f"--skip-bad-rows：工作表“{sheet.name}”有 {rejected} 行未导入，原因和原始内容见拒收报告"
            )
        for number, units in units_of.items():
            if len(units) > 1:
                warnings.append(
                    f"身份证号 {mask_id(number)} 的会员同时在 {len(units)} 个单位的花名册上（转会中？），只记为一人"
                )


def _remap(table: Table) -> None:
    """In a roster, 单位名称 names the member's unit and 农民工 is a yes/no column."""
    fields = {c.field for c in table.columns}
    for c in table.columns:
        if c.field == "name" and "unit_name" not in fields:
            c.field = "unit_name"
        elif c.field == "migrant_workers" and "is_migrant" not in fields:
            c.field = "is_migrant"


def _row_no(sheet: Any, r: int) -> int:
    return sheet.line_numbers[r] if sheet.line_numbers is not None else r + 1


def _phone(cell: Any) -> str | None:
    if V.is_blank(cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(cell)))


def _match_unit(
    get: Any,
    by_name: dict[str, list[tuple[int, str, str | None]]],
    by_code: dict[str, int],
    sheet: Any,
    r: int,
    problems: list[str],
) -> int | None:
    code = V.clean_text(get("credit_code"))
    if code and code.upper() in by_code:
        return by_code[code.upper()]
    name = V.clean_text(get("unit_name"))
    if not name:
        problems.append(f"{where(sheet, r)}：没有填写所在单位")
        return None
    found = by_name.get(V.normalise_name(name), [])
    if len(found) == 1:
        return found[0][0]
    if len(found) > 1:
        towns = "、".join(f"{t or '未填乡镇'}的{n}" for _, n, t in found)
        problems.append(
            f"{where(sheet, r)}：单位“{name}”在台账中有多个（{towns}），请在花名册中填写统一社会信用代码"
        )
        return None
    close = difflib.get_close_matches(V.normalise_name(name), list(by_name), n=3, cutoff=0.6)
    hint = (
        f"；相近的单位：{'、'.join(by_name[c][0][1] for c in close)}"
        if close
        else "；请先导入该单位所在乡镇的报表"
    )
    problems.append(f"{where(sheet, r)}：台账中没有单位“{name}”{hint}")
    return None


def _upsert_person(
    conn: Connection,
    row: dict[str, Any],
    chk: IdCheck,
    batch_id: int,
    known: dict[str, tuple[int, bool]],
    result: Any,
    new: list[dict[str, Any]],
) -> int:
    """The person's id: known people are updated in place (values given); a new one is appended to
    ``new`` (written in bulk by the caller) and stands as -1 - its index there until then."""
    values = {
        "name": row["name"],
        "sex": row["sex"] or chk.sex,
        "birth_date": chk.birth_date,
        "politics": row["politics"],
        "phone": row["phone"],
        "is_migrant": row["migrant"],
        "id_valid": chk.valid,
    }
    if row["id"] in known:
        pid = known[row["id"]][0]
        if pid < 0:
            new[-1 - pid].update({k: v for k, v in values.items() if v is not None})
            return pid
        conn.execute(
            update(Person)
            .where(Person.id == pid)
            .values(**{k: v for k, v in values.items() if v is not None})
        )
        return pid
    pid = -1 - len(new)
    new.append({"id_number": row["id"], "batch_id": batch_id, **values})
    known[row["id"]] = (pid, chk.valid)
    result.people += 1
    return pid


def _insert_rows(
    conn: Connection, model: Any, rows: list[dict[str, Any]], returning: bool = True
) -> list[int]:
    """Insert rows of one shape in bulk, returning their ids in order (PostgreSQL: COPY, the ids
    taken from the table's sequence first)."""
    table = model.__tablename__
    columns = list(rows[0])
    if conn.dialect.name == "postgresql":
        ids = copy.new_ids(conn, table, len(rows)) if returning else []
        head = ["id", *columns] if returning else columns
        data = (
            [[i, *(r[c] for c in columns)] for i, r in zip(ids, rows, strict=True)]
            if returning
            else [[r[c] for c in columns] for r in rows]
        )
        copy.copy_rows(conn, table, head, data)
        return ids
    if not returning:
        conn.execute(insert(model), rows)
        return []
    return [
        int(r[0]) for r in conn.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    ]


def is_party_member(politics: str | None) -> bool:
    return bool(politics) and any(w in politics for w in PARTY_WORDS)  # type: ignore[operator]


__all__ = ["check_id", "column_letter", "is_party_member", "normalise_id", "write"]
