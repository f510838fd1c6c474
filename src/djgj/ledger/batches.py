"""Imports as records: what each import was (file, hash, who, when, options, counts), and taking one back.

Undoing an import removes the snapshots it created and restores the ones it changed to what they were
before it (from ``snapshot_history``), removes the memberships and people it added and the units it
created that nothing else holds, and gives every unit it touched back the name, kind and township of
its latest remaining snapshot — in one transaction, recorded in the audit log. The import stays
listed, as undone; the same file can then be imported again. An import whose values a later import
changed again is undone only after that later one (the message names it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, exists, select, update

from djgj.errors import UsageError
from djgj.ledger.match import chunks
from djgj.ledger.models import ImportBatch, Membership, Person, Snapshot, SnapshotHistory, Unit
from djgj.ledger.privacy import audit
from djgj.ledger.snapshots import ATTRIBUTE_COLUMNS, SNAPSHOT_VALUE_COLUMNS
from djgj.read.values import normalise_name

#: The options that decide how a file is read: the same file read with other ones is another reading.
READING_OPTIONS = ("as_of", "township", "kind", "map", "roster", "skip_bad_rows", "county")

STATUS_LABELS = {"ok": "有效", "failed": "被拒绝", "undone": "已撤销"}


def options_record(options: Any) -> dict[str, Any]:
    """An import's options as its batch keeps them (JSON)."""
    return {
        "as_of": options.as_of.isoformat() if options.as_of else None,
        "township": options.township,
        "kind": options.kind,
        "map": dict(sorted((options.overrides or {}).items())),
        "sheet": options.sheet,
        "roster": bool(options.roster),
        "skip_bad_rows": bool(options.skip_bad_rows),
        "county": options.county or "",
    }


@dataclass
class Earlier:
    """Earlier successful readings of the same file: one with the same options, or others to replace."""

    same: int | None = None
    other: list[int] = field(default_factory=list)


def _same_reading(row: Any, new: dict[str, Any]) -> bool:
    stored = row.options
    if stored is None:  # a ledger's imports from before options were kept: only what it recorded
        as_of_ok = new["as_of"] is None or (row.as_of is not None and new["as_of"] == row.as_of.isoformat())
        town_ok = new["township"] is None or new["township"] == row.township
        return (
            as_of_ok
            and town_ok
            and not new["kind"]
            and not new["map"]
            and new["roster"] == (row.kind == "roster")
        )
    for key in READING_OPTIONS:
        if stored.get(key) == new[key]:
            continue
        # The date the title gave, now also given as --as-of: the same reading.
        if (
            key == "as_of"
            and row.as_of is not None
            and new["as_of"] == row.as_of.isoformat()
            and not stored[key]
        ):
            continue
        return False
    return True


def earlier_readings(engine: Engine, sha256: str, options: Any) -> Earlier:
    """The batches that already imported this file (and this sheet, when one is named)."""
    new = options_record(options)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                ImportBatch.id,
                ImportBatch.options,
                ImportBatch.columns,
                ImportBatch.as_of,
                ImportBatch.township,
                ImportBatch.kind,
            )
            .where(ImportBatch.sha256 == sha256, ImportBatch.status == "ok")
            .order_by(ImportBatch.id)
        ).all()
    found = Earlier()
    for row in rows:
        if row.options is None:
            if options.sheet is not None and options.sheet not in (row.columns or {}):
                continue
        elif row.options.get("sheet") != options.sheet:
            continue
        if _same_reading(row, new):
            found.same = int(row.id)
            return found
        found.other.append(int(row.id))
    return found


@dataclass
class Undone:
    batch_id: int
    file: str
    snapshots_removed: int = 0
    snapshots_restored: int = 0
    units_removed: int = 0
    units_restored: int = 0
    memberships_removed: int = 0
    people_removed: int = 0


