"""What a figure is computed over: a year-end, a family of units, a kind, a township, a depth.

Every figure of year Y reads, for each unit, its latest snapshot dated on or before 31 December of
Y; a unit without one is not counted. A snapshot dated before 1 January of Y is *carried over*: the
unit did not report in Y, so figures of change (年内新建) leave it out. `--year` defaults to the
latest year the ledger holds data for (`latest_year`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, select

from djgj.figures import state as year_state
from djgj.ledger import cache
from djgj.ledger.models import Snapshot, Township, Unit
from djgj.vocab.fields import ENTERPRISE_KINDS, FAMILIES, KINDS, VILLAGE_KINDS

__all__ = [
    "ENTERPRISE_KINDS",
    "FAMILIES",
    "VILLAGE_KINDS",
    "families_of",
    "family_of",
    "latest",
    "latest_year",
    "place",
    "snapshot_base",
    "year_end",
]

#: What defines the scope's answers kept in the figure cache (`newest_data`): this module and the state.
CODE = cache.code_of(__name__, "djgj.figures.state")
NO_TOWNSHIP = "（未填乡镇）"
NO_COUNTY = "（未分县）"
NO_CITY = "（未分市）"
LEVELS = ("city", "county", "township")


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def year_start(year: int) -> dt.date:
    return dt.date(year, 1, 1)


def family_of(kind: str) -> str:
    return "villages" if kind in VILLAGE_KINDS else "enterprises"


def families_of(kind: str | None) -> list[str]:
    """The families a report covers: the kind's own, or both (each its own section)."""
    return [family_of(kind)] if kind else list(FAMILIES)


def latest(as_of: dt.date) -> Any:
    """Each unit's latest snapshot on or before ``as_of`` (a subquery of unit_id, as_of): at a
    year-end an indexed read of the maintained year-end state (`figures.state`)."""
    return year_state.latest(as_of)


def where_township(q: Any, township: str | None) -> Any:
    """ "城关镇", "甲县/城关镇" or "甲市/甲县/城关镇": a township of a merged ledger by its place."""
    if not township:
        return q
    parts = township.split("/")
    q = q.where(Township.name == parts[-1])
    if len(parts) >= 2:
        q = q.where(Township.county == parts[-2])
    if len(parts) >= 3:
        q = q.where(Township.city == parts[-3])
    return q


def snapshot_base(
    as_of: dt.date,
    columns: list[Any],
    kind: str | None,
    township: str | None,
    family: str | None = None,
    lt: Any = None,
) -> Any:
    """SELECT ``columns`` from each unit's snapshot in force at ``as_of``, within the scope (``lt``: a
    `latest` subquery the caller keeps, to order or cut by it)."""
    lt = latest(as_of) if lt is None else lt
    q = (
        select(*columns)
        .select_from(Snapshot)
        .join(lt, year_state.join_on(lt))
        .join(Unit, Unit.id == Snapshot.unit_id)
        .outerjoin(Township, Township.id == Unit.township_id)
    )
    if kind:
        q = q.where(Unit.kind == kind)
    elif family:
        q = q.where(Unit.kind.in_(FAMILIES[family]))
    return where_township(q, township)


def latest_year(conn: Connection, kind: str | None = None, township: str | None = None) -> int | None:
    """The latest year the ledger holds data for (within the scope): the year of its newest snapshot."""
    q = select(func.max(Snapshot.as_of))
    if kind or township:  # without a scope, one step down the date index
        q = q.join(Unit, Unit.id == Snapshot.unit_id).outerjoin(Township, Township.id == Unit.township_id)
    if kind:
        q = q.where(Unit.kind == kind)
    newest = conn.execute(where_township(q, township)).scalar()
    if newest is None:
        return None
    if isinstance(newest, str):
        newest = dt.date.fromisoformat(newest[:10])
    return int(newest.year)


def newest_data(conn: Connection, year: int, kind: str | None, township: str | None) -> dt.date | None:
    """The newest snapshot date in force at the end of ``year`` within the scope: read from the
    year-end state alone (and the units and townships when scoped), kept in the figure cache."""
    lt = latest(year_end(year))
    q = select(func.max(lt.c.as_of)).select_from(lt)
    if kind or township:
        q = q.join(Unit, Unit.id == lt.c.unit_id).outerjoin(Township, Township.id == Unit.township_id)
    if kind:
        q = q.where(Unit.kind == kind)
    q = where_township(q, township)

    def newest() -> str | None:
        got = conn.execute(q).scalar()
        return None if got is None else str(got)[:10]

    key = cache.key_of("newest", CODE, year, kind, township)
    got = cache.value(conn, key, newest)
    return None if got is None else dt.date.fromisoformat(got)


def place(row: Any, level: str, multi_county: bool, multi_city: bool) -> str:
    """The name a group is reported under at one level: plain names for one county's ledger,
    qualified (甲县/城关镇) once counties are merged into one ledger."""
    city, county, town = row["city"] or "", row["county"] or "", row["town"]
    if level == "city":
        return city or NO_CITY
    if level == "county":
        return "/".join(x for x in (city if multi_city else "", county or NO_COUNTY) if x)
    town = town or NO_TOWNSHIP
    if not multi_county and not multi_city:
        return town
    return "/".join(x for x in (city if multi_city else "", county or NO_COUNTY, town) if x)


def scope_text(kind: str | None, township: str | None) -> str:
    return "、".join(x for x in (township, KINDS.get(kind or "", "")) if x) or "全部单位"
