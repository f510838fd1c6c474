"""A first load of many rows into a ledger with no unit yet is written once, into the ledger's file.

In WAL mode SQLite writes every page a transaction changes into the WAL, and the checkpoint after
the commit copies them into the database file: a province-sized first load (~120 MB of pages) is
written twice, the copy taking ~0.6 s after the last row, with nothing else left to do. Under a
rollback journal the new pages go straight into the file, and the journal holds only the few pages
the ledger had before: a refused file or a killed process rolls back to them, as from the WAL, and
`synchronous=FULL` syncs both as it syncs the WAL. The ledger is put back in WAL mode once the load
is committed or rolled back (and every connection that writes sets WAL again as it opens, should the
process die before).

The switch needs the ledger to itself (no other connection may have it open): when it does not get
it at once, the load is written in WAL mode, as any other import. While such a load runs, another
process finds the ledger busy rather than reading it; the ledger had no unit to read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Engine

from djgj.ledger.bulk import MIN_ROWS
from djgj.ledger.db import busy_timeout_ms


@contextmanager
def written_once(engine: Engine, rows: int) -> Iterator[bool]:
    """Around a file's transaction: under a rollback journal when the ledger is SQLite, has no unit
    and the file brings at least `bulk.MIN_ROWS` rows (yields whether it is), in WAL mode after."""
    switched = engine.dialect.name == "sqlite" and rows >= MIN_ROWS and _rollback_journal(engine)
    try:
        yield switched
    finally:
        if switched:
            _wal(engine)


def _rollback_journal(engine: Engine) -> bool:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        if raw.execute("SELECT EXISTS (SELECT 1 FROM units)").fetchone()[0]:
            return False
        raw.execute("PRAGMA busy_timeout=0")  # (another connection has it: no waiting, no switch)
        try:
            mode = raw.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError:
            return False
        finally:
            raw.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
        return str(mode).lower() == "delete"


def _wal(engine: Engine) -> None:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        # (another process has the ledger: the next connection that writes sets WAL)
        with suppress(sqlite3.OperationalError):
            raw.execute("PRAGMA journal_mode=WAL").fetchone()


__all__ = ["written_once"]
