"""The database side of a roster import, one round of rows at a time: what the ledger already knows
about the round (its units, people, memberships, and the rows of the same table already written),
each asked in one statement whatever the round's length; then the round's new and changed people
and memberships written in bulk (PostgreSQL: ``COPY`` and one ``UPDATE … FROM``; SQLite:
``executemany`` of plain tuples through the driver). `ledger.rosters` decides; this module only
asks and moves rows, in the file's transaction, so a refused file still rolls back whole.

Memory does not grow with the roster's length: what a later round must know of the earlier ones
(which person and unit a row of this table already gave, at which row, and whether the person left)
is kept in a temporary table, ``roster_seen``, not in Python.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection

from djgj.ledger import copy

#: Units kept between rounds (a roster lists each unit's members together, so most rounds ask again
#: for the units the last one asked for); the cache is emptied when it holds more keys than this.
UNIT_CACHE = 50_000

#: PostgreSQL checks a foreign key row by row with a trigger (four per member written here); once a
#: roster import has written this many rows, and a 20th of the memberships the ledger held, the
#: foreign keys of people and memberships are dropped and added back (validated in one join each)
#: at the end, in the same transaction.
PAUSE_ROWS = 20_000
PAUSE_FACTOR = 20
_TABLES = ("people", "memberships")

#: A unit as a roster's messages name it: id, name, township name.
UnitRow = tuple[int, str, str | None]

PERSON_COLUMNS = (
    "id_number",
    "batch_id",
    "name",
    "sex",
    "birth_date",
    "politics",
    "phone",
    "is_migrant",
    "id_valid",
)
#: Columns a later row may change for a person already in the ledger (None: left as it is).
PERSON_UPDATES = ("name", "sex", "birth_date", "politics", "phone", "is_migrant", "id_valid")
MEMBERSHIP_COLUMNS = ("person_id", "unit_id", "joined_on", "left_on", "batch_id", "sheet", "row")


def _day(value: dt.date | None) -> str | None:
    """A date as SQLAlchemy's SQLite Date keeps it (ISO text)."""
    return None if value is None else value.isoformat()


def _same(value: Any) -> Any:
    return value


