"""A load that dwarfs the ledger writes without the secondary indexes it does not read, and builds
them once at the end (inside the same transaction).

Maintaining an index row by row costs more than building it in one sorted pass once the rows
loaded outnumber the rows already there. The import calls `rows` after each round it wrote: once the
file has brought at least `MIN_ROWS` rows and twice what the ledger held before, the indexes that
the import itself never reads (`PAUSED`) are dropped; `finish` (before the batch is closed) builds
them again. Unique constraints and the indexes the import matches by (credit code, township and
name, unit and date) are never touched, so validation and matching are exactly the same. A file of
distinct units into an empty ledger (`match.UnitMatcher.reads_units` false: no unit is read at all)
is the other way round: there the indexes of units by name, whose rows come in no order, are
paused, and on SQLite those whose rows come in their own order (`APPENDED`: every new unit's id is
larger than the last, the date and batch are the file's) are kept, each row added at the index's
end for the price of a sequential write while the reading process still works, instead of a sort
at the end when nothing else runs. DDL is
transactional on SQLite and PostgreSQL: a refused file rolls back to the ledger with its indexes.
On PostgreSQL the foreign keys of units and snapshots are paused too (checked row by row by
triggers there, validated in one join when added back) and the tables are analysed at the end.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Index, Table

from djgj.ledger import copy
from djgj.ledger.models import Snapshot, Unit

#: Rows a file must bring before its indexes are paused (a small file is never worth the DDL).
MIN_ROWS = 20_000
#: ... and how many times the ledger's units it must bring.
LEDGER_FACTOR = 2
_KEY = "djgj.bulk"
#: The tables a load writes (PostgreSQL: their foreign keys are paused too, and they are analysed).
_TABLES = ("units", "snapshots")


#: Indexes of units by name: paused only by an import that looks no unit up.
BY_NAME = ("ix_units_norm_name", "ix_units_township_name")
#: Indexes the import never reads whose keys a load of new units into an empty ledger writes in
#: ascending order (kind, then id; date, then unit id; batch, then unit id).
APPENDED = ("ix_snapshots_as_of_unit", "ix_snapshots_batch", "ix_units_kind")


def _paused(by_name: bool = False, appended: bool = True) -> list[Index]:
    """Indexes the import never reads while writing (it reads units by credit code and by township
    and name, snapshots by unit and date): those whose keys come in order unless ``appended`` is
    false (SQLite, an empty ledger), and with ``by_name`` (no unit is read: an empty ledger) those by
    name too."""
    names = {*(BY_NAME if by_name else ()), *(APPENDED if appended else ())}
    tables: list[Table] = [Unit.__table__, Snapshot.__table__]  # type: ignore[list-item]
    found = [i for t in tables for i in t.indexes if i.name in names]
    return sorted(found, key=lambda i: str(i.name))


PAUSED = [str(i.name) for i in _paused()]


def _state(conn: Connection, batch_id: int) -> dict[str, Any]:
    state = conn.info.get(_KEY)
    if state is None or state["batch"] != batch_id:
        state = {"batch": batch_id, "rows": 0, "dropped": False}
        conn.info[_KEY] = state
    return state


def rows(
    conn: Connection, batch_id: int, written: int, ledger_units: int, *, reads_units: bool = True
) -> None:
    """Count ``written`` more rows of batch ``batch_id``; pause the indexes once the load dwarfs the
    ``ledger_units`` the ledger held before it (those by name too unless the import ``reads_units``)."""
    state = _state(conn, batch_id)
    state["rows"] += written
    if state["dropped"] or state["rows"] < max(MIN_ROWS, LEDGER_FACTOR * ledger_units):
        return
    # (PostgreSQL's writer is the slower side of its import: all it does not read is paused there)
    paused = _paused(by_name=not reads_units, appended=reads_units or conn.dialect.name != "sqlite")
    for index in paused:
        index.drop(conn, checkfirst=True)
    state["indexes"] = [str(i.name) for i in paused]
    if conn.dialect.name == "postgresql":  # foreign keys are row-by-row triggers there
        state["checks"] = copy.pause_checks(conn, _TABLES)
    state["dropped"] = True


def finish(conn: Connection, batch_id: int) -> bool:
    """Build the paused indexes again (before the batch's transaction commits); True if any were."""
    state = conn.info.pop(_KEY, None)
    if state is None or state["batch"] != batch_id:
        return False
    if not state["dropped"]:
        if conn.dialect.name == "postgresql" and state["rows"] >= MIN_ROWS:
            copy.restore(conn, [], analyze=_TABLES)  # statistics for the planner's next question
        return False
    for index in _paused(by_name=True):
        if index.name in state["indexes"]:
            index.create(conn, checkfirst=True)
    if conn.dialect.name == "postgresql":
        copy.restore(conn, state.get("checks", []), analyze=_TABLES)
    return True


__all__ = ["APPENDED", "BY_NAME", "LEDGER_FACTOR", "MIN_ROWS", "PAUSED", "finish", "rows"]
