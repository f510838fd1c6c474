"""One query on a PostgreSQL ledger through libpq itself (ctypes), for a kept answer's read.

Importing psycopg costs a repeated answer more than everything else it does (about a fifth of a
second on an office PC: its package loads every type adapter, asyncio and its error classes); the
kept read needs one connection and one SELECT of one text value, which libpq gives directly, and a
kept listing's statements (`djgj.ledger.kept.run`) need their rows, which libpq gives as the text of
``COPY (…) TO STDOUT`` (one buffer a row, not a call a cell). The library is the very libpq psycopg
would use (the one psycopg-binary ships, else the system's), so the URL is read by the same code with
the same defaults: sslmode, gssencmode, host lists and passwords files are whatever the user
configured. Anything this module cannot do the same way (no libpq to load, a connection whose text
is not UTF-8 or whose dates are not ISO, a column type psycopg would give another Python type than
the ones here) raises `Unavailable` so the caller asks psycopg.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import functools
import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


class Unavailable(Exception):
    """libpq cannot answer here as psycopg would: ask psycopg."""


class Failed(Exception):
    """The server could not be reached or refused a statement: a miss."""


#: PQstatus / PQresultStatus values (libpq-fe.h).
CONNECTION_OK = 0
PGRES_COMMAND_OK = 1
PGRES_TUPLES_OK = 2
PGRES_COPY_OUT = 3


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


def _signatures() -> list[tuple[str, Any, list[Any]]]:
    p, s, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    return [
        ("PQconnectdbParams", p, [ctypes.POINTER(s), ctypes.POINTER(s), i]),
        ("PQstatus", i, [p]),
        ("PQparameterStatus", s, [p, s]),
        ("PQexec", p, [p, s]),
        ("PQexecParams", p, [p, s, i, p, ctypes.POINTER(s), p, p, i]),
        ("PQprepare", p, [p, s, s, i, p]),
        ("PQdescribePrepared", p, [p, s]),
        ("PQresultStatus", i, [p]),
        ("PQntuples", i, [p]),
        ("PQnfields", i, [p]),
        ("PQftype", ctypes.c_uint, [p, i]),
        ("PQgetisnull", i, [p, i, i]),
        ("PQgetlength", i, [p, i, i]),
        ("PQgetvalue", p, [p, i, i]),
        ("PQgetCopyData", i, [p, ctypes.POINTER(p), i]),
        ("PQgetResult", p, [p]),
        ("PQescapeLiteral", p, [p, s, ctypes.c_size_t]),
        ("PQfreemem", None, [p]),
        ("PQclear", None, [p]),
        ("PQfinish", None, [p]),
    ]


@functools.cache
def load() -> Any:
    """libpq with the signatures used here; `Unavailable` when none can be loaded."""
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        try:
            for name, res, args in _signatures():
                fn = getattr(lib, name)
                fn.restype, fn.argtypes = res, args
        except AttributeError:  # a libpq older than these calls
            continue
        return lib
    raise Unavailable("libpq")


def _array(items: list[str]) -> Any:
    return (ctypes.c_char_p * (len(items) + 1))(*(x.encode("utf-8") for x in items), None)


@contextlib.contextmanager
def connected(conninfo: str, connect_timeout: int = 10) -> Iterator[Session]:
    """One connection to ``conninfo`` (any URL or conninfo libpq reads); `Failed` when it cannot be
    made, `Unavailable` when its text is not UTF-8."""
    pq = load()
    keys, values = _array(["dbname", "connect_timeout"]), _array([conninfo, str(connect_timeout)])
    conn = pq.PQconnectdbParams(keys, values, 1)  # the URL expanded as libpq reads any conninfo
    if not conn:
        raise Failed("out of memory")
    try:
        if pq.PQstatus(conn) != CONNECTION_OK:
            raise Failed("connection")
        if pq.PQparameterStatus(conn, b"client_encoding") != b"UTF8":
            raise Unavailable("client_encoding")
        yield Session(pq, conn)
    finally:
        pq.PQfinish(conn)


def first_row(
    conninfo: str, sql: str, params: list[str], connect_timeout: int = 10
) -> list[bytes | None] | None:
    """The first row of ``sql`` ($1, $2 … bound to ``params`` as text), each value as the server's
    text (UTF-8 bytes) or None; None when there is no row or anything fails (unreachable, refused,
    an SQL error): a miss. `Unavailable` when only psycopg could tell."""
    try:
        with connected(conninfo, connect_timeout) as session:
            return session.first_row(sql, params)
    except Failed:
        return None


#: Python values of the column types read here, from their text (what psycopg gives for them);
#: None: the text itself. Any other type: `Unavailable`.
_TEXT_TYPES: dict[int, Callable[[str], Any] | None] = {
    16: lambda v: v == "t",  # bool
    20: int,  # int8
    21: int,  # int2
    23: int,  # int4
    19: None,  # name
    25: None,  # text
    1042: None,  # bpchar
    1043: None,  # varchar
    1082: dt.date.fromisoformat,  # date (ISO DateStyle checked)
}
#: Escapes of COPY's text format (a backslash before any other character stands for that character).
_ESCAPED = re.compile(r"\\(.)", re.S)
_LETTERS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
#: A value of a statement compiled for psycopg (``%(name)s``) or its escaped percent sign.
_PYFORMAT = re.compile(r"%\(([^)]+)\)s|%%")


class Session:
    """Statements on one connection of `connected`."""

    def __init__(self, pq: Any, conn: Any) -> None:
        self.pq, self.conn = pq, conn

    def _result(self, res: Any, wanted: int) -> Any:
        if not res:
            raise Failed("no result")
        if self.pq.PQresultStatus(res) != wanted:
            self.pq.PQclear(res)
            raise Failed("status")
        return res

    def execute(self, sql: str) -> None:
        """A statement without rows (BEGIN, COMMIT); `Failed` when the server refuses it."""
        self.pq.PQclear(self._result(self.pq.PQexec(self.conn, sql.encode("utf-8")), PGRES_COMMAND_OK))

    def first_row(self, sql: str, params: list[str]) -> list[bytes | None] | None:
        """`first_row` on this connection."""
        pq = self.pq
        res = pq.PQexecParams(
            self.conn, sql.encode("utf-8"), len(params), None, _array(params), None, None, 0
        )
        res = self._result(res, PGRES_TUPLES_OK)
        try:
            if pq.PQntuples(res) < 1:
                return None
            return [self._value(res, c) for c in range(pq.PQnfields(res))]
        finally:
            pq.PQclear(res)

    def _value(self, res: Any, column: int) -> bytes | None:
        if self.pq.PQgetisnull(res, 0, column):
            return None
        return ctypes.string_at(self.pq.PQgetvalue(res, 0, column), self.pq.PQgetlength(res, 0, column))

    def rows(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of ``sql`` compiled for psycopg (``%(name)s`` values from ``params``), each value
        the Python value psycopg gives (int, str, bool, date, None), read as one COPY of its text."""
        query = self._inline(sql, params)
        converters = self._converters(query)
        pq, buffer, chunks = self.pq, ctypes.c_void_p(), []
        self._result(pq.PQexec(self.conn, f"COPY ({query}) TO STDOUT".encode()), PGRES_COPY_OUT)
        while (size := pq.PQgetCopyData(self.conn, ctypes.byref(buffer), 0)) > 0:
            chunks.append(ctypes.string_at(buffer, size))
            pq.PQfreemem(buffer)
        ok = size == -1
        while result := pq.PQgetResult(self.conn):  # the COPY's own result, then the end of results
            ok = ok and pq.PQresultStatus(result) == PGRES_COMMAND_OK
            pq.PQclear(result)
        if not ok:
            raise Failed("copy")
        return _parse(b"".join(chunks).decode("utf-8"), converters)

    def _inline(self, sql: str, params: dict[str, Any]) -> str:
        """``sql`` with its values written in as literals (COPY takes no parameters)."""

        def literal(found: re.Match[str]) -> str:
            if found[1] is None:
                return "%"
            value = params[found[1]]
            if value is None:
                return "NULL"
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            if isinstance(value, int):
                return f"({value})"
            if not isinstance(value, str):
                raise Unavailable(type(value).__name__)
            data = value.encode("utf-8")
            quoted = self.pq.PQescapeLiteral(self.conn, data, len(data))
            if not quoted:
                raise Failed("escape")
            try:
                return ctypes.string_at(quoted).decode("utf-8")
            finally:
                self.pq.PQfreemem(quoted)

        return _PYFORMAT.sub(literal, sql)

    def _converters(self, query: str) -> list[Callable[[str], Any] | None]:
        """Each column's converter from text (`_TEXT_TYPES`), from the server's description."""
        pq = self.pq
        pq.PQclear(
            self._result(pq.PQprepare(self.conn, b"", query.encode("utf-8"), 0, None), PGRES_COMMAND_OK)
        )
        res = self._result(pq.PQdescribePrepared(self.conn, b""), PGRES_COMMAND_OK)
        try:
            types = [pq.PQftype(res, c) for c in range(pq.PQnfields(res))]
        finally:
            pq.PQclear(res)
        if any(t not in _TEXT_TYPES for t in types):
            raise Unavailable("column type")
        if 1082 in types and not (pq.PQparameterStatus(self.conn, b"DateStyle") or b"").startswith(b"ISO"):
            raise Unavailable("DateStyle")
        return [_TEXT_TYPES[t] for t in types]