class RosterStore:
    """Lookups and bulk writes of one roster import (see the module's docstring)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.codes: dict[str, int | None] = {}
        self.names: dict[str, list[UnitRow]] = {}
        self._every_name: dict[str, list[UnitRow]] | None = None
        self.rows = 0
        self.table: tuple[int, str] = (0, "")
        self.staged = 0
        self.day = _day if self.sqlite else _same
        self.checks: list[str] | None = None
        self.before = 0
        if not self.sqlite:  # (the planner's estimate: exact enough, and free on a large table)
            sql = "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'memberships'::regclass"
            self.before = int(conn.exec_driver_sql(sql).scalar_one())

    def written(self, n: int) -> None:
        """Count ``n`` more rows written; PostgreSQL: pause the foreign keys once they dwarf the ledger."""
        self.rows += n
        if self.sqlite or self.checks is not None:
            return
        if self.rows >= max(PAUSE_ROWS, self.before // PAUSE_FACTOR):
            self.checks = copy.pause_checks(self.conn, _TABLES)

    def close(self) -> None:
        """Add back what `written` paused (validated), and gather the planner's statistics after a
        large load."""
        if self.checks is not None:
            copy.restore(self.conn, self.checks, analyze=_TABLES)
        elif not self.sqlite and self.rows >= PAUSE_ROWS:
            copy.restore(self.conn, [], analyze=_TABLES)
        self.checks = None

    def _select(self, sql: str, keys: Collection[Any]) -> Sequence[Any]:
        """``sql`` with ``{keys}`` standing for "one of these keys": one array parameter on
        PostgreSQL (``= ANY``), one JSON array on SQLite (``IN json_each``), whatever their number."""
        if self.sqlite:
            where = "IN (SELECT value FROM json_each(?))"
            return self.conn.exec_driver_sql(sql.format(keys=where), (json.dumps(list(keys)),)).all()
        return self.conn.exec_driver_sql(sql.format(keys="= ANY(%s)"), (list(keys),)).all()

    # -- units
    def units(self, codes: set[str], names: set[str]) -> tuple[dict[str, int], dict[str, list[UnitRow]]]:
        """The units with these credit codes (code → id) and normalised names (name → every unit of
        that name, by id): only keys not asked for lately are looked up, in one statement each."""
        if len(self.codes) + len(self.names) > UNIT_CACHE:
            self.codes, self.names = {}, {}
        want_codes = [c for c in codes if c not in self.codes]
        want_names = [n for n in names if n not in self.names]
        self.codes.update(dict.fromkeys(want_codes))
        self.names.update((n, []) for n in want_names)
        if want_codes:
            for uid, code in self._select(
                "SELECT id, credit_code FROM units WHERE credit_code {keys}", want_codes
            ):
                self.codes[code] = int(uid)
        if want_names:
            sql = (
                "SELECT u.id, u.norm_name, u.name, t.name FROM units u "
                "LEFT JOIN townships t ON t.id = u.township_id WHERE u.norm_name {keys} ORDER BY u.id"
            )
            for uid, norm, name, town in self._select(sql, want_names):
                self.names[norm].append((int(uid), name, town))
        by_code = {c: uid for c in codes if (uid := self.codes[c]) is not None}
        by_name = {n: found for n in names if (found := self.names[n])}
        return by_code, by_name

    def every_name(self) -> dict[str, list[UnitRow]]:
        """Every unit by normalised name (for the hint of a name the ledger does not have: rare,
        so read once, when first needed)."""
        if self._every_name is None:
            self._every_name = {}
            sql = (
                "SELECT u.id, u.norm_name, u.name, t.name FROM units u "
                "LEFT JOIN townships t ON t.id = u.township_id ORDER BY u.id"
            )
            for uid, norm, name, town in self.conn.exec_driver_sql(sql):
                self._every_name.setdefault(norm, []).append((int(uid), name, town))
        return self._every_name

    # -- people and memberships
    def people(self, numbers: Collection[str]) -> dict[str, tuple[int, str]]:
        """ID number → (person id, the name it is registered under) for those already in the ledger."""
        if not numbers:
            return {}
        rows = self._select("SELECT id, id_number, name FROM people WHERE id_number {keys}", numbers)
        return {n: (int(i), name) for i, n, name in rows}

    def memberships(self, person_ids: Collection[int]) -> dict[tuple[int, int], tuple[Any, Any, Any, Any]]:
        """(person id, unit id) → (the day the membership ended or None, and the batch, sheet and
        row that gave it) for these people."""
        if not person_ids:
            return {}
        sql = (
            "SELECT person_id, unit_id, left_on, batch_id, sheet, row FROM memberships WHERE person_id {keys}"
        )
        return {(int(p), int(u)): rest for p, u, *rest in self._select(sql, person_ids)}

    # -- the rows of the table being imported, as far as written
    #
    # A row that adds a membership is known again by it (batch, sheet and row); a row whose
    # membership was already in the ledger is noted in the temporary table ``roster_seen``.
    def begin_table(self, batch_id: int, sheet: str) -> None:
        self.table = (batch_id, sheet)
        self.staged = 0
        self.conn.exec_driver_sql("DROP TABLE IF EXISTS roster_seen")
        self.conn.exec_driver_sql(
            "CREATE TEMP TABLE roster_seen (id_number VARCHAR(18) NOT NULL, unit_id INTEGER NOT NULL, "
            "row INTEGER NOT NULL, gone BOOLEAN NOT NULL, PRIMARY KEY (id_number, unit_id))"
            + ("" if self.sqlite else " ON COMMIT DROP")
        )

    def seen(self, numbers: Collection[str]) -> dict[tuple[str, int], int]:
        """(ID number, unit id) → the row of this table that first gave them, for these numbers,
        among the rows noted in ``roster_seen``."""
        if not numbers or not self.staged:
            return {}
        sql = "SELECT id_number, unit_id, row FROM roster_seen WHERE id_number {keys}"
        return {(n, int(u)): int(r) for n, u, r in self._select(sql, numbers)}

    def see(self, rows: Sequence[tuple[str, int, int, bool]]) -> None:
        """Rows of this table whose membership was already in the ledger: (ID number, unit id,
        row, whether the person left)."""
        self._insert("roster_seen", ("id_number", "unit_id", "row", "gone"), rows)
        self.staged += len(rows)

    def transfers(self) -> list[tuple[str, int]]:
        """ID numbers on the current rosters of several units in this table (memberships it added
        and did not end, rows noted in ``roster_seen`` that did not leave), with how many, in the
        order of their first row."""
        m = "?" if self.sqlite else "%s"
        sql = (
            "SELECT id_number, count(*) FROM ("
            "SELECT p.id_number AS id_number, m.row AS row FROM memberships m "
            f"JOIN people p ON p.id = m.person_id WHERE m.batch_id = {m} AND m.sheet = {m} "
            "AND m.left_on IS NULL UNION ALL SELECT id_number, row FROM roster_seen WHERE NOT gone"
            ") s GROUP BY id_number HAVING count(*) > 1 ORDER BY min(row)"
        )
        return [(n, int(k)) for n, k in self.conn.exec_driver_sql(sql, self.table)]

    def end_table(self) -> None:
        self.conn.exec_driver_sql("DROP TABLE IF EXISTS roster_seen")

    # -- writes
    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if not self.sqlite:
            copy.copy_rows(self.conn, table, columns, rows)
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        self.conn.exec_driver_sql(sql, rows)

    def insert_people(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """New people (dicts of `PERSON_COLUMNS`), their ids in order."""
        if not rows:
            return []
        if self.sqlite:  # (the file's transaction holds SQLite's write lock: no one else takes ids)
            first = int(self.conn.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM people").scalar_one())
            ids = list(range(first, first + len(rows)))
        else:
            ids = copy.new_ids(self.conn, "people", len(rows))
        day = self.day
        data = [
            (
                i,
                *(r[c] for c in PERSON_COLUMNS[:4]),
                day(r["birth_date"]),
                *(r[c] for c in PERSON_COLUMNS[5:]),
            )
            for i, r in zip(ids, rows, strict=True)
        ]
        self._insert("people", ("id", *PERSON_COLUMNS), data)
        return ids

    def update_people(self, changes: dict[int, dict[str, Any]]) -> None:
        """People already in the ledger given again: each column given a value is set to it."""
        rows = [(pid, *(values.get(c) for c in PERSON_UPDATES)) for pid, values in changes.items()]
        self._update("people", ("id",), PERSON_UPDATES, rows)

    def insert_memberships(self, rows: Sequence[Sequence[Any]]) -> None:
        """New memberships, as tuples of `MEMBERSHIP_COLUMNS` (its dates given by `day`)."""
        self._insert("memberships", MEMBERSHIP_COLUMNS, rows)

    def end_memberships(self, ends: dict[tuple[int, int], dt.date]) -> None:
        """Memberships already in the ledger that a row ends: (person, unit) → the day."""
        rows = [(p, u, day) for (p, u), day in ends.items()]
        self._update("memberships", ("person_id", "unit_id"), ("left_on",), rows)

    def _update(
        self, table: str, keys: Sequence[str], columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Set the given (not None) values of ``columns`` of the rows with these ``keys``."""
        rows = list(rows)
        if not rows:
            return
        if not self.sqlite:
            copy.update_rows(self.conn, table, keys, columns, rows, keep_nulls=True)
            return
        sets = ", ".join(f"{c} = coalesce(?, {c})" for c in columns)
        where = " AND ".join(f"{k} = ?" for k in keys)
        n = len(keys)
        day = self.day
        params = [tuple(day(v) if isinstance(v, dt.date) else v for v in (*r[n:], *r[:n])) for r in rows]
        self.conn.exec_driver_sql(f"UPDATE {table} SET {sets} WHERE {where}", params)


__all__ = ["MEMBERSHIP_COLUMNS", "PERSON_COLUMNS", "RosterStore", "UNIT_CACHE"]