def _batch(conn: Connection, batch_id: int) -> Any:
    b = conn.execute(select(ImportBatch).where(ImportBatch.id == batch_id)).first()
    if b is None:
        raise UsageError(f"没有编号为 {batch_id} 的导入；djgj imports 列出所有导入及其编号")
    if b.status == "undone":
        by = f"（由导入 {b.replaced_by} 取代）" if b.replaced_by else ""
        raise UsageError(
            f"导入 {batch_id}（{b.file_name}）已于 {b.undone_at:%Y-%m-%d %H:%M} 撤销{by}，无需再撤销"
        )
    if b.status != "ok":
        raise UsageError(f"导入 {batch_id}（{b.file_name}）被拒绝过，没有写入任何数据，无需撤销")
    return b


def _later_changes(conn: Connection, batch_id: int, touched: list[int]) -> list[int]:
    """Later imports that replaced values this one wrote, or changed a snapshot it wrote or changed."""
    q = select(SnapshotHistory.replaced_by).where(SnapshotHistory.batch_id == batch_id)
    later: set[int] = set(r for (r,) in conn.execute(q))
    for chunk in chunks(touched):
        q = select(SnapshotHistory.replaced_by).where(
            SnapshotHistory.snapshot_id.in_(chunk), SnapshotHistory.replaced_by > batch_id
        )
        later.update(r for (r,) in conn.execute(q))
    return sorted(later)


def undo_batch(conn: Connection, batch_id: int, *, replaced_by: int | None = None) -> Undone:
    """Take one import back inside the caller's transaction (see the module's docstring)."""
    b = _batch(conn, batch_id)
    out = Undone(batch_id, b.file_name)
    created = conn.execute(select(Snapshot.id, Snapshot.unit_id).where(Snapshot.batch_id == batch_id)).all()
    restored = conn.execute(select(SnapshotHistory).where(SnapshotHistory.replaced_by == batch_id)).all()
    later = _later_changes(
        conn, batch_id, sorted({i for i, _ in created} | {h.snapshot_id for h in restored})
    )
    if later:
        shown = "、".join(map(str, later))
        raise UsageError(
            f"导入 {batch_id}（{b.file_name}）之后，导入 {shown} 又改动了同一单位同一日期的数值；"
            f"请先撤销 {shown}（djgj undo {later[-1]}），再撤销 {batch_id}"
        )
    _restore(conn, restored)
    out.snapshots_restored = len(restored)
    conn.execute(delete(SnapshotHistory).where(SnapshotHistory.replaced_by == batch_id))
    out.snapshots_removed = conn.execute(delete(Snapshot).where(Snapshot.batch_id == batch_id)).rowcount
    out.memberships_removed = conn.execute(delete(Membership).where(Membership.batch_id == batch_id)).rowcount
    out.people_removed = conn.execute(
        delete(Person).where(Person.batch_id == batch_id, ~exists().where(Membership.person_id == Person.id))
    ).rowcount
    out.units_removed = conn.execute(
        delete(Unit).where(
            Unit.batch_id == batch_id,
            ~exists().where(Snapshot.unit_id == Unit.id),
            ~exists().where(Membership.unit_id == Unit.id),
        )
    ).rowcount
    touched_units = {u for _, u in created} | {h.unit_id for h in restored}
    out.units_restored = _restore_attributes(conn, sorted(touched_units))
    conn.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(status="undone", undone_at=dt.datetime.now(), replaced_by=replaced_by)
    )
    return out


def _restore(conn: Connection, restored: Sequence[Any]) -> None:
    """Snapshots this import changed, back to the values (and provenance) they had before it."""
    if not restored:
        return
    columns = [*SNAPSHOT_VALUE_COLUMNS, *ATTRIBUTE_COLUMNS, "batch_id", "sheet", "row"]
    rows = [{**{k: getattr(h, k) for k in columns}, "_id": h.snapshot_id} for h in restored]
    change = (
        update(Snapshot).where(Snapshot.id == bindparam("_id")).values({k: bindparam(k) for k in columns})
    )
    conn.execute(change, rows)


