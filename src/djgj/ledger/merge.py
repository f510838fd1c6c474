"""Roll county ledgers up into a city or province ledger (``djgj merge``), without duplicates.

Each source ledger (an SQLite file or any URL) is read and written into the target in one
transaction. Townships keep their place: the source's county (or ``--county``, or the file's
name) and ``--city``, so two counties' 城关镇 stay apart. Units are matched by credit code, else
by township and normalised name; snapshots by unit and date, filling in and never blanking a known
value; people by ID number. Provenance is kept: every source batch is copied with its file name
prefixed by the source ledger, and snapshots keep their sheet and row. Merging again adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select, update

from djgj.errors import UsageError
from djgj.ledger import state
from djgj.ledger.db import open_engine, resolve_url, sqlite_path
from djgj.ledger.models import ImportBatch, Membership, Person, Snapshot, Township, Unit
from djgj.ledger.write import SNAPSHOT_VALUE_COLUMNS, township_ids


@dataclass
class MergeResult:
    source: str
    county: str
    townships: int = 0
    units_created: int = 0
    units_matched: int = 0
    snapshots_created: int = 0
    snapshots_updated: int = 0
    snapshots_unchanged: int = 0
    people: int = 0
    memberships: int = 0


def _label(source: str) -> str:
    path = sqlite_path(resolve_url(source))
    return path.stem if path is not None else source.rsplit("/", 1)[-1].split("?")[0]


def merge(target: Engine, source: str, *, county: str | None = None, city: str = "") -> MergeResult:
    if resolve_url(source) == str(target.url) or (
        sqlite_path(resolve_url(source)) and sqlite_path(resolve_url(source)) == sqlite_path(str(target.url))
    ):
        raise UsageError("不能把台账合并到它自己")
    path = sqlite_path(resolve_url(source))
    if path is not None and not Path(path).exists():
        raise UsageError(f"找不到要合并的台账 {source}")
    src = open_engine(source, write=False)
    try:
        with src.connect() as s, target.begin() as t:
            return _merge(s, t, source, county, city)
    finally:
        src.dispose()


def _merge(s: Connection, t: Connection, source: str, county: str | None, city: str) -> MergeResult:
    label = _label(source)
    result = MergeResult(source, county or label)
    # Batches: copied once each (provenance), keyed by the source's sha256 and batch id.
    batch_map: dict[int, int] = {}
    for b in s.execute(select(*ImportBatch.__table__.columns)).mappings():
        name = f"{label}:{b['file_name']}"
        found = t.execute(
            select(ImportBatch.id).where(ImportBatch.sha256 == b["sha256"], ImportBatch.file_name == name)
        ).scalar()
        if found is None:
            values = {k: v for k, v in b.items() if k != "id"}
            values["file_name"] = name
            found = t.execute(insert(ImportBatch).values(**values).returning(ImportBatch.id)).scalar_one()
        batch_map[b["id"]] = found
    # Townships, by their place in the target.
    town_rows = s.execute(select(Township.id, Township.name, Township.county, Township.city)).all()
    town_map: dict[int, int] = {}
    for tid, name, src_county, src_city in town_rows:
        place_county = src_county or county or label
        place_city = src_city or city
        town_map[tid] = township_ids(t, {name}, place_county, place_city)[name]
    result.townships = len(town_map)
    # Units.
    by_code = {
        c: i for i, c in t.execute(select(Unit.id, Unit.credit_code).where(Unit.credit_code.is_not(None)))
    }
    by_name = {(tw, n): i for i, tw, n in t.execute(select(Unit.id, Unit.township_id, Unit.norm_name))}
    unit_map: dict[int, int] = {}
    for u in s.execute(select(*Unit.__table__.columns)).mappings():
        town = town_map.get(u["township_id"]) if u["township_id"] is not None else None
        uid: int | None = (
            by_code.get(u["credit_code"]) if u["credit_code"] else by_name.get((town, u["norm_name"]))
        )
        if uid is None:
            uid = t.execute(
                insert(Unit)
                .values(
                    kind=u["kind"],
                    name=u["name"],
                    norm_name=u["norm_name"],
                    credit_code=u["credit_code"],
                    township_id=town,
                    batch_id=batch_map.get(u["batch_id"]),
                )
                .returning(Unit.id)
            ).scalar_one()
            result.units_created += 1
            if u["credit_code"]:
                by_code[u["credit_code"]] = uid
            by_name[(town, u["norm_name"])] = uid
        else:
            result.units_matched += 1
        unit_map[u["id"]] = uid
    _merge_snapshots(s, t, unit_map, batch_map, result)
    state.refresh(t, unit_map.values())  # speed: the year-end state of the merged units
    _merge_people(s, t, unit_map, batch_map, result)
    return result


def _merge_snapshots(
    s: Connection, t: Connection, unit_map: dict[int, int], batch_map: dict[int, int], result: MergeResult
) -> None:
    for snap in s.execute(select(*Snapshot.__table__.columns)).mappings():
        uid = unit_map[snap["unit_id"]]
        new = {k: snap[k] for k in SNAPSHOT_VALUE_COLUMNS}
        old = (
            t.execute(
                select(*Snapshot.__table__.columns).where(
                    and_(Snapshot.unit_id == uid, Snapshot.as_of == snap["as_of"])
                )
            )
            .mappings()
            .first()
        )
        provenance = {"batch_id": batch_map.get(snap["batch_id"]), "sheet": snap["sheet"], "row": snap["row"]}
        if old is None:
            t.execute(insert(Snapshot).values(unit_id=uid, as_of=snap["as_of"], **new, **provenance))
            result.snapshots_created += 1
            continue
        changes = {k: v for k, v in new.items() if v is not None and old[k] != v}
        if changes:
            t.execute(update(Snapshot).where(Snapshot.id == old["id"]).values(**changes, **provenance))
            result.snapshots_updated += 1
        else:
            result.snapshots_unchanged += 1


def _merge_people(
    s: Connection, t: Connection, unit_map: dict[int, int], batch_map: dict[int, int], result: MergeResult
) -> None:
    people = {n: i for i, n in t.execute(select(Person.id, Person.id_number))}
    person_map: dict[int, int] = {}
    for p in s.execute(select(*Person.__table__.columns)).mappings():
        pid = people.get(p["id_number"])
        if pid is None:
            values: dict[str, Any] = {k: v for k, v in p.items() if k != "id"}
            values["batch_id"] = batch_map.get(p["batch_id"])
            pid = t.execute(insert(Person).values(**values).returning(Person.id)).scalar_one()
            people[p["id_number"]] = pid
            result.people += 1
        person_map[p["id"]] = pid
    known = {(a, b) for a, b in t.execute(select(Membership.person_id, Membership.unit_id))}
    for m in s.execute(select(*Membership.__table__.columns)).mappings():
        key = (person_map[m["person_id"]], unit_map[m["unit_id"]])
        if key in known:
            continue
        t.execute(
            insert(Membership).values(
                person_id=key[0],
                unit_id=key[1],
                joined_on=m["joined_on"],
                left_on=m["left_on"],
                batch_id=batch_map.get(m["batch_id"]),
                sheet=m["sheet"],
                row=m["row"],
            )
        )
        known.add(key)
        result.memberships += 1


__all__ = ["MergeResult", "merge"]
