"""Correcting one value by hand: `djgj set UNIT FIELD VALUE --as-of DATE --reason TEXT`.

The value is read the way the importer reads a cell (`25人`, `√`, `2014.3`, 联合党支部 …), written
into the unit's snapshot of that date, and recorded as a `Correction` with the old value, the OS
user, the time and the reason, in one transaction. When the unit has no snapshot of that date, one
is created from its latest earlier snapshot, so figures of later years are not thrown back to an
older state; the correction names the snapshot it was copied from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from djgj.errors import UsageError
from djgj.ledger import state
from djgj.ledger.models import Correction, Snapshot, Township, Unit
from djgj.ledger.privacy import mask_text, os_user
from djgj.read import values as V
from djgj.records import plausible
from djgj.vocab.fields import SNAPSHOT_FIELDS

#: Columns copied when a correction creates a snapshot (provenance is not copied: see `based_on`).
_VALUE_COLUMNS = [*SNAPSHOT_FIELDS, "union_established_precision"]


def find_unit(conn: Connection, key: str, township: str | None = None) -> Any:
    """One unit by credit code or name (exact, normalised); several with that name → a usage error."""
    code = key.strip().upper()
    norm = V.normalise_name(key)
    q = (
        select(Unit.id, Unit.name, Unit.credit_code, Unit.kind, Township.name.label("township"))
        .outerjoin(Township, Township.id == Unit.township_id)
        .where((Unit.credit_code == code) | (Unit.norm_name == norm))
    )
    if township:
        q = q.where(Township.name == township)
    found = conn.execute(q).all()
    if not found:
        like = [
            n
            for (n,) in conn.execute(
                select(Unit.name)
                .where(Unit.norm_name.contains(norm, autoescape=True))
                .order_by(Unit.name)
                .limit(5)
            )
        ]
        hint = f"；名称相近的有：{'、'.join(like)}" if like and norm else "；可用 djgj units 关键词 查找"
        raise UsageError(f"台账中没有单位“{mask_text(key)}”（请写单位全称或统一社会信用代码）{hint}")
    if len(found) > 1:
        where = "、".join(f"{r.township or '未填乡镇'}的{r.name}" for r in found)
        raise UsageError(f"“{key}”对应多个单位（{where}）；请加 --township 或改用统一社会信用代码")
    return found[0]


def parse_value(field: str, text: str, kind: str | None = None) -> tuple[Any, str | None]:
    """A typed value for ``field`` from what a person types, and a date's precision; 未填 → None."""
    if field not in SNAPSHOT_FIELDS:
        raise UsageError(f"字段“{field}”不能用 djgj set 修改；可改的是快照中的数字、形式、人名和日期")
    value_kind = SNAPSHOT_FIELDS[field][0]
    if V.is_unknown(text):
        return None, None
    try:
        if value_kind == "count":
            return V.count(text), None
        if value_kind == "bool":
            return V.yes_no(text), None
        if value_kind == "date":
            got = V.date_value(text)
            return (got[0], got[1]) if got else (None, None)
        if value_kind == "party_org":
            return V.party_org(text), None
        if value_kind == "union_form":
            return V.union_form(text, kind=kind), None
        if value_kind == "grade":
            return V.grade(text), None
        return V.clean_text(text), None
    except V.ValueProblem as exc:
        raise UsageError(f"{SNAPSHOT_FIELDS[field][1]}：{exc}") from None


@dataclass
class CorrectionResult:
    unit: str
    credit_code: str | None
    township: str | None
    field: str
    as_of: dt.date
    old: Any
    new: Any
    based_on: dt.date | None
    created: bool
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _snapshot_at(conn: Connection, unit_id: int, as_of: dt.date) -> tuple[Any, bool]:
    """The unit's snapshot of ``as_of`` (exists=True), else its latest earlier one (or None)."""
    cols = [Snapshot.id, Snapshot.as_of, *(getattr(Snapshot, c) for c in _VALUE_COLUMNS)]
    row = conn.execute(select(*cols).where(Snapshot.unit_id == unit_id, Snapshot.as_of == as_of)).first()
    if row is not None:
        return row, True
    before = conn.execute(
        select(*cols)
        .where(Snapshot.unit_id == unit_id, Snapshot.as_of < as_of)
        .order_by(Snapshot.as_of.desc())
        .limit(1)
    ).first()
    return before, False


def set_value(
    conn: Connection,
    key: str,
    field: str,
    text: str,
    *,
    as_of: dt.date,
    reason: str,
    township: str | None = None,
    dry_run: bool = False,
) -> CorrectionResult:
    """Set one value of one unit's snapshot of ``as_of`` and record why (nothing written on dry run)."""
    if not reason.strip():
        raise UsageError("请用 --reason 写明更正的原因（如：乡镇来电更正，见 2015-03-02 记录）")
    unit = find_unit(conn, key, township)
    new, precision = parse_value(field, text, unit.kind)
    snap, exists = _snapshot_at(conn, unit.id, as_of)
    old = getattr(snap, field) if exists else (getattr(snap, field) if snap is not None else None)
    result = CorrectionResult(
        unit.name,
        unit.credit_code,
        unit.township,
        field,
        as_of,
        old,
        new,
        None if exists or snap is None else snap.as_of,
        not exists,
        dry_run,
    )
    if dry_run:
        return result
    values: dict[str, Any] = {field: new}
    if field == "union_established_on":
        values["union_established_precision"] = precision
    if exists:
        conn.execute(update(Snapshot).where(Snapshot.id == snap.id).values(**values))
    else:
        copied = {c: getattr(snap, c) for c in _VALUE_COLUMNS} if snap is not None else {}
        conn.execute(insert(Snapshot).values(unit_id=unit.id, as_of=as_of, **{**copied, **values}))
    _reflag(conn, unit.id, as_of)
    state.refresh(conn, [unit.id])  # the year-end state follows the corrected snapshot
    conn.execute(
        insert(Correction).values(
            unit_id=unit.id,
            as_of=as_of,
            field=field,
            old_value=_json(old),
            new_value=_json(new),
            based_on=result.based_on,
            reason=reason.strip(),
            user=os_user(),
            at=dt.datetime.now(),
        )
    )
    return result


def _reflag(conn: Connection, unit_id: int, as_of: dt.date) -> None:
    """A corrected snapshot is marked again by the same checks as an imported row (records.plausible)."""
    row = conn.execute(select(Snapshot).where(Snapshot.unit_id == unit_id, Snapshot.as_of == as_of)).first()
    if row is None:
        return
    found = plausible.contradictions(dict(row._mapping), as_of)
    flags = ",".join(code for code, _ in found) or None
    conn.execute(update(Snapshot).where(Snapshot.id == row.id).values(flags=flags))


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
