"""`djgj check`: the ledger's own consistency, reported as values, never raised.

The importer refuses a bad row, but a ledger can still hold contradictions: rows inserted by older
versions or other tools, figures that only clash across files (a roster against the members its unit
declares), people on two rosters, a damaged database file. Like beancount's validations, every
finding is a `Problem` value, so the CLI can list them all at once in any format and exit 1, and a
test can assert on them exactly. A value the ledger does not know (NULL) never makes a problem.

Snapshot checks read each unit's latest snapshot at the year-end (every snapshot without a year).
Roster checks compare the memberships current at that date (joined on or before it, not left) with
the unit's latest snapshot on or before it (its latest of all without a year). Problems carry the
raw resident ID number in ``id_number`` for ``--show-pii``; messages only ever hold masked numbers,
and the CLI masks ``id_number`` with `privacy.mask_row` before rendering.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from djgj.figures.metrics import latest, year_end
from djgj.ledger.models import ImportBatch, Membership, Person, Snapshot, Township, Unit
from djgj.ledger.privacy import mask_id
from djgj.ledger.rosters import check_id, is_party_member
from djgj.vocab.fields import COVERING_UNIONS, UNION_FORMS

ERROR, WARNING = "error", "warning"
MAX_DB_PROBLEMS = 20


@dataclass
class Problem:
    """One finding: what (code, severity, message), which unit or person, the numbers, and where."""

    code: str
    severity: str
    message: str
    unit: str | None = None
    township: str | None = None
    credit_code: str | None = None
    as_of: dt.date | None = None
    person: str | None = None
    id_number: str | None = None  # raw; masked by privacy.mask_row before any output
    numbers: dict[str, Any] = field(default_factory=dict)
    file: str | None = None
    sheet: str | None = None
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def location(self) -> str:
        parts = [
            self.file or "",
            f"工作表“{self.sheet}”" if self.sheet else "",
            f"第{self.row}行" if self.row else "",
        ]
        return " ".join(p for p in parts if p)


def run(conn: Connection, year: int | None = None) -> list[Problem]:
    """Every problem in the ledger at the end of ``year`` (or in all snapshots when None)."""
    as_of = year_end(year) if year is not None else None
    problems: list[Problem] = []
    problems += database(conn)
    problems += snapshots(conn, as_of)
    problems += rosters(conn, as_of)
    problems += people(conn, as_of)
    problems += no_township(conn)
    problems.sort(key=lambda p: p.severity != ERROR)  # stable: errors first, each check's order kept
    return problems


# ---------------------------------------------------------------- the database file


def database(conn: Connection) -> list[Problem]:
    """SQLite's own checks (docs/reliability.md promise 4); other databases keep their own."""
    if conn.dialect.name != "sqlite":
        return []
    out = []
    lines = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchmany(MAX_DB_PROBLEMS)]
    if lines != ["ok"]:
        out += [Problem("integrity", ERROR, f"数据库完整性检查失败：{line}；请从备份恢复") for line in lines]
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(
        MAX_DB_PROBLEMS
    ):
        out.append(
            Problem(
                "foreign_key",
                ERROR,
                f"数据库外键检查失败：表 {table} 第 {rowid} 条记录引用的 {parent} 不存在",
                numbers={"table": table, "rowid": rowid, "parent": parent},
            )
        )
    return out


# ---------------------------------------------------------------- snapshots

S = Snapshot
_PARTY_TOTAL = func.coalesce(S.party_members, 0) + func.coalesce(S.probationary_members, 0)

#: (code, severity, condition, numbers shown, message template)
SNAPSHOT_RULES: list[tuple[str, str, ColumnElement[bool], tuple[str, ...], str]] = [
    (
        "members_above_employees",
        ERROR,
        S.union_members > S.employees,
        ("union_members", "employees"),
        "会员 {union_members} 人，超过从业人员 {employees} 人",
    ),
    (
        "migrant_members_above_migrants",
        ERROR,
        S.migrant_union_members > S.migrant_workers,
        ("migrant_union_members", "migrant_workers"),
        "农民工会员 {migrant_union_members} 人，超过农民工 {migrant_workers} 人",
    ),
    (
        "migrant_members_above_members",
        ERROR,
        S.migrant_union_members > S.union_members,
        ("migrant_union_members", "union_members"),
        "农民工会员 {migrant_union_members} 人，超过会员 {union_members} 人",
    ),
    (
        "party_members_above_employees",
        ERROR,
        S.employees < _PARTY_TOTAL,
        ("party_members", "probationary_members", "employees"),
        "党员 {party_members} 人（另有预备党员 {probationary_members} 人），超过从业人员 {employees} 人",
    ),
    (
        "migrants_above_employees",
        ERROR,
        S.migrant_workers > S.employees,
        ("migrant_workers", "employees"),
        "农民工 {migrant_workers} 人，超过从业人员 {employees} 人",
    ),
    (
        "female_above_employees",
        ERROR,
        S.female_employees > S.employees,
        ("female_employees", "employees"),
        "女职工 {female_employees} 人，超过从业人员 {employees} 人",
    ),
    (
        "away_members_above_away",
        ERROR,
        S.migrant_union_members > S.villagers_away,
        ("migrant_union_members", "villagers_away"),
        "入会的外出务工人员 {migrant_union_members} 人，超过外出务工人员 {villagers_away} 人",
    ),
    (
        "union_without_members",
        WARNING,
        and_(S.union_form.in_(COVERING_UNIONS), S.union_members == 0),
        ("union_form", "union_members"),
        "已有工会（{union_form}），但会员为 0",
    ),
    (
        "members_without_union",
        ERROR,
        and_(S.union_form == "none", S.union_members > 0),
        ("union_members",),
        "工会填“未建”，却有会员 {union_members} 人",
    ),
    (
        "union_after_snapshot",
        ERROR,
        S.union_established_on > S.as_of,
        ("union_established_on", "as_of"),
        "建会时间 {union_established_on} 晚于数据截至日期 {as_of}",
    ),
]


