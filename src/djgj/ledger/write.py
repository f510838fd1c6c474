"""Write validated records into the ledger, one transaction per file.

Units are matched by credit code, else by normalised name within their township (`ledger.match`);
snapshots are merged per unit and date (`ledger.snapshots`): a second file for the same unit and date
fills in what the first did not give, never overwrites a known value with an unknown or a blank, and
lists every known value it changes (old → new, both files; the old one stays in the history). A file
already imported with the same options (same sha256) changes nothing; imported again with other
options (`--as-of`, `--township`, `--kind`, `--map` …) it replaces what its earlier reading wrote. A
refused file leaves only the record of the attempt.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, update
from sqlalchemy.exc import DBAPIError

from djgj.errors import DjgjError
from djgj.ledger import batches, bulk, journal, mappings, places, state
from djgj.ledger.counts import Counts
from djgj.ledger.db import translate
from djgj.ledger.match import UnitMatcher, township_ids
from djgj.ledger.models import ImportBatch
from djgj.ledger.privacy import os_user
from djgj.ledger.snapshots import SNAPSHOT_VALUE_COLUMNS, SnapshotWriter
from djgj.read import files as sources
from djgj.records import ahead
from djgj.records import parse as importer
from djgj.records.record import ROUND_RECORDS

Progress = Callable[[int, int], None]

#: Records matched and written per round: bounds the memory of the writes, whatever the file's length.
BATCH_ROWS = ROUND_RECORDS
#: SQLite page cache while a file is written (KiB): 16 MB holds the indexes' upper levels for a
#: province-sized file as well as 64 MB did (measured: the same CPU time at 200,000 rows, 53 MB less
#: peak memory), and keeps the import's memory under 200 MB at a million rows.
IMPORT_CACHE_KIB = 16384


@dataclass(kw_only=True)
class ImportResult(Counts):
    file: str
    status: str  # imported | already | dry_run
    format: str = ""
    as_of: dt.date | None = None
    townships: list[str] = field(default_factory=list)
    rows: int = 0
    batch_id: int | None = None
    #: The earlier reading(s) of this same file (other options) this import replaced.
    replaced: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    normalised: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    #: Known values given differently for the same unit and date: unit, field, old → new, both files.
    conflicts_listed: list[dict[str, Any]] = field(default_factory=list)
    #: Blank cells that left a known value as it was: unit, field, the value kept.
    blanks_listed: list[dict[str, Any]] = field(default_factory=list)


class _DryRun(Exception):
    pass


#: Allocations between two young-generation garbage collections while a file is imported.
GC_YOUNG = 100_000


@contextmanager
def few_collections() -> Iterator[None]:
    """Fewer garbage collections while a file is imported: every row allocates a few objects that
    live for a round, and with the default threshold (700) the collector runs thousands of times,
    each time walking what the round and the program hold (a fifth of a province-sized import's
    time). The objects alive before the import are set aside (`gc.freeze`) and the young generation
    is collected every `GC_YOUNG` allocations; both are restored afterwards. Cycles are still
    collected, only less often."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(old[0], GC_YOUNG), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


@few_collections()
def import_file(
    engine: Engine,
    path: str | Path,
    options: importer.Options,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    early: ahead.Early | None = None,
) -> ImportResult:
    """Import one file; raise `DjgjError` (ledger unchanged) when anything in it is refused.
    ``early``: a child already reading the file (`records.ahead.Early`), used if it reads it as
    this import would."""
    replaces: list[int] = []
    if Path(path).is_file():
        # A file imported before is known by its hash alone: no need to read and parse it again.
        earlier = batches.earlier_readings(engine, sources.sha256_of(Path(path)), options)
        if earlier.same is not None and not dry_run:
            return ImportResult(
                file=str(path),
                status="already",
                format=Path(path).suffix.lstrip(".").lower(),
                batch_id=earlier.same,
                warnings=[f"该文件（内容相同、选项相同）已于批次 {earlier.same} 导入，本次未做任何改动"],
            )
        replaces = earlier.other
    options = mappings.with_remembered(engine, options)
    opened = _open_stream(path, options, early)
    if opened is not None:
        try:
            streamed = _import_streamed(engine, path, *opened, options, replaces, dry_run, progress)
        except sources.FileChanged:
            raise
        except DjgjError as exc:  # a streamed roster's refusal (read once, by the one roster writer)
            if not dry_run:
                _record_failure(engine, opened[1], options, exc)
            raise
        if streamed is not None:
            return mappings.remember(engine, streamed, options)
    wb = sources.read(path)
    try:
        parsed = importer.parse(wb, options)
        result = _new_result(path, wb.format, parsed, dry_run)
        result.townships = sorted(parsed.townships)
        result.rows = len(parsed.records)
        result.normalised = dict(parsed.normalised)
        try:
            with journal.written_once(engine, len(parsed.records)), engine.begin() as conn:
                known_towns = places.known_townships(conn, parsed.county)
                batch_id = _begin_batch(conn, wb, parsed, options, replaces, result)
                _write_records(conn, parsed, batch_id, result, progress)
                result.warnings += places.new_township_notes(known_towns, parsed.townships)
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
    return mappings.remember(engine, result, options)


