"""Match one round of records to the ledger's units: by credit code, else by normalised name within
the township; create the units that are new, in bulk.

A unit's name, kind and township are dated like its figures: a file as of a date earlier than the
unit's latest snapshot does not rewrite them (its own snapshot keeps what it said). Only the units a
round mentions are read from the ledger, never the whole ledger. Units this import created have ids
above the largest one before it: a later round matches such a unit only by the identity it was
created with, exactly as if the whole file had been written in one round.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.functions import max as max_

from djgj.ledger import copy
from djgj.ledger.counts import Counts
from djgj.ledger.models import Snapshot, Township, Unit
from djgj.read.layout import village_core
from djgj.records.parse import Record
from djgj.records.record import identity_of

#: Keys per lookup statement (well under SQLite's and PostgreSQL's parameter limits).
LOOKUP_CHUNK = 500

_UNIT_COLUMNS = ("kind", "name", "norm_name", "credit_code", "township_id", "batch_id")
_ATTRIBUTES = ("name", "kind", "township_id", "credit_code")

Key = tuple[Any, ...]


def identity(credit_code: str | None, township_id: int | None, norm_name: str) -> Key:
    """A unit's identity in the ledger: `Record.identity` with the township as its ledger id."""
    return identity_of(credit_code, township_id, norm_name)


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