def _where_snapshot(as_of: dt.date | None) -> Any:
    q = (
        select(
            S,
            Unit.name.label("unit_called"),
            Unit.credit_code,
            Township.name.label("township"),
            ImportBatch.file_name,
        )
        .join(Unit, Unit.id == S.unit_id)
        .outerjoin(Township, Township.id == Unit.township_id)
        .outerjoin(ImportBatch, ImportBatch.id == S.batch_id)
    )
    if as_of is not None:
        lt = latest(as_of)
        q = q.join(lt, and_(S.unit_id == lt.c.unit_id, S.as_of == lt.c.as_of))
    return q.order_by(Township.name, Unit.name, S.as_of)


def snapshots(conn: Connection, as_of: dt.date | None) -> list[Problem]:
    """Figures of one snapshot that contradict each other."""
    out = []
    base = _where_snapshot(as_of)
    for code, severity, cond, shown, template in SNAPSHOT_RULES:
        for r in conn.execute(base.where(cond)).mappings():
            numbers = {k: r[k] for k in shown}
            text = {
                k: UNION_FORMS.get(v, v) if k == "union_form" else (0 if v is None else v)
                for k, v in numbers.items()
            }
            out.append(
                Problem(
                    code,
                    severity,
                    f"{r['as_of']}：" + template.format(**text),
                    unit=r["unit_called"],
                    township=r["township"],
                    credit_code=r["credit_code"],
                    as_of=r["as_of"],
                    numbers=numbers,
                    file=r["file_name"],
                    sheet=r["sheet"],
                    row=r["row"],
                )
            )
    return out


# ---------------------------------------------------------------- rosters


def _current(as_of: dt.date | None) -> ColumnElement[bool]:
    """Memberships that hold at ``as_of``: joined on or before it (or date unknown) and not left."""
    if as_of is None:
        return Membership.left_on.is_(None)
    joined = or_(Membership.joined_on.is_(None), Membership.joined_on <= as_of)
    return and_(joined, or_(Membership.left_on.is_(None), Membership.left_on > as_of))


def rosters(conn: Connection, as_of: dt.date | None) -> list[Problem]:
    """A roster against its unit's declared figures: member count, and Party members (政治面貌)."""
    counted: dict[int, int] = defaultdict(int)
    party: dict[int, int] = defaultdict(int)
    q = (
        select(Membership.unit_id, Person.politics, func.count())
        .join(Person, Person.id == Membership.person_id)
        .where(_current(as_of))
        .group_by(Membership.unit_id, Person.politics)
    )
    for unit_id, politics, n in conn.execute(q):
        counted[unit_id] += n
        if is_party_member(politics):
            party[unit_id] += n
    if not counted:
        return []
    base = _where_snapshot(as_of or dt.date.max).where(S.unit_id.in_(counted))
    out = []
    for r in conn.execute(base).mappings():
        uid = r["unit_id"]
        where = {
            "unit": r["unit_called"],
            "township": r["township"],
            "credit_code": r["credit_code"],
            "as_of": r["as_of"],
            "file": r["file_name"],
            "sheet": r["sheet"],
            "row": r["row"],
        }
        declared = r["union_members"]
        if declared is not None and declared != counted[uid]:
            diff = counted[uid] - declared
            gap = f"少 {-diff} 人" if diff < 0 else f"多 {diff} 人"
            out.append(
                Problem(
                    "roster_count_mismatch",
                    WARNING,
                    f"花名册上有会员 {counted[uid]} 人，台账（{r['as_of']}）填报会员 {declared} 人，花名册{gap}",
                    numbers={"roster": counted[uid], "declared": declared},
                    **where,
                )
            )
        declared_party = (
            None if r["party_members"] is None else r["party_members"] + (r["probationary_members"] or 0)
        )
        if declared_party is not None and party[uid] > declared_party:
            out.append(
                Problem(
                    "roster_party_members",
                    WARNING,
                    f"花名册上政治面貌为党员（含预备党员）的有 {party[uid]} 人，超过台账（{r['as_of']}）填报的党员 {declared_party} 人",
                    numbers={"roster": party[uid], "declared": declared_party},
                    **where,
                )
            )
    return out