def _open_stream(
    path: str | Path, options: importer.Options, early: ahead.Early | None = None
) -> tuple[importer.Stream, sources.Workbook] | None:
    """A ledger CSV, or an xlsx file of one worksheet, opened to be read row by row; None for any
    other file (read whole)."""
    try:
        tf = sources.text_file(path)
        if tf is not None:
            sha256 = sources.sha256_of(tf.path)
            stream = importer.stream_csv(tf, sha256, options, BATCH_ROWS)
            stream = ahead.read_ahead(stream, tf, sha256, options, BATCH_ROWS, early)
            return stream, sources.Workbook(tf.path, "csv", stream.parsed.sha256, [], encoding=tf.encoding)
        if early is not None:  # (not a CSV: its early reader found nothing to read)
            early.close()
        ss = sources.stream_workbook(path)
        if ss is None:
            return None
        stream = importer.stream_sheet(ss, options, BATCH_ROWS)
        return stream, sources.Workbook(ss.path, ss.format, ss.sha256, [])
    except sources.FileChanged:
        raise
    except (importer.Fallback, sources.Unstreamable, DjgjError):
        if early is not None:  # (the file is read whole, here)
            early.close()
        return None


def _import_streamed(
    engine: Engine,
    path: str | Path,
    stream: importer.Stream,
    wb: sources.Workbook,
    options: importer.Options,
    replaces: list[int],
    dry_run: bool,
    progress: Progress | None,
) -> ImportResult | None:
    """A ledger CSV or one-sheet xlsx read, checked and written row by row, in rounds inside the
    file's one transaction: memory does not grow with the file's length. None when anything in it is
    refused (the transaction is then rolled back): the caller reads it whole, as always. A member
    roster goes through `rosters.write_stream`, the same writer as a roster read whole; its refusal
    is raised as it is."""
    parsed = stream.parsed
    result = _new_result(path, wb.format, parsed, dry_run)
    try:
        with journal.written_once(engine, stream.estimate), engine.begin() as conn:
            known_towns = places.known_townships(conn, parsed.county)
            batch_id = _begin_batch(conn, wb, parsed, options, replaces, result)
            writer: RecordWriter | None = None
            try:
                if stream.roster is not None and stream.lines is not None:
                    from djgj.ledger import rosters

                    rosters.write_stream(conn, wb.path, parsed, stream.roster, stream.lines, batch_id, result)
                for records in stream.rounds:
                    if writer is None:
                        writer = RecordWriter(conn, parsed, batch_id, result, unique=True)
                    writer.write(records)
                    result.rows += len(records)
                    if progress:
                        progress(result.rows, max(stream.estimate, result.rows))
            finally:
                getattr(stream.rounds, "close", lambda: None)()  # (a child reading ahead is stopped)
                if writer is not None:
                    writer.close()
            result.townships = sorted(parsed.townships)
            result.normalised = dict(parsed.normalised)
            result.warnings += places.new_township_notes(known_towns, parsed.townships)
            _finish_batch(conn, batch_id, result, writer is not None and bool(writer.states_after))
            if dry_run:
                raise _DryRun
    except _DryRun:
        result.batch_id = None
    except sources.FileChanged:
        raise  # refused as `read` refuses it, never read again another way
    except DjgjError:
        if stream.roster is None:
            return None
        raise  # a roster's refusal names every problem already: not read again
    except (importer.Fallback, sources.Unstreamable, DBAPIError):
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


def _begin_batch(
    conn: Connection,
    wb: sources.Workbook,
    parsed: importer.Parsed,
    options: importer.Options,
    replaces: list[int],
    result: ImportResult,
) -> int:
    """The batch of this import; an earlier reading of the same file with other options is undone
    first, in this same transaction, and recorded as replaced by this one."""
    batch_id = int(
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
                user=os_user(),
                options=batches.options_record(options),
            )
            .returning(ImportBatch.id)
        ).scalar_one()
    )
    result.batch_id = batch_id
    for earlier in replaces:
        batches.undo_batch(conn, earlier, replaced_by=batch_id)
        result.replaced.append(earlier)
        parsed.warnings.append(
            f"该文件曾于批次 {earlier} 按不同的选项导入；本次按新选项重新读取，批次 {earlier} 写入的内容已撤销并由本次取代"
        )
    return batch_id


