"""Figures read the year-end state (`djgj.ledger.state`) instead of grouping all snapshots.

`latest` is a drop-in replacement for "each unit's latest snapshot on or before ``as_of``" (a
subquery of unit_id, as_of, and snapshot_id and employees): at a year-end it is an indexed read of
``year_states`` (a year after the ledger's last snapshot year reads that last year); at any other
date it is the GROUP BY over snapshots, as before. `latest_grouped` is that GROUP BY, kept as the
reference the tests compare the state with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, select

from djgj.ledger.models import Snapshot, YearState


def latest_grouped(as_of: dt.date) -> Any:
    """Each unit's latest snapshot on or before ``as_of``, by a GROUP BY over all snapshots."""
    return (
        select(Snapshot.unit_id, func.max(Snapshot.as_of).label("as_of"))
        .where(Snapshot.as_of <= as_of)
        .group_by(Snapshot.unit_id)
        .subquery("latest")
    )


def state_year(year: int) -> Any:
    """The state year that answers ``year``: itself, or the last one kept when it lies beyond."""
    return select(func.max(YearState.year)).where(YearState.year <= year).scalar_subquery()


def latest(as_of: dt.date) -> Any:
    """Each unit's latest snapshot on or before ``as_of`` (a subquery of unit_id, as_of, snapshot_id)."""
    if (as_of.month, as_of.day) != (12, 31):
        return latest_grouped(as_of)
    ys = YearState
    return (
        select(ys.unit_id, ys.as_of, ys.snapshot_id, ys.employees)
        .where(ys.year == state_year(as_of.year))
        .subquery("latest")
    )


def join_on(lt: Any) -> Any:
    """How snapshots join a `latest` subquery: by snapshot id (the primary key) when it has one."""
    if "snapshot_id" in lt.c:
        return Snapshot.id == lt.c.snapshot_id
    return and_(Snapshot.unit_id == lt.c.unit_id, Snapshot.as_of == lt.c.as_of)


__all__ = ["join_on", "latest", "latest_grouped", "state_year"]
