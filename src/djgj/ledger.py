"""Write validated records into the ledger, one transaction per file.

Units are matched by credit code, else by normalised name within their township. A snapshot is
unique per unit and date: a second file with the same unit and date fills in what the first did
not give and never overwrites a known value with a blank. A file already imported (same sha256)
changes nothing. A refused file leaves only the record of the attempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError

from . import importer, sources
from .db import translate
from .errors import DjgjError
from .fields import SNAPSHOT_FIELDS
from .models import ImportBatch, Snapshot, Township, Unit

SNAPSHOT_VALUE_COLUMNS = [*SNAPSHOT_FIELDS, "union_established_precision"]
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    file: str
    status: str  # imported | already | dry_run
    format: str = ""
    as_of: dt.date | None = None
    townships: list[str] = field(default_factory=list)
    rows: int = 0
    units_created: int = 0
    units_updated: int = 0
    snapshots_created: int = 0
    snapshots_updated: int = 0
    snapshots_unchanged: int = 0
    people: int = 0
    memberships: int = 0
    batch_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    normalised: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    rejects: list[dict[str, Any]] = field(default_factory=list)


class _DryRun(Exception):
    pass


def import_file(
    engine: Engine,
    path: str | Path,
    options: importer.Options,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file; raise `DjgjError` (ledger unchanged) when anything in it is refused."""
    wb = sources.read(path)
    if not dry_run:
        previous = _already_imported(engine, wb.sha256, options.sheet)
        if previous is not None:
            return ImportResult(
                file=str(path),
                status="already",
                format=wb.format,
                batch_id=previous,
                warnings=[f"该文件（内容相同）已于批次 {previous} 导入，本次未做任何改动"],
            )
    try:
        parsed = importer.parse(wb, options)
        result = ImportResult(
            file=str(path),
            status="dry_run" if dry_run else "imported",
            format=wb.format,
            as_of=parsed.as_of,
            townships=sorted(parsed.townships),
            rows=len(parsed.records),
            warnings=parsed.warnings,
            normalised=dict(parsed.normalised),
            columns=parsed.columns,
            rejects=parsed.rejects,
        )
        try:
            with engine.begin() as conn:
                batch_id = _insert_batch(conn, wb, parsed, options)
                result.batch_id = batch_id
                _write_records(conn, parsed, batch_id, result, progress)
                if parsed.roster_tables:
                    from . import roster

                    roster.write(conn, wb, parsed, batch_id, result)
                _finish_batch(conn, batch_id, result)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            result.batch_id = None
        except DBAPIError as exc:
            raise translate(exc) from None
    except DjgjError as exc:
        if not dry_run:
            _record_failure(engine, wb, options, exc)
        raise
    return result


def _already_imported(engine: Engine, sha256: str, sheet: str | None) -> int | None:
    """The batch that already imported this file (and this sheet, when one is named)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(ImportBatch.id, ImportBatch.columns).where(
                ImportBatch.sha256 == sha256, ImportBatch.status == "ok"
            )
        ).all()
    for batch_id, columns in rows:
        if sheet is None or sheet in (columns or {}):
            return int(batch_id)
    return None


def _insert_batch(
    conn: Connection, wb: sources.Workbook, parsed: importer.Parsed, options: importer.Options
) -> int:
    return int(
        conn.execute(
            insert(ImportBatch)
            .values(
                file_name=wb.path.name,
                sha256=wb.sha256,
                format=wb.format,
                kind="roster" if parsed.roster_tables and not parsed.records else "ledger",
                as_of=parsed.as_of,
                township=options.township,
                imported_at=dt.datetime.now(),
                status="ok",
                columns=parsed.columns,
                warnings=parsed.warnings,
            )
            .returning(ImportBatch.id)
        ).scalar_one()
    )


def _finish_batch(conn: Connection, batch_id: int, result: ImportResult) -> None:
    conn.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(
            rows=result.rows,
            units_created=result.units_created,
            units_updated=result.units_updated,
            snapshots_written=result.snapshots_created + result.snapshots_updated,
            warnings=result.warnings,
        )
    )


def _record_failure(engine: Engine, wb: sources.Workbook, options: importer.Options, exc: DjgjError) -> None:
    """Keep the record of a refused attempt; never let that bookkeeping hide the real error."""
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(ImportBatch).values(
                    file_name=wb.path.name,
                    sha256=wb.sha256,
                    format=wb.format,
                    kind="ledger",
                    as_of=options.as_of,
                    township=options.township,
                    imported_at=dt.datetime.now(),
                    status="failed",
                    message=str(exc)[:4000],
                )
            )
    except Exception:  # noqa: BLE001 - the ledger may be read-only or busy; the refusal is what matters
        pass


def township_ids(conn: Connection, names: set[str], county: str = "", city: str = "") -> dict[str, int]:
    """Ids of the named townships of one county (created when new); '' is a county ledger's own."""

    def known() -> dict[str, int]:
        q = select(Township.id, Township.name).where(Township.county == county, Township.city == city)
        return {n: i for i, n in conn.execute(q)}

    ids = known()
    missing = sorted(n for n in names if n not in ids)
    if missing:
        conn.execute(insert(Township), [{"name": n, "county": county, "city": city} for n in missing])
        ids = known()
    return ids