def _restore_attributes(conn: Connection, unit_ids: list[int]) -> int:
    """Each remaining unit's name, kind and township: those of its latest snapshot that gives them."""
    changed = 0
    for chunk in chunks(unit_ids):
        current = {
            u.id: u
            for u in conn.execute(
                select(Unit.id, Unit.name, Unit.kind, Unit.township_id).where(Unit.id.in_(chunk))
            )
        }
        latest: dict[int, dict[str, Any]] = {}
        q = (
            select(Snapshot.unit_id, Snapshot.unit_name, Snapshot.unit_kind, Snapshot.township_id)
            .where(Snapshot.unit_id.in_(list(current)))
            .order_by(Snapshot.unit_id, Snapshot.as_of.desc())
        )
        for uid, name, kind, town in conn.execute(q):
            got = latest.setdefault(uid, {})
            for key, value in (("name", name), ("kind", kind), ("township_id", town)):
                if value is not None:
                    got.setdefault(key, value)
        for uid, wanted in latest.items():
            unit = current[uid]
            changes = {k: v for k, v in wanted.items() if getattr(unit, k) != v}
            if changes:
                if "name" in changes:
                    changes["norm_name"] = normalise_name(changes["name"])
                conn.execute(update(Unit).where(Unit.id == uid).values(**changes))
                changed += 1
    return changed


def undo(engine: Engine, batch_id: int, *, dry_run: bool = False) -> Undone:
    """`djgj undo`: one import taken back in one transaction, recorded in the audit log."""

    class _Rollback(Exception):
        pass

    result: Undone | None = None
    try:
        with engine.begin() as conn:
            result = undo_batch(conn, batch_id)
            if dry_run:
                raise _Rollback
            audit(
                conn,
                "undo",
                json.dumps({"batch": batch_id, "file": result.file, **_counts(result)}, ensure_ascii=False),
            )
    except _Rollback:
        pass
    assert result is not None
    return result


def _counts(u: Undone) -> dict[str, int]:
    return {k: v for k, v in vars(u).items() if isinstance(v, int) and k != "batch_id"}


def options_text(options: dict[str, Any] | None) -> str:
    """The options as the command line would give them (for tables)."""
    if not options:
        return ""
    parts = []
    for key, flag in (
        ("as_of", "--as-of"),
        ("township", "--township"),
        ("kind", "--kind"),
        ("sheet", "--sheet"),
        ("county", "--county"),
    ):
        if options.get(key):
            parts.append(f"{flag} {options[key]}")
    parts += [f"--map '{h}={f}'" for h, f in (options.get("map") or {}).items()]
    parts += [
        flag
        for key, flag in (("roster", "--roster"), ("skip_bad_rows", "--skip-bad-rows"))
        if options.get(key)
    ]
    return " ".join(parts)


def list_imports(engine: Engine) -> list[dict[str, Any]]:
    """Every import, oldest first: what `djgj imports` shows."""
    with engine.connect() as conn:
        batches = conn.execute(select(ImportBatch).order_by(ImportBatch.id)).all()
    rows = []
    for b in batches:
        counts = dict(b.counts or {})
        townships = counts.pop("townships", None) or ([b.township] if b.township else [])
        status = b.status
        rows.append(
            {
                "id": b.id,
                "file": b.file_name,
                "sha256": b.sha256,
                "imported_at": b.imported_at.isoformat(timespec="seconds") if b.imported_at else None,
                "user": b.user or "",
                "kind": b.kind,
                "format": b.format,
                "as_of": b.as_of,
                "townships": townships,
                "options": b.options or {},
                "rows": b.rows or 0,
                "units_created": b.units_created or 0,
                "snapshots_created": counts.get("snapshots_created", b.snapshots_written or 0),
                "snapshots_updated": counts.get("snapshots_updated", 0),
                "conflicts": counts.get("conflicts", 0),
                "blanks_kept": counts.get("blanks_kept", 0),
                "status": status,
                "status_label": _status_label(b),
                "undone_at": b.undone_at.isoformat(timespec="seconds") if b.undone_at else None,
                "replaced_by": b.replaced_by,
                "message": b.message or "",
            }
        )
    return rows


def _status_label(b: Any) -> str:
    if b.status == "undone" and b.replaced_by:
        return f"已由导入 {b.replaced_by} 取代"
    return STATUS_LABELS.get(b.status, b.status)


__all__ = [
    "Earlier",
    "Undone",
    "earlier_readings",
    "list_imports",
    "options_record",
    "options_text",
    "undo",
    "undo_batch",
]
