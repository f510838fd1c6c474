"""`djgj status`: which townships have sent their return for a year-end and which have not.

A township the ledger knows (it has units with data dated on or before the year-end) has *sent* the
year when at least one of its units has a snapshot dated in that year. For each township: its units,
those reported in the year, the last import that wrote its data, the date of its newest data, and
the share of its units whose latest values leave a key figure unknown (NULL: never counted as 0).
Like DHIS2's reporting completeness, it is the reminder list before the year's report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select

from djgj.figures.metrics import NO_TOWNSHIP, VILLAGE_KINDS, latest, year_end
from djgj.ledger.models import ImportBatch, Snapshot, Township, Unit

#: The figures a unit's return must give, by family (villages report coverage, not employees).
ENTERPRISE_KEYS = ("employees", "party_members", "party_org", "union_form", "union_members")
VILLAGE_KEYS = ("union_form", "union_members")


def _unknown() -> Any:
    """1 when the snapshot leaves a key figure of its family unknown."""
    s = Snapshot
    village = Unit.kind.in_(VILLAGE_KINDS)
    missing_village = or_(*(getattr(s, k).is_(None) for k in VILLAGE_KEYS))
    missing_enterprise = or_(*(getattr(s, k).is_(None) for k in ENTERPRISE_KEYS))
    return func.sum(
        case((and_(village, missing_village), 1), (and_(~village, missing_enterprise), 1), else_=0)
    )


def _name(town: str | None, county: str, city: str, qualify: bool) -> str:
    name = town or NO_TOWNSHIP
    return "/".join(x for x in (city, county, name) if x) if qualify else name


def status(conn: Connection, year: int) -> list[dict[str, Any]]:
    """One row per township the ledger knows at the year-end, missing townships first."""
    end, start = year_end(year), dt.date(year, 1, 1)
    lt = latest(end)
    s = Snapshot
    reported = func.sum(case((s.as_of >= start, 1), else_=0))
    q = (
        select(
            Township.name.label("town"),
            func.coalesce(Township.county, "").label("county"),
            func.coalesce(Township.city, "").label("city"),
            func.count().label("units"),
            reported.label("reported"),
            func.max(s.as_of).label("latest"),
            _unknown().label("unknown"),
        )
        .select_from(s)
        .join(lt, and_(s.unit_id == lt.c.unit_id, s.as_of == lt.c.as_of))
        .join(Unit, Unit.id == s.unit_id)
        .outerjoin(Township, Township.id == Unit.township_id)
        .group_by(Township.name, Township.county, Township.city)
    )
    groups = [dict(r._mapping) for r in conn.execute(q)]
    qualify = len({(g["county"], g["city"]) for g in groups}) > 1
    imports = _last_imports(conn, end)
    rows = []
    for g in groups:
        sent = bool(g["reported"])
        rows.append(
            {
                "township": _name(g["town"], g["county"], g["city"], qualify),
                "sent": sent,
                "status": "已报送" if sent else "未报送",
                "units": int(g["units"]),
                "reported_units": int(g["reported"] or 0),
                "latest_data": g["latest"],
                "last_import": _minute(imports.get((g["town"], g["county"], g["city"]))),
                "unknown_share": (int(g["unknown"] or 0) / g["units"]) if g["units"] else None,
            }
        )
    rows.sort(key=lambda r: (r["sent"], r["township"]))
    return rows


def _last_imports(conn: Connection, end: dt.date) -> dict[tuple[Any, str, str], dt.datetime]:
    """The newest import that wrote a snapshot dated on or before ``end``, per township."""
    s = Snapshot
    q = (
        select(
            Township.name,
            func.coalesce(Township.county, ""),
            func.coalesce(Township.city, ""),
            func.max(ImportBatch.imported_at),
        )
        .select_from(s)
        .join(ImportBatch, ImportBatch.id == s.batch_id)
        .join(Unit, Unit.id == s.unit_id)
        .outerjoin(Township, Township.id == Unit.township_id)
        .where(s.as_of <= end)
        .group_by(Township.name, Township.county, Township.city)
    )
    return {(t, c, ci): when for t, c, ci, when in conn.execute(q)}


def _minute(when: dt.datetime | None) -> str | None:
    return when.strftime("%Y-%m-%d %H:%M") if when else None


def missing(rows: list[dict[str, Any]]) -> list[str]:
    return [r["township"] for r in rows if not r["sent"]]