def _finish_batch(
    conn: Connection, batch_id: int, result: ImportResult, states_written: bool = False
) -> None:
    bulk.finish(conn, batch_id)  # indexes paused for a load that dwarfed the ledger are rebuilt
    # the year-end state of the units this batch wrote (written with the rounds, or now)
    state.refresh_batch(conn, batch_id, written=states_written)
    conn.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(
            rows=result.rows,
            units_created=result.units_created,
            units_updated=result.units_updated,
            snapshots_written=result.snapshots_created + result.snapshots_updated,
            warnings=result.warnings,
            counts={**result.counts(), "townships": result.townships},
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
                    user=os_user(),
                    options=batches.options_record(options),
                )
            )
    except Exception:  # noqa: BLE001 - the ledger may be read-only or busy; the refusal is what matters
        pass


def _write_records(
    conn: Connection, parsed: importer.Parsed, batch_id: int, result: ImportResult, progress: Progress | None
) -> None:
    """Match every record to a unit, then write units and snapshots in bulk, `BATCH_ROWS` at a time."""
    records = parsed.records
    if not records:
        return
    writer = RecordWriter(conn, parsed, batch_id, result)
    total = len(records)
    try:
        for start in range(0, total, BATCH_ROWS):
            writer.write(records[start : start + BATCH_ROWS])
            if progress:
                progress(min(start + BATCH_ROWS, total), total)
    finally:
        writer.close()


class RecordWriter:
    """Writes one file's records in rounds inside the file's one transaction: each round's units
    matched (`UnitMatcher`), then its snapshots merged (`SnapshotWriter`)."""

    def __init__(
        self,
        conn: Connection,
        parsed: importer.Parsed,
        batch_id: int,
        result: ImportResult,
        *,
        unique: bool = False,
    ) -> None:
        """``unique``: no two records of the file have the same identity (a streamed sheet)."""
        self.conn, self.result = conn, result
        self.units = UnitMatcher(conn, parsed.county, parsed.as_of, batch_id, result, unique=unique)
        self.snapshots = SnapshotWriter(conn, parsed.as_of, batch_id, result, parsed.path.name)
        self.as_of = parsed.as_of
        #: The last snapshot whose year-end state the rounds wrote (`state.append_round`: SQLite, new
        #: units into an empty ledger); None when the state is refreshed at the end, as always.
        self.states_after: int | None = 0 if conn.dialect.name == "sqlite" else None
        self.cache_size: int | None = None
        if conn.dialect.name == "sqlite":
            # Seven indexes take every row: a page cache of 16 MB (instead of 2 MB) keeps their upper
            # levels in memory for a province-sized file; it is given back when the file is written.
            self.cache_size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
            conn.exec_driver_sql(f"PRAGMA cache_size={-IMPORT_CACHE_KIB}")

    def write(self, records: list[importer.Record]) -> None:
        tids = self.units.township_ids(records)
        unit_ids = self.units.match(records, tids)
        self.snapshots.write(records, unit_ids, tids, self.units.units_before)
        units = self.units
        if self.states_after is not None and not units.reads_units and self.as_of is not None:
            self.states_after = state.append_round(
                self.conn, self.snapshots.batch_id, self.as_of, self.states_after
            )
        bulk.rows(
            self.conn,
            self.snapshots.batch_id,
            len(records),
            units.units_before,
            reads_units=units.reads_units,
        )

    def close(self) -> None:
        near = self.units.near_names
        if near:
            shown = "；".join(f"“{a}”与“{b}”" for a, b in near[:3]) + ("等" if len(near) > 3 else "")
            self.result.warnings.append(
                f"{len(near)} 个新的村（社区）与台账中同一乡镇的村（社区）只差“村委会”“居委会”或乡镇名（{shown}），"
                "已作为新单位导入；如是同一单位，请用 djgj undo 撤销本次导入，把名称改成一致后重新导入"
            )
            self.units.near_names = []
        if self.units.attributes_kept:
            self.result.warnings.append(
                f"{self.units.attributes_kept} 个单位在台账中已有更晚日期的数据：其名称、类别、乡镇以较晚日期为准，"
                "本文件所写的只记入本日期的快照"
            )
            self.units.attributes_kept = 0
        _summarise(self.result)
        if self.cache_size is not None:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={self.cache_size}")
            self.cache_size = None


def _summarise(result: ImportResult) -> None:
    """The warnings that say what was kept and what was replaced, once per file."""
    if result.blanks_kept:
        result.warnings.append(
            f"{result.blanks_kept} 处空白单元格未覆盖台账中同一日期的已知数值（空白视为未知，原值保留）"
        )
    if result.conflicts:
        result.warnings.append(
            f"{result.conflicts} 处数值与台账中同一单位同一日期的已有数值不同，已改为本文件的数值；"
            "原值保留在单位的历史中（见下方清单）"
        )


__all__ = [
    "BATCH_ROWS",
    "IMPORT_CACHE_KIB",
    "SNAPSHOT_VALUE_COLUMNS",
    "ImportResult",
    "import_file",
    "township_ids",
]
