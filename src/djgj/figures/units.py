"""One unit at a time: find units by any part of name or credit code, show one with every dated
snapshot and where each value came from, and summarise the ledger as a whole (`djgj info`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from djgj.figures.metrics import latest
from djgj.ledger.corrections import find_unit
from djgj.ledger.models import Correction, ImportBatch, Snapshot, Township, Unit
from djgj.read.values import normalise_name
from djgj.vocab.fields import SNAPSHOT_FIELDS


def search(
    conn: Connection,
    words: list[str],
    *,
    township: str | None = None,
    kind: str | None = None,
    limit: int | None = 200,
) -> list[dict[str, Any]]:
    """Units whose name or credit code holds every word (any part, any order), with their latest values."""
    lt = latest(dt.date.max)
    q = (
        select(
            Unit.name,
            Unit.credit_code,
            Township.name.label("township"),
            Unit.kind,
            Snapshot.as_of,
            Snapshot.employees,
            Snapshot.party_org,
            Snapshot.union_form,
        )
        .select_from(Unit)
        .outerjoin(Township, Township.id == Unit.township_id)
        .outerjoin(lt, lt.c.unit_id == Unit.id)
        .outerjoin(Snapshot, and_(Snapshot.unit_id == Unit.id, Snapshot.as_of == lt.c.as_of))
        .order_by(Township.name, Unit.name)
    )
    for word in words:
        norm, code = normalise_name(word), word.strip().upper()
        q = q.where(
            or_(
                Unit.norm_name.contains(norm, autoescape=True),
                Unit.credit_code.contains(code, autoescape=True),
            )
        )
    if township:
        q = q.where(Township.name == township)
    if kind:
        q = q.where(Unit.kind == kind)
    if limit:
        q = q.limit(limit)
    return [dict(r._mapping) for r in conn.execute(q)]


def _source(row: Any) -> dict[str, Any]:
    return {"file": row.file_name, "sheet": row.sheet, "row": row.row}


def show(conn: Connection, key: str, township: str | None = None) -> dict[str, Any]:
    """A unit's identity, every dated snapshot (oldest first), and for each value its source: the
    file, sheet and row of the snapshot, or the correction that set it (who, when, why)."""
    unit = find_unit(conn, key, township)
    cols = [getattr(Snapshot, f) for f in SNAPSHOT_FIELDS]
    snaps = conn.execute(
        select(Snapshot.as_of, Snapshot.sheet, Snapshot.row, ImportBatch.file_name, *cols)
        .outerjoin(ImportBatch, ImportBatch.id == Snapshot.batch_id)
        .where(Snapshot.unit_id == unit.id)
        .order_by(Snapshot.as_of)
    ).all()
    fixes = conn.execute(
        select(*Correction.__table__.columns)
        .where(Correction.unit_id == unit.id)
        .order_by(Correction.at, Correction.id)
    ).all()
    corrections = [
        {
            "as_of": c.as_of,
            "field": c.field,
            "old": c.old_value,
            "new": c.new_value,
            "based_on": c.based_on,
            "reason": c.reason,
            "user": c.user,
            "at": c.at.replace(microsecond=0),
        }
        for c in fixes
    ]
    last_fix = {(c["as_of"], c["field"]): c for c in corrections}
    snapshots: list[dict[str, Any]] = []
    by_date: dict[dt.date, dict[str, Any]] = {}
    for s in snaps:
        based = next((c["based_on"] for c in corrections if c["as_of"] == s.as_of and c["based_on"]), None)
        source = _source(s)
        if based and s.file_name is None:  # created by a correction: the rest came from that snapshot
            source = {**by_date.get(based, source), "copied_from": based}
        by_date[s.as_of] = source
        values = {}
        for f in SNAPSHOT_FIELDS:
            fix = last_fix.get((s.as_of, f))
            v = getattr(s, f)
            if v is None and fix is None:
                continue
            values[f] = {"value": v, "source": {"correction": fix} if fix else source}
        snapshots.append({"as_of": s.as_of, "source": source, "values": values})
    identity = {
        "name": unit.name,
        "credit_code": unit.credit_code,
        "township": unit.township,
        "kind": unit.kind,
    }
    return {"unit": identity, "snapshots": snapshots, "corrections": corrections}


def summary(conn: Connection) -> dict[str, Any]:
    """What the ledger holds: units, snapshots, townships, years and the last import."""
    towns = [r[0] for r in conn.execute(select(Township.name).order_by(Township.name)) if r[0]]
    years = sorted({d.year for (d,) in conn.execute(select(Snapshot.as_of).distinct()) if d is not None})
    last = conn.execute(
        select(ImportBatch.file_name, ImportBatch.imported_at, ImportBatch.as_of, ImportBatch.status)
        .order_by(ImportBatch.imported_at.desc(), ImportBatch.id.desc())
        .limit(1)
    ).first()
    size = None
    if conn.dialect.name == "postgresql":
        size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    return {
        **({"size_bytes": size} if size is not None else {}),
        "units": conn.execute(select(func.count()).select_from(Unit)).scalar_one(),
        "snapshots": conn.execute(select(func.count()).select_from(Snapshot)).scalar_one(),
        "imports": conn.execute(select(func.count()).select_from(ImportBatch)).scalar_one(),
        "corrections": conn.execute(select(func.count()).select_from(Correction)).scalar_one(),
        "townships": towns,
        "years": years,
        "last_import": dict(last._mapping) if last else None,
    }