# ---------------------------------------------------------------- people


def _memberships(
    conn: Connection, condition: ColumnElement[bool] | None = None
) -> dict[int, list[dict[str, Any]]]:
    """Each person's memberships (unit and the roster row it came from), first imported first."""
    q = (
        select(
            Membership.person_id,
            Membership.sheet,
            Membership.row,
            Unit.name,
            Unit.credit_code,
            Township.name.label("township"),
            ImportBatch.file_name,
        )
        .join(Unit, Unit.id == Membership.unit_id)
        .outerjoin(Township, Township.id == Unit.township_id)
        .outerjoin(ImportBatch, ImportBatch.id == Membership.batch_id)
        .order_by(Membership.id)
    )
    if condition is not None:
        q = q.where(condition)
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(q).mappings():
        rows[r["person_id"]].append(dict(r))
    return rows


def _person_problem(
    code: str, severity: str, message: str, person: Any, memberships: list[dict[str, Any]], **numbers: Any
) -> Problem:
    first = memberships[0] if memberships else {}
    return Problem(
        code,
        severity,
        message,
        unit="、".join(m["name"] for m in memberships) or None,
        township="、".join(dict.fromkeys(m["township"] or "" for m in memberships)) or None,
        credit_code="、".join(m["credit_code"] or "" for m in memberships) or None,
        person=person.name,
        id_number=person.id_number,
        numbers=numbers,
        file=first.get("file_name"),
        sheet=first.get("sheet"),
        row=first.get("row"),
    )


def people(conn: Connection, as_of: dt.date | None) -> list[Problem]:
    """Invalid ID numbers, sex against the ID's 17th digit, and people on two rosters (转会)."""
    all_rows = _memberships(conn)
    current = _memberships(conn, _current(as_of))
    out = []
    q = select(Person.id, Person.name, Person.id_number, Person.id_valid, Person.sex).order_by(Person.id)
    for p in conn.execute(q):
        label = f"{p.name}（{mask_id(p.id_number)}）"
        chk = check_id(p.id_number)
        if not p.id_valid or not chk.valid:
            out.append(
                _person_problem(
                    "invalid_id",
                    ERROR,
                    f"{label}：身份证号{chk.reason or '无效'}，请核实",
                    p,
                    all_rows.get(p.id, []),
                )
            )
        elif p.sex and chk.sex and p.sex != chk.sex:
            out.append(
                _person_problem(
                    "sex_mismatch",
                    WARNING,
                    f"{label}：花名册性别为“{p.sex}”，身份证号第17位表示“{chk.sex}”",
                    p,
                    all_rows.get(p.id, []),
                    roster=p.sex,
                    from_id=chk.sex,
                )
            )
        units = current.get(p.id, [])
        if len({m["credit_code"] or m["name"] for m in units}) > 1:
            names = "、".join(m["name"] for m in units)
            out.append(
                _person_problem(
                    "two_rosters",
                    WARNING,
                    f"{label}同时在 {len(units)} 个单位的花名册上（{names}），转会中？",
                    p,
                    units,
                    units=len(units),
                )
            )
    return out


def no_township(conn: Connection) -> list[Problem]:
    """Units that no township roll-up can count."""
    q = (
        select(Unit.name, Unit.credit_code, ImportBatch.file_name)
        .outerjoin(ImportBatch, ImportBatch.id == Unit.batch_id)
        .where(Unit.township_id.is_(None))
        .order_by(Unit.name)
    )
    return [
        Problem(
            "no_township",
            WARNING,
            "单位没有所属乡镇，乡镇汇总中不会计入",
            unit=name,
            credit_code=code,
            file=file,
        )
        for name, code, file in conn.execute(q)
    ]


def flagged(conn: Connection, batch_id: int) -> list[Problem]:
    """The rows of one import that contradict themselves (kept as written and marked): what the
    import summary lists."""
    from djgj.records.plausible import contradictions

    q = _where_snapshot(None).where(S.batch_id == batch_id, S.flags.is_not(None))
    out = []
    for r in conn.execute(q).mappings():
        values = dict(r)
        found = contradictions(values, r["as_of"])
        out.append(
            Problem(
                ",".join(code for code, _ in found) or r["flags"],
                ERROR,
                "；".join(m for _, m in found) or r["flags"],
                unit=r["unit_called"],
                township=r["township"],
                credit_code=r["credit_code"],
                as_of=r["as_of"],
                file=r["file_name"],
                sheet=r["sheet"],
                row=r["row"],
            )
        )
    return out


__all__ = ["ERROR", "WARNING", "Problem", "SNAPSHOT_RULES", "flagged", "run"]
