"""The year-end state: each unit's latest snapshot on or before 31 December of every year.

Figures of year Y read, for each unit, its latest snapshot dated on or before Y-12-31. Instead of
a GROUP BY over all snapshots for every question, the ledger keeps that answer in ``year_states``
(one row per year and unit, from the unit's first snapshot year to the ledger's last snapshot year;
a year after that reads the last year). It is recomputed, set-based, in the transaction that writes
snapshots:

- `refresh_batch` after an import (the units whose snapshots the batch wrote); a load of new units
  into an empty SQLite ledger has written it with its rounds already (`append_round`);
- `refresh` for any set of units (merge, undo, corrections), or ``None`` for the whole ledger;
- `rebuild` from scratch (migration 0008, and an import that rewrote most of the ledger).

Nothing here decides what a snapshot says; it only remembers which one is the latest. `refresh` and
`refresh_batch` also raise the ledger's generation (`djgj.ledger.cache`): every write that changes
what figures read passes here, so kept figures go stale with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from djgj.ledger import cache, copy

#: Unit ids per statement when refreshing an explicit set of units.
CHUNK = 900
#: Rows a rebuild or a new year writes before PostgreSQL builds the table's indexes and checks once
#: after (and analyses it), instead of per row.
PAUSE_ROWS = 20_000


def _year_sql(conn: Connection, column: str) -> str:
    if conn.dialect.name == "sqlite":
        return f"CAST(substr({column}, 1, 4) AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"


def _year_of(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.year
    return int(str(value)[:4])


def _days(conn: Connection) -> tuple[Any, Any]:
    """The first and last snapshot dates of the ledger (two index lookups)."""
    lo = conn.exec_driver_sql("SELECT MIN(as_of) FROM snapshots").scalar()
    hi = conn.exec_driver_sql("SELECT MAX(as_of) FROM snapshots").scalar()
    return lo, hi


def _bounds(conn: Connection) -> tuple[int | None, int | None]:
    """The first and last snapshot years of the ledger (two index lookups)."""
    lo, hi = _days(conn)
    return _year_of(lo), _year_of(hi)


def _insert_sql(conn: Connection, where: str) -> str:
    """Rows of ``year_states`` for the snapshots matching ``where``: per unit and snapshot year the
    year's last snapshot, which holds from its year until the unit's next snapshot year (or the last)."""
    year = _year_sql(conn, "as_of")
    return f"""
