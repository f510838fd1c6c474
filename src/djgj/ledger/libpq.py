"""One query on a PostgreSQL ledger through libpq itself (ctypes), for a kept answer's read.

Importing psycopg costs a repeated answer more than everything else it does (about a fifth of a
second on an office PC: its package loads every type adapter, asyncio and its error classes); the
kept read needs one connection and one SELECT of one text value, which libpq gives directly. The
library is the very libpq psycopg would use (the one psycopg-binary ships, else the system's), so
the URL is read by the same code with the same defaults: sslmode, gssencmode, host lists and
passwords files are whatever the user configured. Anything this module cannot do the same way (no
libpq to load, a connection whose text is not UTF-8) raises `Unavailable` so the caller asks psycopg.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import sys
from pathlib import Path
from typing import Any


class Unavailable(Exception):
    """libpq cannot answer here as psycopg would: ask psycopg."""


#: PQstatus / PQresultStatus values (libpq-fe.h).
CONNECTION_OK = 0
PGRES_TUPLES_OK = 2


def _candidates() -> list[str]:
    """psycopg-binary's own libpq first (what psycopg loads when it is installed), then the system's."""
    found: list[str] = []
    spec = importlib.util.find_spec("psycopg_binary")  # located, not imported
    if spec is not None and spec.origin:
        package = Path(spec.origin).parent
        # Linux and Windows wheels keep it beside the package, macOS ones inside it (.dylibs)
        for folder in (package.parent / "psycopg_binary.libs", package / ".dylibs", package):
            found += sorted(
                str(p) for p in folder.glob("libpq*") if p.suffix in (".dll", ".dylib") or ".so" in p.name
            )
        if found:
            return found
    import ctypes.util

    try:  # as psycopg looks for it (find_library itself can fail on a half-installed toolchain)
        name = ctypes.util.find_library("libpq" if sys.platform == "win32" else "pq")
    except OSError:
        return []
    return [name] if name else []


@functools.cache
def load() -> Any:
    """libpq with the signatures used here; `Unavailable` when none can be loaded."""
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        p, s, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        for name, res, args in (
            ("PQconnectdbParams", p, [ctypes.POINTER(s), ctypes.POINTER(s), i]),
            ("PQstatus", i, [p]),
            ("PQparameterStatus", s, [p, s]),
            ("PQexecParams", p, [p, s, i, p, ctypes.POINTER(s), p, p, i]),
            ("PQresultStatus", i, [p]),
            ("PQntuples", i, [p]),
            ("PQnfields", i, [p]),
            ("PQgetisnull", i, [p, i, i]),
            ("PQgetlength", i, [p, i, i]),
            ("PQgetvalue", p, [p, i, i]),
            ("PQclear", None, [p]),
            ("PQfinish", None, [p]),
        ):
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        return lib
    raise Unavailable("libpq")


def _array(items: list[str]) -> Any:
    return (ctypes.c_char_p * (len(items) + 1))(*(x.encode("utf-8") for x in items), None)


def first_row(
    conninfo: str, sql: str, params: list[str], connect_timeout: int = 10
) -> list[bytes | None] | None:
    """The first row of ``sql`` ($1, $2 … bound to ``params`` as text), each value as the server's
    text (UTF-8 bytes) or None; None when there is no row or anything fails (unreachable, refused,
    an SQL error): a miss. `Unavailable` when only psycopg could tell."""
    pq = load()
    keys, values = _array(["dbname", "connect_timeout"]), _array([conninfo, str(connect_timeout)])
    conn = pq.PQconnectdbParams(keys, values, 1)  # the URL expanded as libpq reads any conninfo
    if not conn:
        return None
    try:
        if pq.PQstatus(conn) != CONNECTION_OK:
            return None
        if pq.PQparameterStatus(conn, b"client_encoding") != b"UTF8":
            raise Unavailable("client_encoding")
        res = pq.PQexecParams(conn, sql.encode("utf-8"), len(params), None, _array(params), None, None, 0)
        try:
            if not res or pq.PQresultStatus(res) != PGRES_TUPLES_OK or pq.PQntuples(res) < 1:
                return None
            return [_value(pq, res, c) for c in range(pq.PQnfields(res))]
        finally:
            pq.PQclear(res)
    finally:
        pq.PQfinish(conn)


def _value(pq: Any, res: Any, column: int) -> bytes | None:
    if pq.PQgetisnull(res, 0, column):
        return None
    return ctypes.string_at(pq.PQgetvalue(res, 0, column), pq.PQgetlength(res, 0, column))


__all__ = ["Unavailable", "first_row", "load"]