def _parse(text: str, converters: list[Callable[[str], Any] | None]) -> list[tuple[Any, ...]]:
    """The rows of COPY's text format: a line a row, tab-separated, ``\\N`` for NULL; read a column at
    a time (a province's listing is a million cells)."""
    lines = text.split("\n")[:-1]
    if not lines:
        return []
    escaped = "\\" in text.replace("\\N", "")  # a backslash that is not a NULL's: an escape somewhere
    columns = zip(*(line.split("\t") for line in lines), strict=True)
    values = [_column(cells, convert, escaped) for cells, convert in zip(columns, converters, strict=True)]
    return list(zip(*values, strict=True))


def _column(cells: tuple[str, ...], convert: Callable[[str], Any] | None, escaped: bool) -> list[Any]:
    null = "\\N"
    if convert is not None or not escaped:  # numbers, dates and booleans have no escapes
        if null not in cells:
            return list(cells) if convert is None else list(map(convert, cells))
        return [None if c == null else c if convert is None else convert(c) for c in cells]
    return [None if c == null else c if "\\" not in c else _unescape(c) for c in cells]


def _unescape(cell: str) -> str:
    return _ESCAPED.sub(lambda m: _LETTERS.get(m[1], m[1]), cell)


__all__ = ["Failed", "Session", "Unavailable", "connected", "first_row", "load"]
