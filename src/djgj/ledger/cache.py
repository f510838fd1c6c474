"""Figure queries answered once per state of the ledger.

A province's report sums every unit of a year-end; asked again on an unchanged ledger it reads the
sums it kept. Correctness rests on one counter, ``ledger_generation``: every write that changes what
figures read raises it in its own transaction (`bump`, called where the year-end state is refreshed:
import, merge, undo, corrections, and where a target is set), and a kept result is used only at the generation it was
computed at. The generation is read *before* the query runs, so a result that may have seen a
newer write is filed under an older generation and never read again; a concurrent writer can only
make the cache miss, never make it stale.

Keys are a hash of what shapes the answer: the source of the modules that define the figures (so a
changed definition is a different key), the thresholds, the year and the scope. Keeping a result
is best effort: a read-only or busy ledger simply computes every time. Whole answers (a report
document) are kept the same way and read back without SQLAlchemy by `djgj.ledger.kept`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from djgj import __version__
from djgj.ledger.db import busy_timeout_ms

#: How long keeping a result may wait for a writer (SQLite), in milliseconds: not at all.
KEEP_WAIT_MS = 0


def bump(conn: Connection) -> None:
    """Raise the generation (in the caller's transaction): every kept result is stale from now on."""
    conn.exec_driver_sql("UPDATE ledger_generation SET n = n + 1")


def generation(conn: Connection) -> int | None:
    return conn.exec_driver_sql("SELECT n FROM ledger_generation").scalar()


def code_of(*modules: str) -> str:
    """A fingerprint of the code that defines an answer (the modules' source files and djgj's
    version): a figure defined differently is a different key, without compiling its SQL."""
    h = hashlib.sha256(__version__.encode())
    for name in modules:
        path = getattr(sys.modules.get(name), "__file__", None)
        h.update(name.encode())
        if path:
            with contextlib.suppress(OSError):
                h.update(Path(path).read_bytes())
    return h.hexdigest()


def key_of(*parts: Any) -> str:
    """The key of a question: everything that shapes its answer (code fingerprint, year, scope…)."""
    return hashlib.sha256("\x1f".join(map(repr, parts)).encode("utf-8")).hexdigest()


def value(
    conn: Connection, key: str, compute: Callable[[], Any], worth: Callable[[Any], bool] | None = None
) -> Any:
    """``compute()`` (a JSON value) for ``key``, read from the cache when the ledger is unchanged.

    ``worth`` may decline to keep an answer (a listing too long to be worth storing)."""
    gen = generation(conn)
    if gen is None:
        return compute()
    hit = conn.exec_driver_sql(
        "SELECT payload FROM figure_cache WHERE key = ? AND generation = ?"
        if conn.dialect.paramstyle == "qmark"
        else "SELECT payload FROM figure_cache WHERE key = %s AND generation = %s",
        (key, gen),
    ).scalar()
    if hit is not None:
        return json.loads(hit)
    out = compute()
    if worth is not None and not worth(out):
        return out
    _keep(conn, key, gen, json.dumps(out, ensure_ascii=False, separators=(",", ":")))
    return out


def keep(conn: Connection, key: str, gen: int | None, value: Any) -> None:
    """Keep ``value`` (JSON) under ``key`` at generation ``gen``, read before it was computed."""
    if gen is not None:
        _keep(conn, key, gen, json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _keep(conn: Connection, key: str, gen: int, payload: str) -> None:
    """File ``payload`` under ``gen`` in a short transaction of its own, if the ledger can be written."""
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    with conn.engine.connect() as w:
        # SQLite: never wait long on a writer for the sake of a cache (the pooled connection's own
        # timeout is set back afterwards).
        raw = w.connection.dbapi_connection if w.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute(f"PRAGMA busy_timeout={KEEP_WAIT_MS}")
        try:
            with w.begin():
                if w.exec_driver_sql("SELECT n FROM ledger_generation").scalar() != gen:
                    return
                w.exec_driver_sql(
                    f"DELETE FROM figure_cache WHERE key = {m} OR generation <> {m}", (key, gen)
                )
                w.exec_driver_sql(
                    f"INSERT INTO figure_cache (key, generation, payload) VALUES ({m}, {m}, {m})",
                    (key, gen, payload),
                )
        except DBAPIError:  # read-only, immutable or busy: the answer stands, it is just not kept
            return
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")


__all__ = ["KEEP_WAIT_MS", "bump", "code_of", "generation", "keep", "key_of", "value"]
