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

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from djgj.errors import DjgjError
from djgj.ledger import bulk
from djgj.ledger.db import translate
from djgj.ledger.models import ImportBatch, Snapshot, Township, Unit
from djgj.read import files as sources
from djgj.records import parse as importer
from djgj.vocab.fields import SNAPSHOT_FIELDS

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
    if not dry_run and Path(path).is_file():
        # A file imported before is known by its hash alone: no need to read and parse it again.
        previous = _already_imported(engine, sources.sha256_of(Path(path)), options.sheet)
        if previous is not None:
            return ImportResult(
                file=str(path),
                status="already",
                format=Path(path).suffix.lstrip(".").lower(),
                batch_id=previous,
                warnings=[f"该文件（内容相同）已于批次 {previous} 导入，本次未做任何改动"],
            )
    tf = sources.text_file(path)
    if tf is not None:
        streamed = _import_streamed(engine, path, tf, options, dry_run, progress)
        if streamed is not None:
            return streamed
    wb = sources.read(path)
    try:
        parsed = importer.parse(wb, options)
        result = _new_result(path, wb.format, parsed, dry_run)
        result.townships = sorted(parsed.townships)
        result.rows = len(parsed.records)
        result.normalised = dict(parsed.normalised)
        try:
            with engine.begin() as conn:
                batch_id = _insert_batch(conn, wb, parsed, options)
                result.batch_id = batch_id
                _write_records(conn, parsed, batch_id, result, progress)
                if parsed.roster_tables:
                    from djgj.ledger import rosters as roster

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


def _import_streamed(
    engine: Engine,
    path: str | Path,
    tf: sources.TextFile,
    options: importer.Options,
    dry_run: bool,
    progress: Progress | None,
) -> ImportResult | None:
    """A ledger CSV read, checked and written row by row, in rounds inside the file's one transaction:
    memory does not grow with the file's length. None when the file is anything else or anything in
    it is refused (the transaction is then rolled back): the caller reads it whole, as always."""
    try:
        stream = importer.stream_csv(tf, sources.sha256_of(tf.path), options, BATCH_ROWS)
    except (importer.Fallback, DjgjError):
        return None
    parsed = stream.parsed
    wb = sources.Workbook(tf.path, "csv", parsed.sha256, [], encoding=tf.encoding)
    result = _new_result(path, wb.format, parsed, dry_run)
    try:
        with engine.begin() as conn:
            batch_id = _insert_batch(conn, wb, parsed, options)
            result.batch_id = batch_id
            writer: RecordWriter | None = None
            try:
                for records in stream.rounds:
                    if writer is None:
                        writer = RecordWriter(conn, parsed.county, parsed.as_of, batch_id, result)
                    writer.write(records)
                    result.rows += len(records)
                    if progress:
                        progress(result.rows, max(stream.estimate, result.rows))
            finally:
                if writer is not None:
                    writer.close()
            result.townships = sorted(parsed.townships)
            result.normalised = dict(parsed.normalised)
            _finish_batch(conn, batch_id, result)
            if dry_run:
                raise _DryRun
    except _DryRun:
        result.batch_id = None
    except (importer.Fallback, DjgjError, DBAPIError):
        return None
    return result


def _new_result(path: str | Path, fmt: str, parsed: importer.Parsed, dry_run: bool) -> ImportResult:
    return ImportResult(
        file=str(path),
        status="dry_run" if dry_run else "imported",
        format=fmt,
        as_of=parsed.as_of,
        warnings=parsed.warnings,
        columns=parsed.columns,
        rejects=parsed.rejects,
    )


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
    from djgj.ledger import state  # speed: indexes paused for a big load; the year-end state

    bulk.finish(conn, batch_id)
    state.refresh_batch(conn, batch_id)
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


#: Records matched and written per round: bounds the memory of the writes, whatever the file's length.
BATCH_ROWS = 5000
#: Keys per lookup statement (well under SQLite's and PostgreSQL's parameter limits).
LOOKUP_CHUNK = 500
#: SQLite page cache while a file is written (KiB).
IMPORT_CACHE_KIB = 65536

