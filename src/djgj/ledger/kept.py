"""Whole answers kept in the ledger, read back without SQLAlchemy.

A county asks for the same report many times between two imports. `djgj.ledger.cache` keeps a
command's whole answer (a report document, the first rows of a gaps listing) in ``figure_cache``
under the generation it was computed at; this module reads it back with the standard library's
sqlite3 alone (a PostgreSQL ledger with libpq, or psycopg, alone), so a repeated question costs the start of
Python and Typer, not the import of SQLAlchemy's ORM (most of a second on an office PC).

An answer is read only when all of this holds, in one SELECT (one snapshot of the ledger): the
ledger is at the schema revision this djgj writes, and the answer was kept at the ledger's current
generation under the same key. The key hashes the question (command, options, the profile's text)
and the source of the whole djgj package (`code`), so a changed definition anywhere, or another
version of djgj, never reads an answer it did not compute. Anything unusual (no such file, an
unreachable server, a locked, foreign or older ledger) is simply a miss: the command then opens the
ledger as always and says what is wrong, if anything is.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from djgj import __version__
from djgj.ledger.location import HEAD, sqlite_path

#: Package files whose text shapes an answer: the code and the shipped data (rules, vocabulary).
SOURCE_SUFFIXES = (".py", ".toml")


@functools.cache
def code() -> str:
    """A fingerprint of this djgj: its version and the text of every module and data file."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def key(*question: Any) -> str:
    """The key of a whole answer: this djgj's fingerprint and everything that shapes the answer."""
    text = "\x1f".join(["answer", code(), *map(repr, question)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: The one SELECT that reads a kept answer (ledger at this djgj's revision, answer of its generation).
_ASK = (
    "SELECT f.payload FROM figure_cache AS f JOIN ledger_generation AS g ON f.generation = g.n "
    "WHERE f.key = {m} AND (SELECT version_num FROM alembic_version) = {m}"
)
#: URL schemes read with psycopg alone (SQLAlchemy's name for the driver dropped: libpq's URI).
POSTGRES_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")


def read(url: str, answer_key: str) -> Any | None:
    """The answer kept under ``answer_key`` at the ledger's current generation, or None."""
    if url.startswith(POSTGRES_SCHEMES):
        return _read_postgres(url, answer_key)
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=0)
    except sqlite3.Error:
        return None
    try:
        row = con.execute(_ASK.format(m="?"), (answer_key, HEAD)).fetchone()
    except sqlite3.Error:  # not a ledger, an older one, locked, damaged: the usual path says why
        return None
    finally:
        con.close()
    return None if row is None else json.loads(row[0])


def _read_postgres(url: str, answer_key: str) -> Any | None:
    """The same read on a PostgreSQL ledger without SQLAlchemy: through libpq itself when it can be
    loaded (`djgj.ledger.libpq`: no psycopg import), else with psycopg alone. One connection, one
    SELECT. Anything unusual is a miss."""
    conninfo = "postgresql://" + url.split("://", 1)[1]
    from djgj.ledger import libpq

    try:
        row = libpq.first_row(conninfo, _ASK.format(m="{}").format("$1", "$2"), [answer_key, HEAD])
    except libpq.Unavailable:
        return _read_psycopg(conninfo, answer_key)
    return None if row is None or row[0] is None else json.loads(row[0])


def _read_psycopg(conninfo: str, answer_key: str) -> Any | None:
    """`_read_postgres` with psycopg: one connection, one SELECT in a read-only transaction."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(conninfo, connect_timeout=10) as con:
            con.read_only = True
            row = con.execute(_ASK.format(m="%s"), (answer_key, HEAD)).fetchone()
    except (psycopg.Error, ValueError):  # not a ledger, an older one, unreachable, a URL libpq cannot read
        return None
    if row is None:
        return None
    payload = row[0]
    return json.loads(payload) if isinstance(payload, str | bytes) else payload


def run(url: str, statements_key: str) -> tuple[Any, list[list[tuple[Any, ...]]]] | None:
    """Kept statements run again with the driver alone: the value kept under ``statements_key`` (its
    ``statements``: SQL text compiled for this ledger's driver, and named values) and each statement's
    rows, read in one read-only snapshot with the lookup; None on a miss. PostgreSQL only, through
    libpq itself when it can be loaded (`djgj.ledger.libpq`: the rows as one COPY each, the types
    psycopg gives them), else with psycopg alone; any other ledger is a miss."""
    if not url.startswith(POSTGRES_SCHEMES):
        return None
    conninfo = "postgresql://" + url.split("://", 1)[1]
    from djgj.ledger import libpq

    try:
        with libpq.connected(conninfo) as session:
            session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            row = session.first_row(_ASK.format(m="{}").format("$1", "$2"), [statements_key, HEAD])
            if row is None or row[0] is None:
                return None
            value = json.loads(row[0])
            return value, [session.rows(s["sql"], s["params"]) for s in value["statements"]]
    except libpq.Unavailable:
        return _run_psycopg(conninfo, statements_key)
    except (libpq.Failed, ValueError, LookupError, TypeError):  # a miss; the usual path says why
        return None


def _run_psycopg(conninfo: str, statements_key: str) -> tuple[Any, list[list[tuple[Any, ...]]]] | None:
    """`run` with psycopg: one connection, the lookup and the statements in one read-only snapshot."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(conninfo, connect_timeout=10) as con:
            con.read_only = True
            con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            row = con.execute(_ASK.format(m="%s"), (statements_key, HEAD)).fetchone()
            if row is None:
                return None
            value = json.loads(row[0]) if isinstance(row[0], str | bytes) else row[0]
            rows = [con.execute(s["sql"], s["params"]).fetchall() for s in value["statements"]]
    except (psycopg.Error, ValueError, LookupError, TypeError):  # a miss; the usual path says why
        return None
    return value, rows


__all__ = ["POSTGRES_SCHEMES", "SOURCE_SUFFIXES", "code", "key", "read", "run"]