def _write_records(
    conn: Connection, parsed: importer.Parsed, batch_id: int, result: ImportResult, progress: Progress | None
) -> None:
    """Match every record to a unit, then write units and snapshots in bulk (executemany)."""
    records = parsed.records
    if not records:
        return
    towns = township_ids(conn, {r.township for r in records if r.township}, county=parsed.county)
    by_code: dict[str, int] = {}
    by_name: dict[tuple[int | None, str], int] = {}
    units: dict[int, dict[str, Any]] = {}
    for known_id, code, known_town, norm, name, kind in conn.execute(
        select(Unit.id, Unit.credit_code, Unit.township_id, Unit.norm_name, Unit.name, Unit.kind)
    ):
        if code:
            by_code[code] = known_id
        by_name.setdefault((known_town, norm), known_id)
        units[known_id] = {"credit_code": code, "township_id": known_town, "name": name, "kind": kind}

    # 1. Units: match by credit code, else by normalised name in the township; create the rest in bulk.
    matched: list[int | None] = []
    new_units: list[dict[str, Any]] = []
    pending: dict[tuple[Any, ...], int] = {}  # identity -> index in new_units, for repeats within the file
    unit_updates: dict[int, dict[str, Any]] = {}
    for rec in records:
        tid = towns.get(rec.township) if rec.township else None
        uid: int | None = by_code.get(rec.credit_code) if rec.credit_code else None
        if uid is None:
            candidate = by_name.get((tid, rec.norm_name))
            if candidate is not None and (not rec.credit_code or not units[candidate]["credit_code"]):
                uid = candidate
        wanted = {"name": rec.name, "kind": rec.kind, "township_id": tid, "credit_code": rec.credit_code}
        if uid is None:
            key = ("code", rec.credit_code) if rec.credit_code else ("name", tid, rec.norm_name)
            if key not in pending:
                pending[key] = len(new_units)
                new_units.append({**wanted, "norm_name": rec.norm_name, "batch_id": batch_id})
            matched.append(-1 - pending[key])
            continue
        known = units[uid]
        changes = {k: v for k, v in wanted.items() if v is not None and known.get(k) != v}
        if changes:
            if "name" in changes:
                changes["norm_name"] = rec.norm_name
            known.update(changes)
            unit_updates.setdefault(uid, {}).update(changes)
        matched.append(uid)
    new_ids: list[int] = []
    if new_units:
        stmt = insert(Unit).returning(Unit.id, sort_by_parameter_order=True)
        new_ids = [row[0] for row in conn.execute(stmt, new_units)]
        result.units_created += len(new_ids)
    for uid, changes in unit_updates.items():
        conn.execute(update(Unit).where(Unit.id == uid).values(**changes))
    result.units_updated += len(unit_updates)
    if progress:
        progress(len(records) // 3, len(records))

    # 2. Snapshots: insert new ones in bulk; update existing ones only where a value is given and differs.
    as_of = parsed.as_of
    existing = {
        row.unit_id: row._asdict() for row in conn.execute(select(Snapshot).where(Snapshot.as_of == as_of))
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for rec, m in zip(records, matched, strict=True):
        unit_id = new_ids[-1 - m] if m is not None and m < 0 else m
        assert unit_id is not None
        new = {k: rec.values.get(k) for k in SNAPSHOT_VALUE_COLUMNS}
        old = existing.get(unit_id)
        if old is None:
            inserts.append(
                {
                    "unit_id": unit_id,
                    "as_of": as_of,
                    "batch_id": batch_id,
                    "sheet": rec.sheet,
                    "row": rec.row,
                    **new,
                }
            )
            existing[unit_id] = {"id": None, **new}
            continue
        # Never overwrite a known value with a blank: only values this file gives replace old ones.
        changes = {k: v for k, v in new.items() if v is not None and old.get(k) != v}
        if not changes:
            result.snapshots_unchanged += 1
            continue
        old.update(changes)
        if old["id"] is None:  # the same unit twice in this file (different rows, e.g. two sheets)
            for row in inserts:
                if row["unit_id"] == unit_id:
                    row.update(changes)
            continue
        updates.append(
            {
                **{k: old.get(k) for k in SNAPSHOT_VALUE_COLUMNS},
                "_id": old["id"],
                "batch_id": batch_id,
                "sheet": rec.sheet,
                "row": rec.row,
            }
        )
    if inserts:
        conn.execute(insert(Snapshot), inserts)
        result.snapshots_created += len(inserts)
    if updates:
        change = (
            update(Snapshot)
            .where(Snapshot.id == bindparam("_id"))
            .values({k: bindparam(k) for k in [*SNAPSHOT_VALUE_COLUMNS, "batch_id", "sheet", "row"]})
        )
        conn.execute(change, updates)
        result.snapshots_updated += len(updates)
    if progress:
        progress(len(records), len(records))