def insert_rows(
    conn: Connection, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """SQLite: one prepared INSERT run over plain tuples (a list or a generator, dates already as
    SQLAlchemy's SQLite Date keeps them) by the driver's own ``executemany``, in the connection's
    transaction; a failure is raised as SQLAlchemy's `DBAPIError`, as from any other statement."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc
    finally:
        cursor.close()


def chunks(items: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(items), LOOKUP_CHUNK):
        yield items[i : i + LOOKUP_CHUNK]


class UnitMatcher:
    """Finds or creates the unit of every record of a round; keeps what earlier rounds created."""

    def __init__(
        self,
        conn: Connection,
        county: str,
        as_of: dt.date | None,
        batch_id: int,
        counts: Counts,
        *,
        unique: bool = False,
    ):
        self.conn, self.county, self.as_of, self.batch_id, self.counts = conn, county, as_of, batch_id, counts
        #: No two records of this file have the same identity (a streamed sheet: its row pipeline
        #: passes each unit's first row only), so no round can meet a unit an earlier round created.
        self.unique = unique
        self.sqlite = conn.dialect.name == "sqlite"
        self.mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.units_before = int(conn.execute(select(max_(Unit.id))).scalar() or 0)
        self.next_unit_id = self.units_before + 1
        self.towns: dict[str, int] = {}
        #: Units whose name, kind or township a later-dated snapshot keeps (this file is older).
        self.attributes_kept = 0
        #: New villages and communities named like one the ledger has in the same township
        #: (东关村委会 beside 东关村): (new name, known name), said, never merged.
        self.near_names: list[tuple[str, str]] = []

    @property
    def reads_units(self) -> bool:
        """Whether matching reads the ledger's units at all: not for distinct units into an empty
        ledger (every record a new unit; `match`)."""
        return not (self.unique and not self.units_before)

    # -- reading what a round needs
    def _rows(self, sql: str, params: list[Any]) -> list[Any]:
        return list(self.conn.exec_driver_sql(sql, tuple(params)))

    def _units(self, codes: set[str], names: set[tuple[int | None, str]]) -> list[Any]:
        """Units with one of these credit codes or (township id, normalised name) pairs, by id."""
        cols = "id, credit_code, township_id, norm_name, name, kind"
        found: dict[int, Any] = {}
        if not self.sqlite:
            return copy.find_units(self.conn, cols, codes, names)
        m = self.mark
        for chunk in chunks(sorted(codes)):
            sql = f"SELECT {cols} FROM units WHERE credit_code IN ({', '.join([m] * len(chunk))})"
            found.update((r[0], r) for r in self._rows(sql, chunk))
        for chunk in chunks(sorted(n for t, n in names if t is None)):
            sql = (
                f"SELECT {cols} FROM units WHERE township_id IS NULL "
                f"AND norm_name IN ({', '.join([m] * len(chunk))})"
            )
            found.update((r[0], r) for r in self._rows(sql, chunk))
        for pairs in chunks(sorted((t, n) for t, n in names if t is not None)):
            values = ", ".join([f"({m}, {m})"] * len(pairs))
            sql = (
                f"SELECT u.{cols.replace(', ', ', u.')} FROM (VALUES {values}) AS k "
                "JOIN units u ON u.township_id = k.column1 AND u.norm_name = k.column2"
            )
            found.update((r[0], r) for r in self._rows(sql, [v for pair in pairs for v in pair]))
        return [found[k] for k in sorted(found)]

    def _latest_dates(self, unit_ids: list[int]) -> dict[int, dt.date]:
        out: dict[int, dt.date] = {}
        for chunk in chunks(unit_ids):
            q = (
                select(Snapshot.unit_id, max_(Snapshot.as_of))
                .where(Snapshot.unit_id.in_(chunk))
                .group_by(Snapshot.unit_id)
            )
            out.update((u, d) for u, d in self.conn.execute(q))
        return out

    def _known(self, records: list[Record], tids: list[int | None]) -> list[Any]:
        """The ledger's units (and this import's) that this round's records could be."""
        codes = {r.credit_code for r in records if r.credit_code}
        # Into a ledger that was empty, only units this import created can match: by the identity
        # they were created with, so records with a credit code need no lookup by name.
        names = {
            (tid, r.norm_name)
            for r, tid in zip(records, tids, strict=True)
            if self.units_before or not r.credit_code
        }
        return self._units(codes, names)

    def township_ids(self, records: list[Record]) -> list[int | None]:
        missing = {r.township for r in records if r.township and r.township not in self.towns}
        if missing:
            self.towns.update(township_ids(self.conn, missing, county=self.county))
        return [self.towns.get(r.township) if r.township else None for r in records]

    # -- matching
    def match(self, records: list[Record], tids: list[int | None]) -> list[int]:
        """The unit id of every record (created when new; attributes updated where this file is not older)."""
        if not self.reads_units:
            # Into a ledger that was empty, a file whose identities are unique creates a unit for
            # every record: nothing to look up (the only units are this import's, none repeated).
            batch = self.batch_id
            ids = self._create_units(
                [
                    (r.kind, r.name, r.norm_name, r.credit_code, t, batch)
                    for r, t in zip(records, tids, strict=True)
                ]
            )
            self.counts.units_created += len(ids)
            return ids
        by_code: dict[str, int] = {}
        by_name: dict[tuple[int | None, str], int] = {}
        units: dict[int, dict[str, Any]] = {}
        created: dict[Key, int] = {}  # units an earlier round of this import created
        for known_id, code, known_town, norm, name, kind in self._known(records, tids):
            if known_id > self.units_before:
                created.setdefault(identity(code, known_town, norm), known_id)
                continue
            if code:
                by_code[code] = known_id
            by_name.setdefault((known_town, norm), known_id)
            units[known_id] = {"credit_code": code, "township_id": known_town, "name": name, "kind": kind}
        matched: list[int] = []
        new_units: list[tuple[Any, ...]] = []
        pending: dict[Key, int] = {}  # identity -> index in new_units, for repeats within the file
        for rec, tid in zip(records, tids, strict=True):
            uid: int | None = by_code.get(rec.credit_code) if rec.credit_code else None
            if uid is None:
                candidate = by_name.get((tid, rec.norm_name))
                if candidate is not None and (not rec.credit_code or not units[candidate]["credit_code"]):
                    uid = candidate
            if uid is not None:
                matched.append(uid)
                continue
            key = identity(rec.credit_code, tid, rec.norm_name)
            earlier = created.get(key)
            if earlier is not None:
                matched.append(earlier)
                continue
            if key not in pending:
                pending[key] = len(new_units)
                new_units.append((rec.kind, rec.name, rec.norm_name, rec.credit_code, tid, self.batch_id))
            matched.append(-1 - pending[key])
        self._update_attributes(records, tids, matched, units)
        self._note_near_villages(new_units)
        new_ids = self._create_units(new_units)
        self.counts.units_created += len(new_ids)
        return [new_ids[-1 - m] if m < 0 else m for m in matched]

    def _note_near_villages(self, new_units: list[tuple[Any, ...]]) -> None:
        """New villages and communities whose name differs from one the ledger already has in the
        same township only by its committee or its township (`layout.village_core`)."""
        places = [(name, norm, tid) for kind, name, norm, _, tid, _ in new_units if kind in _PLACES and tid]
        if not places or len(self.near_names) >= _NEAR_SHOWN:
            return
        towns = sorted({tid for *_, tid in places})
        marks = ", ".join([self.mark] * len(towns))
        known = self._rows(
            f"SELECT name, norm_name, township_id FROM units WHERE township_id IN ({marks}) "
            f"AND kind IN ('village', 'community') AND id <= {self.mark}",
            [*towns, self.units_before],
        )
        cores = {(tid, village_core(norm)): name for name, norm, tid in known}
        for name, norm, tid in places:
            other = cores.get((tid, village_core(norm)))
            if other is not None and len(self.near_names) < _NEAR_SHOWN:
                self.near_names.append((name, other))

    def _update_attributes(
        self,
        records: list[Record],
        tids: list[int | None],
        matched: list[int],
        units: dict[int, dict[str, Any]],
    ) -> None:
        """A known unit takes this file's name, kind and township unless a later-dated snapshot holds
        them; a credit code it lacked is always taken (it identifies the unit, it is not dated)."""
        latest = self._latest_dates(sorted({m for m in matched if m >= 0})) if units else {}
        updates: dict[int, dict[str, Any]] = {}
        kept: set[int] = set()
        for rec, tid, uid in zip(records, tids, matched, strict=True):
            if uid < 0:
                continue
            known = units[uid]
            wanted = {"name": rec.name, "kind": rec.kind, "township_id": tid, "credit_code": rec.credit_code}
            changes = {k: v for k, v in wanted.items() if v is not None and known.get(k) != v}
            newer = latest.get(uid)
            if newer is not None and self.as_of is not None and self.as_of < newer:
                if set(changes) - {"credit_code"}:
                    kept.add(uid)
                changes = {k: v for k, v in changes.items() if k == "credit_code"}
            if not changes:
                continue
            if "name" in changes:
                changes["norm_name"] = rec.norm_name
            known.update(changes)
            updates.setdefault(uid, {}).update(changes)
        for uid, changes in updates.items():
            self.conn.execute(update(Unit).where(Unit.id == uid).values(**changes))
        self.counts.units_updated += len(updates)
        self.counts.units_matched += len({m for m in matched if m >= 0})
        self.attributes_kept += len(kept)

    def _create_units(self, new_units: list[tuple[Any, ...]]) -> list[int]:
        """Insert new units, returning their ids in order. SQLite: ids allocated under the write lock
        (BEGIN IMMEDIATE) and one executemany; elsewhere: INSERT … RETURNING in insertmanyvalues batches."""
        if not new_units:
            return []
        if self.sqlite:
            first = self.next_unit_id
            ids = list(range(first, first + len(new_units)))
            self.next_unit_id += len(new_units)
            rows = ((i, *u) for i, u in zip(ids, new_units, strict=True))
            insert_rows(self.conn, "units", ("id", *_UNIT_COLUMNS), rows)
            return ids
        ids = copy.new_ids(self.conn, "units", len(new_units))
        copy.copy_rows(
            self.conn, "units", ("id", *_UNIT_COLUMNS), [(i, *u) for i, u in zip(ids, new_units, strict=True)]
        )
        return ids


_PLACES = ("village", "community")
#: Near-named villages said, at most (a county has a few hundred villages).
_NEAR_SHOWN = 50

__all__ = ["LOOKUP_CHUNK", "UnitMatcher", "chunks", "identity", "insert_rows", "township_ids"]