_UNIT_COLUMNS = ("kind", "name", "norm_name", "credit_code", "township_id", "batch_id")
_SNAPSHOT_INSERT_COLUMNS = ("unit_id", "as_of", "batch_id", "sheet", "row", *SNAPSHOT_VALUE_COLUMNS)


def _write_records(
    conn: Connection, parsed: importer.Parsed, batch_id: int, result: ImportResult, progress: Progress | None
) -> None:
    """Match every record to a unit, then write units and snapshots in bulk, `BATCH_ROWS` at a time."""
    records = parsed.records
    if not records:
        return
    writer = RecordWriter(conn, parsed.county, parsed.as_of, batch_id, result)
    total = len(records)
    try:
        for start in range(0, total, BATCH_ROWS):
            writer.write(records[start : start + BATCH_ROWS])
            if progress:
                progress(min(start + BATCH_ROWS, total), total)
    finally:
        writer.close()


class RecordWriter:
    """Writes one file's records in rounds inside the file's one transaction.

    Only the units and snapshots a round mentions are read from the ledger (by credit code, by
    township and normalised name, by unit id), never the whole ledger. Units and snapshots this
    import created have ids above the largest ones before it: a later round matches such a unit only
    by the identity it was created with, and merges into such a snapshot without counting an update,
    exactly as if the whole file had been written in one round.
    """

    def __init__(
        self, conn: Connection, county: str, as_of: dt.date | None, batch_id: int, result: ImportResult
    ) -> None:
        self.conn, self.county, self.as_of, self.batch_id, self.result = conn, county, as_of, batch_id, result
        self.sqlite = conn.dialect.name == "sqlite"
        self.mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.units_before = int(conn.execute(select(func.max(Unit.id))).scalar() or 0)
        self.snapshots_before = int(conn.execute(select(func.max(Snapshot.id))).scalar() or 0)
        self.next_unit_id = self.units_before + 1
        self.towns: dict[str, int] = {}
        self.cache_size: int | None = None
        if self.sqlite:
            # Seven indexes take every row: a page cache of 64 MB (instead of 2 MB) keeps their upper
            # levels in memory for a province-sized file; it is given back when the file is written.
            self.cache_size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
            conn.exec_driver_sql(f"PRAGMA cache_size={-IMPORT_CACHE_KIB}")

    def close(self) -> None:
        if self.cache_size is not None:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={self.cache_size}")
            self.cache_size = None

    # -- reading what a round needs
    def _rows(self, sql: str, params: list[Any]) -> list[Any]:
        return list(self.conn.exec_driver_sql(sql, tuple(params)))

    def _units(self, codes: set[str], names: set[tuple[int | None, str]]) -> list[Any]:
        """Units with one of these credit codes or (township id, normalised name) pairs, by id."""
        cols = "id, credit_code, township_id, norm_name, name, kind"
        found: dict[int, Any] = {}
        m = self.mark
        code_list = sorted(codes)
        for i in range(0, len(code_list), LOOKUP_CHUNK):
            chunk = code_list[i : i + LOOKUP_CHUNK]
            sql = f"SELECT {cols} FROM units WHERE credit_code IN ({', '.join([m] * len(chunk))})"
            found.update((r[0], r) for r in self._rows(sql, chunk))
        no_town = sorted(n for t, n in names if t is None)
        for i in range(0, len(no_town), LOOKUP_CHUNK):
            chunk = no_town[i : i + LOOKUP_CHUNK]
            sql = (
                f"SELECT {cols} FROM units WHERE township_id IS NULL "
                f"AND norm_name IN ({', '.join([m] * len(chunk))})"
            )
            found.update((r[0], r) for r in self._rows(sql, chunk))
        in_town = sorted((t, n) for t, n in names if t is not None)
        for i in range(0, len(in_town), LOOKUP_CHUNK):
            pairs = in_town[i : i + LOOKUP_CHUNK]
            values = ", ".join([f"({m}, {m})"] * len(pairs))
            sql = (
                f"SELECT u.{cols.replace(', ', ', u.')} FROM (VALUES {values}) AS k "
                "JOIN units u ON u.township_id = k.column1 AND u.norm_name = k.column2"
            )
            found.update((r[0], r) for r in self._rows(sql, [v for pair in pairs for v in pair]))
        return [found[k] for k in sorted(found)]

    def _snapshots(self, unit_ids: list[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(unit_ids), LOOKUP_CHUNK):
            chunk = unit_ids[i : i + LOOKUP_CHUNK]
            q = select(Snapshot).where(Snapshot.as_of == self.as_of, Snapshot.unit_id.in_(chunk))
            out.update((row.unit_id, row._asdict()) for row in self.conn.execute(q))
        return out

    def _township_ids(self, names: set[str]) -> None:
        missing = {n for n in names if n not in self.towns}
        if missing:
            self.towns.update(township_ids(self.conn, missing, county=self.county))

    # -- writing
    def _insert(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """executemany of plain tuples through the driver (dates already as SQLite keeps them)."""
        m = self.mark
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([m] * len(columns))})"
        self.conn.exec_driver_sql(sql, rows)

    def write(self, records: list[importer.Record]) -> None:
        result, batch_id = self.result, self.batch_id
        self._township_ids({r.township for r in records if r.township})
        towns = self.towns
        tids = [towns.get(r.township) if r.township else None for r in records]
        codes = {r.credit_code for r in records if r.credit_code}
        # Into a ledger that was empty, only units this import created can match: by the identity
        # they were created with, so records with a credit code need no lookup by name.
        names = {
            (tid, r.norm_name)
            for r, tid in zip(records, tids, strict=True)
            if self.units_before or not r.credit_code
        }
        by_code: dict[str, int] = {}
        by_name: dict[tuple[int | None, str], int] = {}
        units: dict[int, dict[str, Any]] = {}
        created: dict[tuple[Any, ...], int] = {}  # units an earlier round of this import created
        for known_id, code, known_town, norm, name, kind in self._units(codes, names):
            if known_id > self.units_before:
                key = ("code", code) if code else ("name", known_town, norm)
                created.setdefault(key, known_id)
                continue
            if code:
                by_code[code] = known_id
            by_name.setdefault((known_town, norm), known_id)
            units[known_id] = {"credit_code": code, "township_id": known_town, "name": name, "kind": kind}

        # 1. Units: match by credit code, else by normalised name in the township; create the rest in bulk.
        matched: list[int] = []
        new_units: list[tuple[Any, ...]] = []
        pending: dict[
            tuple[Any, ...], int
        ] = {}  # identity -> index in new_units, for repeats within the file
        unit_updates: dict[int, dict[str, Any]] = {}
        for rec, tid in zip(records, tids, strict=True):
            uid: int | None = by_code.get(rec.credit_code) if rec.credit_code else None
            if uid is None:
                candidate = by_name.get((tid, rec.norm_name))
                if candidate is not None and (not rec.credit_code or not units[candidate]["credit_code"]):
                    uid = candidate
            if uid is None:
                key = ("code", rec.credit_code) if rec.credit_code else ("name", tid, rec.norm_name)
                earlier = created.get(key)
                if earlier is not None:
                    matched.append(earlier)
                    continue
                if key not in pending:
                    pending[key] = len(new_units)
                    new_units.append((rec.kind, rec.name, rec.norm_name, rec.credit_code, tid, batch_id))
                matched.append(-1 - pending[key])
                continue
            known = units[uid]
            wanted = {"name": rec.name, "kind": rec.kind, "township_id": tid, "credit_code": rec.credit_code}
            changes = {k: v for k, v in wanted.items() if v is not None and known.get(k) != v}
            if changes:
                if "name" in changes:
                    changes["norm_name"] = rec.norm_name
                known.update(changes)
                unit_updates.setdefault(uid, {}).update(changes)
            matched.append(uid)
        new_ids = self._create_units(new_units)
        result.units_created += len(new_ids)
        for uid, changes in unit_updates.items():
            self.conn.execute(update(Unit).where(Unit.id == uid).values(**changes))
        result.units_updated += len(unit_updates)

        # 2. Snapshots: insert new ones in bulk; update existing ones only where a value is given and differs.
        unit_ids = [new_ids[-1 - m] if m < 0 else m for m in matched]
        existing = self._snapshots(sorted({m for m in matched if m >= 0}))
        inserts: dict[int, tuple[importer.Record, dict[str, Any] | None]] = {}  # unit -> (record, merged)
        updates: list[dict[str, Any]] = []
        merges: list[dict[str, Any]] = []
        for rec, unit_id in zip(records, unit_ids, strict=True):
            old = existing.get(unit_id)
            if old is None:
                pending_insert = inserts.get(unit_id)
                if pending_insert is None:
                    inserts[unit_id] = (rec, None)
                    continue
                # The same unit twice in this round (different rows, e.g. two sheets): merge into the insert.
                first, merged = pending_insert
                if merged is None:
                    merged = {k: first.values.get(k) for k in SNAPSHOT_VALUE_COLUMNS}
                    inserts[unit_id] = (first, merged)
                new = {k: rec.values.get(k) for k in SNAPSHOT_VALUE_COLUMNS}
                changes = {k: v for k, v in new.items() if v is not None and merged.get(k) != v}
                if not changes:
                    result.snapshots_unchanged += 1
                merged.update(changes)
                continue
            # Never overwrite a known value with a blank: only values this file gives replace old ones.
            new = {k: rec.values.get(k) for k in SNAPSHOT_VALUE_COLUMNS}
            changes = {k: v for k, v in new.items() if v is not None and old.get(k) != v}
            if not changes:
                result.snapshots_unchanged += 1
                continue
            old.update(changes)
            if old["id"] > self.snapshots_before:  # inserted by an earlier round of this import
                merges.append({**{k: old.get(k) for k in SNAPSHOT_VALUE_COLUMNS}, "_id": old["id"]})
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
            self._insert_snapshots(inserts)
            result.snapshots_created += len(inserts)
        for rows, extra in ((updates, ["batch_id", "sheet", "row"]), (merges, [])):
            if rows:
                change = (
                    update(Snapshot)
                    .where(Snapshot.id == bindparam("_id"))
                    .values({k: bindparam(k) for k in [*SNAPSHOT_VALUE_COLUMNS, *extra]})
                )
                self.conn.execute(change, rows)
        result.snapshots_updated += len(updates)
        bulk.rows(self.conn, batch_id, len(records), self.units_before)  # speed: a load dwarfing the ledger

    def _insert_snapshots(self, inserts: dict[int, tuple[importer.Record, dict[str, Any] | None]]) -> None:
        as_of: Any = self.as_of
        dates = [
            i for i, k in enumerate(SNAPSHOT_VALUE_COLUMNS) if SNAPSHOT_FIELDS.get(k, ("",))[0] == "date"
        ]
        if self.sqlite and as_of is not None:
            as_of = as_of.isoformat()  # SQLAlchemy's SQLite Date storage, without the driver's adapter
        rows = []
        for unit_id, (rec, merged) in inserts.items():
            vals = merged if merged is not None else rec.values
            get = vals.get
            values = [get(k) for k in SNAPSHOT_VALUE_COLUMNS]
            if self.sqlite:
                for i in dates:
                    day = values[i]
                    if day is not None:
                        values[i] = day.isoformat()
            rows.append((unit_id, as_of, self.batch_id, rec.sheet, rec.row, *values))
        self._insert("snapshots", _SNAPSHOT_INSERT_COLUMNS, rows)

    def _create_units(self, new_units: list[tuple[Any, ...]]) -> list[int]:
        """Insert new units, returning their ids in order. SQLite: ids allocated under the write lock
        (BEGIN IMMEDIATE) and one executemany; elsewhere: INSERT … RETURNING in insertmanyvalues batches."""
        if not new_units:
            return []
        if self.sqlite:
            first = self.next_unit_id
            ids = list(range(first, first + len(new_units)))
            self.next_unit_id += len(new_units)
            self._insert(
                "units", ("id", *_UNIT_COLUMNS), [(i, *u) for i, u in zip(ids, new_units, strict=True)]
            )
            return ids
        stmt = insert(Unit).returning(Unit.id, sort_by_parameter_order=True)
        rows = [dict(zip(_UNIT_COLUMNS, u, strict=True)) for u in new_units]
        return [row[0] for row in self.conn.execute(stmt, rows)]
