"""PostgreSQL's write path for the import, merge and rosters: rows go in with ``COPY … FROM STDIN``
(psycopg 3), keys are looked up with one array parameter, and a load that dwarfs a table checks its
foreign keys and builds its indexes once, set-based, instead of row by row.

The import decides everything before it writes (matching, validation, merging, provenance): this
module only moves the rows it decided on, in the caller's transaction, so a refused file still rolls
back whole. ``INSERT … VALUES`` with thousands of placeholders costs psycopg more to split and
convert than the server spends writing; ``COPY`` streams the same rows in the table's text format.

- `new_ids`: ids for new rows taken from the table's own sequence, in order (what ``INSERT …
  RETURNING`` would have given), so the caller knows each new unit's id before it writes it;
- `copy_rows`: rows into a table (constraints and indexes checked exactly as by ``INSERT``);
- `update_rows`: many rows changed by key in one statement (``COPY`` into a temporary table, then
  one ``UPDATE … FROM``), each value given or, with ``keep_nulls``, None for "leave as it is";
- `find_units`: the units with one of many credit codes (``= ANY(array)``) or (township, name)
  pairs (``unnest`` of two arrays), one statement each;
- `pause_checks` / `restore`: drop a table's foreign keys (and indexes) for a big load and build
  them again after it, then ``ANALYZE`` (a fresh table has no planner statistics).

A database error keeps SQLAlchemy's type (`DBAPIError`), so the caller translates it as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError


@contextmanager
def _cursor(conn: Connection, statement: str) -> Iterator[Any]:
    """A psycopg cursor on the connection's own transaction; psycopg errors as `DBAPIError`."""
    import psycopg

    raw = conn.connection.driver_connection
    try:
        with raw.cursor() as cur:  # type: ignore[union-attr]
            yield cur
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def new_ids(conn: Connection, table: str, n: int) -> list[int]:
    """``n`` new ids from ``table``'s id sequence, ascending."""
    if n <= 0:
        return []
    # The sequence is named once: resolved for every row it costs ten times the nextval itself.
    seq = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar_one()
    sql = f"SELECT array_agg(nextval('{seq}'::regclass)) FROM generate_series(1, {int(n)})"
    return sorted(int(i) for i in conn.exec_driver_sql(sql).scalar_one())


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """``COPY table (columns) FROM STDIN`` of ``rows`` (Python values, None as NULL); the rows written."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    n = 0
    with _cursor(conn, statement) as cur, cur.copy(statement) as cp:
        for row in rows:
            cp.write_row(row)
            n += 1
    return n


def update_rows(
    conn: Connection,
    table: str,
    keys: Sequence[str],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    keep_nulls: bool = False,
) -> int:
    """Set ``columns`` of the rows of ``table`` whose ``keys`` match, from ``rows`` (the key values,
    then the column values, in that order): the rows ``COPY`` into a temporary table of the same
    column types, then one ``UPDATE … FROM`` joins it on the keys. With ``keep_nulls`` a None leaves
    the column's value as it is (``COALESCE``). Of rows with the same keys the last is the one set
    (as row-by-row updates in order would leave it). The count of rows set."""
    stage = f"_upd_{table}"
    head = [*keys, *columns]
    n_keys = len(keys)
    rows = list({tuple(r[:n_keys]): r for r in rows}.values())
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {stage}")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {', '.join(head)} FROM {table} WITH NO DATA"
    )
    n = copy_rows(conn, stage, head, rows)
    if n:
        sets = ", ".join(f"{c} = COALESCE(s.{c}, t.{c})" if keep_nulls else f"{c} = s.{c}" for c in columns)
        on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
        conn.exec_driver_sql(f"UPDATE {table} t SET {sets} FROM {stage} s WHERE {on}")
    conn.exec_driver_sql(f"DROP TABLE {stage}")
    return n


def find_units(
    conn: Connection, columns: str, codes: set[str], names: set[tuple[int | None, str]]
) -> list[Any]:
    """Units (``columns``, the id first) with one of these credit codes or (township id, normalised
    name) pairs, by id: three statements of one array parameter each, whatever the number of keys."""
    found: dict[int, Any] = {}
    if codes:
        sql = f"SELECT {columns} FROM units WHERE credit_code = ANY(%s)"
        found.update((r[0], r) for r in conn.exec_driver_sql(sql, (sorted(codes),)))
    bare = sorted(n for t, n in names if t is None)
    if bare:
        sql = f"SELECT {columns} FROM units WHERE township_id IS NULL AND norm_name = ANY(%s)"
        found.update((r[0], r) for r in conn.exec_driver_sql(sql, (bare,)))
    pairs = sorted((t, n) for t, n in names if t is not None)
    if pairs:
        cols = ", ".join(f"u.{c.strip()}" for c in columns.split(","))
        sql = (
            f"SELECT {cols} FROM unnest(%s::integer[], %s::text[]) AS k(township_id, norm_name) "
            "JOIN units u ON u.township_id = k.township_id AND u.norm_name = k.norm_name"
        )
        params = ([t for t, _ in pairs], [n for _, n in pairs])
        found.update((r[0], r) for r in conn.exec_driver_sql(sql, params))
    return [found[k] for k in sorted(found)]


def pause_checks(conn: Connection, tables: Sequence[str], indexes: bool = False) -> list[str]:
    """Drop the foreign keys of ``tables`` (and, with ``indexes``, their indexes that back no
    constraint) for a load that dwarfs them; the statements that restore them, for `restore`.

    PostgreSQL checks a foreign key row by row with a trigger (two lookups per snapshot written);
    ``ALTER TABLE … ADD CONSTRAINT`` validates all rows in one join. DDL is transactional: a refused
    file rolls back with its constraints in place."""
    restore: list[str] = []
    for table in tables:
        fks = conn.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(%s AS regclass) AND contype = 'f' ORDER BY conname",
            (table,),
        ).all()
        for name, definition in fks:
            conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        if not indexes:
            continue
        own = conn.exec_driver_sql(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = CAST(%s AS regclass) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            (table,),
        ).all()
        for name, definition in own:
            conn.exec_driver_sql(f"DROP INDEX {name}")
            restore.append(definition)
    return restore


def restore(conn: Connection, statements: Sequence[str], analyze: Sequence[str] = ()) -> None:
    """Build again what `pause_checks` dropped (indexes first: the foreign keys' validation joins
    use them), then gather the planner's statistics of the ``analyze`` tables (a fresh table has none)."""
    for sql in sorted(statements, key=lambda s: s.startswith("ALTER")):
        conn.exec_driver_sql(sql)
    for table in analyze:
        conn.exec_driver_sql(f"ANALYZE {table}")


__all__ = ["copy_rows", "find_units", "new_ids", "pause_checks", "restore", "update_rows"]
