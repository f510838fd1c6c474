"""Merge one round of records into the ledger's snapshots (one per unit and date).

A new unit and date is inserted in bulk. A unit and date the ledger already holds is merged value by
value: a value this file does not give (unknown) never replaces a known one, nor does a blank cell
whose 0/no is only the sheet's convention (counted and listed as kept); a known value given
differently is replaced and listed as a conflict (old → new, with both files). Before a snapshot is
changed, its values as they were go to ``snapshot_history`` with this batch as the one that replaced
them: the unit's history keeps them, and undoing this import restores them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.sql.functions import max as max_

from djgj.ledger import copy
from djgj.ledger.counts import Counts
from djgj.ledger.match import chunks, insert_rows
from djgj.ledger.models import ImportBatch, Snapshot, SnapshotHistory
from djgj.records.parse import Record
from djgj.vocab.fields import SNAPSHOT_FIELDS

SNAPSHOT_VALUE_COLUMNS = [*SNAPSHOT_FIELDS, "union_established_precision", "flags"]
#: The unit's attributes as the snapshot's file gave them (dated like its figures).
ATTRIBUTE_COLUMNS = ["unit_name", "unit_kind", "township_id"]
_INSERT_COLUMNS = (
    "unit_id",
    "as_of",
    "batch_id",
    "sheet",
    "row",
    *SNAPSHOT_VALUE_COLUMNS,
    *ATTRIBUTE_COLUMNS,
)
_DATE_COLUMNS = {k for k in SNAPSHOT_VALUE_COLUMNS if SNAPSHOT_FIELDS.get(k, ("",))[0] == "date"}
#: Conflicts and kept blanks listed in full per import; beyond this they are only counted.
MAX_LISTED = 1000


def attributes(rec: Record, township_id: int | None) -> dict[str, Any]:
    return {"unit_name": rec.name, "unit_kind": rec.kind or None, "township_id": township_id}


class SnapshotWriter:
    """Writes the snapshots of one file's rounds; lists conflicts and kept blanks into ``result``."""

    def __init__(self, conn: Connection, as_of: dt.date | None, batch_id: int, result: Any, file_name: str):
        self.conn, self.as_of, self.batch_id, self.result = conn, as_of, batch_id, result
        self.file_name = file_name
        self.sqlite = conn.dialect.name == "sqlite"
        self.snapshots_before = int(conn.execute(select(max_(Snapshot.id))).scalar() or 0)
        self.saved: set[int] = set()  # snapshots whose earlier values this import already kept
        self.files: dict[int | None, str] = {None: ""}
        self.now = dt.datetime.now()

    def _existing(self, unit_ids: list[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for chunk in chunks(unit_ids):
            q = select(Snapshot).where(Snapshot.as_of == self.as_of, Snapshot.unit_id.in_(chunk))
            out.update((row.unit_id, row._asdict()) for row in self.conn.execute(q))
        return out

    def write(self, records: list[Record], unit_ids: list[int], tids: list[int | None], known: int) -> None:
        """Insert or merge the snapshot of each record; ``known`` is the largest unit id before the import."""
        counts: Counts = self.result
        existing = self._existing(sorted({u for u in unit_ids if u <= known}))
        if not existing and len(set(unit_ids)) == len(unit_ids):
            # Every record a new snapshot of its own unit (e.g. into an empty ledger): straight to rows.
            self._insert(zip(unit_ids, records, tids, [None] * len(records), strict=True))
            counts.snapshots_created += len(records)
            return
        # unit -> [first record, its township id, merged values once a second record of it came]
        inserts: dict[int, list[Any]] = {}
        updates: list[dict[str, Any]] = []
        merges: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for rec, unit_id, tid in zip(records, unit_ids, tids, strict=True):
            old = existing.get(unit_id)
            if old is None:
                first = inserts.get(unit_id)
                if first is None:
                    inserts[unit_id] = [rec, tid, None]
                    continue
                if first[2] is None:
                    first[2] = {**first[0].values, **attributes(first[0], first[1])}
                if not self._merge(first[2], rec, tid, None):
                    # The same unit twice in this round (e.g. two sheets): merged into the one insert.
                    counts.snapshots_unchanged += 1
                continue
            ours = old["id"] > self.snapshots_before  # inserted by an earlier round of this import
            before = dict(old)
            if not self._merge(old, rec, tid, None if ours else before):
                counts.snapshots_unchanged += 1
                continue
            row = {k: old.get(k) for k in [*SNAPSHOT_VALUE_COLUMNS, *ATTRIBUTE_COLUMNS]}
            if ours:
                merges.append({**row, "_id": old["id"]})
                continue
            if old["id"] not in self.saved:
                self.saved.add(old["id"])
                history.append(self._history_row(before))
            updates.append(
                {**row, "_id": old["id"], "batch_id": self.batch_id, "sheet": rec.sheet, "row": rec.row}
            )
        if history:
            self.conn.execute(insert(SnapshotHistory), history)
        if inserts:
            self._insert((u, rec, tid, merged) for u, (rec, tid, merged) in inserts.items())
            counts.snapshots_created += len(inserts)
        columns = [*SNAPSHOT_VALUE_COLUMNS, *ATTRIBUTE_COLUMNS]
        for rows, extra in ((updates, ["batch_id", "sheet", "row"]), (merges, [])):
            if rows and not self.sqlite:  # one UPDATE … FROM the rows COPYed into a temporary table
                keys = [*columns, *extra]
                data = [(r["_id"], *(r[k] for k in keys)) for r in rows]
                copy.update_rows(self.conn, "snapshots", ("id",), keys, data)
            elif rows:
                change = (
                    update(Snapshot)
                    .where(Snapshot.id == bindparam("_id"))
                    .values({k: bindparam(k) for k in [*columns, *extra]})
                )
                self.conn.execute(change, rows)
        counts.snapshots_updated += len(updates)

    def _merge(
        self, into: dict[str, Any], rec: Record, tid: int | None, before: dict[str, Any] | None
    ) -> bool:
        """Merge ``rec`` into the values ``into``; True when anything changed. With ``before`` (a
        snapshot an earlier import wrote), a known value given differently is listed as a conflict."""
        counts: Counts = self.result
        blank = rec.blank
        changed = False
        for k in SNAPSHOT_VALUE_COLUMNS:
            v = rec.values.get(k)
            if v is None:
                continue  # unknown: never replaces anything
            old = into.get(k)
            if old == v:
                continue
            if old is not None and k in blank:
                counts.blanks_kept += 1
                self._list("blanks_listed", rec, k, old, v, into)
                continue
            if old is not None and before is not None:
                counts.conflicts += 1
                self._list("conflicts_listed", rec, k, old, v, into)
            into[k] = v
            changed = True
        for k, v in attributes(rec, tid).items():
            if v is not None and into.get(k) != v:
                into[k] = v
                changed = True
        return changed

    def _list(self, what: str, rec: Record, fld: str, old: Any, new: Any, into: dict[str, Any]) -> None:
        listed: list[dict[str, Any]] = getattr(self.result, what)
        if len(listed) >= MAX_LISTED:
            return
        entry = {
            "unit": rec.name,
            "credit_code": rec.credit_code,
            "as_of": self.as_of,
            "field": fld,
            "old": old,
            "new": new,
            "old_file": self._file_of(into.get("batch_id")),
            "new_file": self.file_name,
            "sheet": rec.sheet,
            "row": rec.row,
        }
        if what == "blanks_listed":
            entry["new"] = None
        listed.append(entry)

    def _file_of(self, batch_id: int | None) -> str:
        if batch_id not in self.files:
            q = select(ImportBatch.file_name).where(ImportBatch.id == batch_id)
            self.files[batch_id] = self.conn.execute(q).scalar() or ""
        return self.files[batch_id]

    def _history_row(self, old: dict[str, Any]) -> dict[str, Any]:
        keep = ["unit_id", "as_of", *SNAPSHOT_VALUE_COLUMNS, *ATTRIBUTE_COLUMNS, "batch_id", "sheet", "row"]
        return {
            **{k: old.get(k) for k in keep},
            "snapshot_id": old["id"],
            "replaced_by": self.batch_id,
            "replaced_at": self.now,
        }

    def _rows(
        self,
        items: Iterable[tuple[int, Record, int | None, dict[str, Any] | None]],
        columns: list[str] = SNAPSHOT_VALUE_COLUMNS,
    ) -> Iterator[tuple[Any, ...]]:
        """The row of each new snapshot (unit id, record, township id, values merged from several
        records or None), as a plain tuple in `_INSERT_COLUMNS` order (the value columns only
        ``columns``); dates on SQLite as SQLAlchemy's SQLite Date keeps them (ISO text)."""
        as_of: Any = self.as_of
        if self.sqlite and as_of is not None:
            as_of = as_of.isoformat()
        batch = self.batch_id
        dates = [i for i, k in enumerate(columns) if k in _DATE_COLUMNS] if self.sqlite else []
        for unit_id, rec, tid, merged in items:
            get = rec.values.get if merged is None else merged.get
            values = list(map(get, columns))
            for i in dates:
                day = values[i]
                if day is not None:
                    values[i] = day.isoformat()
            if merged is None:
                yield (unit_id, as_of, batch, rec.sheet, rec.row, *values, rec.name, rec.kind or None, tid)
            else:
                attrs = map(get, ATTRIBUTE_COLUMNS)
                yield (unit_id, as_of, batch, rec.sheet, rec.row, *values, *attrs)

    def _insert(self, items: Iterable[tuple[int, Record, int | None, dict[str, Any] | None]]) -> None:
        """One executemany of the new snapshots' rows (SQLite: the driver's, naming only the value
        columns some record of the round gives, the others left NULL, as they would be bound;
        PostgreSQL: COPY)."""
        if not self.sqlite:
            copy.copy_rows(self.conn, "snapshots", _INSERT_COLUMNS, list(self._rows(items)))
            return
        items = list(items)
        given: set[str] = set()
        for _, rec, _, merged in items:
            given.update(rec.values if merged is None else merged)
        columns = [k for k in SNAPSHOT_VALUE_COLUMNS if k in given]
        names = (*_INSERT_COLUMNS[:5], *columns, *ATTRIBUTE_COLUMNS)
        insert_rows(self.conn, "snapshots", names, self._rows(items, columns))


__all__ = ["ATTRIBUTE_COLUMNS", "MAX_LISTED", "SNAPSHOT_VALUE_COLUMNS", "SnapshotWriter", "attributes"]