WITH RECURSIVE years(y) AS (
    SELECT CAST(:lo AS INTEGER) UNION ALL SELECT y + 1 FROM years WHERE y < CAST(:hi AS INTEGER)
),
marked AS (
    SELECT id, unit_id, as_of, employees, {year} AS yr,
           ROW_NUMBER() OVER (PARTITION BY unit_id, {year} ORDER BY as_of DESC) AS rn
    FROM snapshots WHERE {where}
),
spans AS (
    SELECT id, unit_id, as_of, employees, yr AS first_year,
           COALESCE(LEAD(yr) OVER (PARTITION BY unit_id ORDER BY yr) - 1, CAST(:hi AS INTEGER)) AS last_year
    FROM marked WHERE rn = 1
)
INSERT INTO year_states (year, unit_id, snapshot_id, as_of, employees)
SELECT years.y, spans.unit_id, spans.id, spans.as_of, spans.employees
FROM spans JOIN years ON years.y >= spans.first_year AND years.y <= spans.last_year
"""


def rebuild(conn: Connection) -> None:
    """Recompute the whole state from the snapshots."""
    conn.exec_driver_sql("DELETE FROM year_states")
    first_day, last_day = _days(conn)
    lo, hi = _year_of(first_day), _year_of(last_day)
    if hi is None:
        return
    paused: list[str] = []
    big = (conn.exec_driver_sql("SELECT COUNT(*) FROM snapshots").scalar() or 0) >= PAUSE_ROWS
    if big and conn.dialect.name == "postgresql":  # a big table: indexes and checks built once after
        paused = copy.pause_checks(conn, ["year_states"], indexes=True)
    elif big and conn.dialect.name == "sqlite":
        paused = _pause_sqlite_indexes(conn, "year_states")
    if first_day == last_day and conn.dialect.name == "sqlite":
        # Every snapshot of one date (a first import): each unit has exactly one (one per unit and
        # date), the latest of its year and of every year to the last: no windows to compute.
        conn.exec_driver_sql(
            "INSERT INTO year_states (year, unit_id, snapshot_id, as_of, employees) "
            f"SELECT {int(hi)}, unit_id, id, as_of, employees FROM snapshots ORDER BY unit_id"
        )
    else:
        conn.exec_driver_sql(_insert_sql(conn, "1 = 1").replace(":lo", str(lo)).replace(":hi", str(hi)))
    if paused and conn.dialect.name == "postgresql":
        copy.restore(conn, paused, analyze=["year_states"])
    for statement in paused if conn.dialect.name == "sqlite" else []:
        conn.exec_driver_sql(statement)


def _pause_sqlite_indexes(conn: Connection, table: str) -> list[str]:
    """Drop the secondary indexes of ``table`` (SQLite) for a rebuild that writes all of it; the
    statements that create them again, in one sorted pass each, in the same transaction."""
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
        "ORDER BY name",
        (table,),
    ).all()
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [str(sql) for _, sql in found]


def _extend(conn: Connection, hi: int) -> None:
    """Keep every unit's rows up to the ledger's last snapshot year ``hi``."""
    old = conn.exec_driver_sql("SELECT MAX(year) FROM year_states").scalar()
    if old is None:
        return
    old = int(old)
    if old > hi:
        conn.exec_driver_sql(f"DELETE FROM year_states WHERE year > {int(hi)}")
    if old >= hi:
        return
    paused: list[str] = []
    if conn.dialect.name == "postgresql":  # a year of the whole ledger: indexes and checks built once after
        rows = conn.exec_driver_sql(f"SELECT COUNT(*) FROM year_states WHERE year = {old}").scalar() or 0
        if rows * (hi - old) >= PAUSE_ROWS:
            paused = copy.pause_checks(conn, ["year_states"], indexes=True)
    for y in range(old + 1, hi + 1):
        conn.exec_driver_sql(
            "INSERT INTO year_states (year, unit_id, snapshot_id, as_of, employees) "
            f"SELECT {y}, unit_id, snapshot_id, as_of, employees FROM year_states WHERE year = {old}"
        )
    if paused:
        copy.restore(conn, paused, analyze=["year_states"])


def _refresh_where(conn: Connection, where: str, params: tuple[Any, ...]) -> None:
    lo, hi = _bounds(conn)
    if hi is None or lo is None:
        conn.exec_driver_sql("DELETE FROM year_states")
        return
    _extend(conn, hi)
    conn.exec_driver_sql(f"DELETE FROM year_states WHERE unit_id IN ({where})", params)
    sql = _insert_sql(conn, f"unit_id IN ({where})").replace(":lo", str(lo)).replace(":hi", str(hi))
    conn.exec_driver_sql(sql, params)


def refresh(conn: Connection, unit_ids: Iterable[int] | None = None) -> None:
    """Recompute the state of these units (all units when None), in the caller's transaction."""
    if unit_ids is None:
        rebuild(conn)
        cache.bump(conn)
        return
    ids = sorted({int(i) for i in unit_ids})
    if not ids:
        return
    cache.bump(conn)
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    for i in range(0, len(ids), CHUNK):
        chunk = tuple(ids[i : i + CHUNK])
        _refresh_where(conn, f"SELECT id FROM units WHERE id IN ({', '.join([m] * len(chunk))})", chunk)


def append_round(conn: Connection, batch_id: int, as_of: dt.date, after: int) -> int | None:
    """The state of the snapshots import batch ``batch_id`` wrote after snapshot id ``after`` (0 at
    the first round), written now, while the file is still being read: for a load of new units into
    a ledger that held none, each unit has one snapshot, of the file's date, the latest of that year
    — the rows `rebuild` would write at the end (`refresh_batch` is then told they are written).
    Returns the last snapshot id written for; None when the ledger has a state to update instead
    (`refresh_batch` does that at the end). SQLite: there the writer has time to spare while the
    file is read in another process."""
    if not after and conn.exec_driver_sql("SELECT 1 FROM year_states LIMIT 1").first() is not None:
        return None
    # (the ledger held no unit: every snapshot is this batch's, its ids and units' ids in step)
    last = conn.exec_driver_sql("SELECT MAX(id) FROM snapshots").scalar()
    if last is None or last <= after:
        return after
    conn.exec_driver_sql(  # (+batch_id: read by the id range, not by the batch's index)
        "INSERT INTO year_states (year, unit_id, snapshot_id, as_of, employees) "
        f"SELECT {int(as_of.year)}, unit_id, id, as_of, employees FROM snapshots "
        "WHERE id > ? AND id <= ? AND +batch_id = ? ORDER BY id",
        (int(after), int(last), int(batch_id)),
    )
    return int(last)


def refresh_batch(conn: Connection, batch_id: int, *, written: bool = False) -> None:
    """Recompute the state of the units whose snapshots import batch ``batch_id`` wrote. When the
    batch wrote most of the ledger (a first, province-sized import), one rebuild is cheaper; when
    its rounds ``written`` the state already (`append_round`), it is kept."""
    cache.bump(conn)
    if written:
        return
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    states = conn.exec_driver_sql("SELECT COUNT(*) FROM (SELECT 1 FROM year_states LIMIT 1) AS s").scalar()
    if not states:
        rebuild(conn)
        return
    where = f"SELECT unit_id FROM snapshots WHERE batch_id = {m}"
    _refresh_where(conn, where, (int(batch_id),))


__all__ = ["CHUNK", "append_round", "rebuild", "refresh", "refresh_batch"]
