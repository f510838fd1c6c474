"""Roll county ledgers up into a city or province ledger (``djgj merge``), without duplicates.

Each source ledger (an SQLite file or any URL) is read and written into the target in one
transaction. Townships keep their place: the source's county (or ``--county``, or the file's
name) and ``--city``, so two counties' 城关镇 stay apart. Units are matched by credit code, else
by township and normalised name; snapshots by unit and date, filling in and never blanking a known
value (a value replaced goes to the history); people by ID number. Provenance is kept: every source
batch is copied with its file name prefixed by the county it was placed under, and snapshots keep
their sheet and row. Merging again adds nothing — also from a renamed copy of the same ledger, which
is recognised by its imports (hash, time, file), not by its file name.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from djgj.errors import UsageError
from djgj.ledger import copy, state
from djgj.ledger.counts import Counts
from djgj.ledger.db import open_engine, resolve_url, sqlite_path
from djgj.ledger.match import township_ids
from djgj.ledger.models import ImportBatch, Membership, Person, Snapshot, SnapshotHistory, Township, Unit
from djgj.ledger.snapshots import ATTRIBUTE_COLUMNS, SNAPSHOT_VALUE_COLUMNS


@dataclass(kw_only=True)
class MergeResult(Counts):
    source: str
    county: str
    townships: int = 0


def _label(source: str) -> str:
    path = sqlite_path(resolve_url(source))
    return path.stem if path is not None else source.rsplit("/", 1)[-1].split("?")[0]


def _same_ledger(source: str, target: Engine) -> bool:
    """The source is the target itself: the same URL, or the same file however it is reached
    (``sub/../x.db``, a symlink, a hard link: same device and inode)."""
    src_url, dest_url = resolve_url(source), str(target.url)
    if src_url == dest_url:
        return True
    a, b = sqlite_path(src_url), sqlite_path(dest_url)
    if a is None or b is None:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(os.path.realpath(a)) == Path(os.path.realpath(b))


def merge(target: Engine, source: str, *, county: str | None = None, city: str = "") -> MergeResult:
    if _same_ledger(source, target):
        raise UsageError("不能把台账合并到它自己（同一个文件，即使路径、链接不同）")
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
    source_batches = [dict(b) for b in s.execute(select(*ImportBatch.__table__.columns)).mappings()]
    place = county or _county_merged_before(t, source_batches) or _label(source)
    result = MergeResult(source=source, county=place)
    batch_map = _merge_batches(t, source_batches, place)
    town_rows = s.execute(select(Township.id, Township.name, Township.county, Township.city)).all()
    town_map: dict[int, int] = {}
    for tid, name, src_county, src_city in town_rows:
        place_county = src_county or place
        place_city = src_city or city
        town_map[tid] = township_ids(t, {name}, place_county, place_city)[name]
    result.townships = len(town_map)
    unit_map = _merge_units(s, t, town_map, batch_map, result)
    _merge_snapshots(s, t, unit_map, batch_map, town_map, result)
    state.refresh(t, unit_map.values())  # the year-end state of the merged units
    _merge_people(s, t, unit_map, batch_map, result)
    if t.dialect.name == "postgresql" and result.snapshots_created + result.units_created >= ANALYZE_ROWS:
        # The planner has no statistics on rows it has not analysed: the first report would guess.
        copy.restore(t, [], analyze=("units", "snapshots", "year_states", "people", "memberships"))
    return result


def _copied(t: Connection, b: dict[str, Any]) -> tuple[int, str] | None:
    """The target's copy of source batch ``b`` from an earlier merge (any prefix), and its prefix."""
    rows = t.execute(
        select(ImportBatch.id, ImportBatch.file_name, ImportBatch.imported_at).where(
            ImportBatch.sha256 == b["sha256"]
        )
    ).all()
    for bid, name, at in rows:
        if at == b["imported_at"] and name.endswith(":" + b["file_name"]):
            return int(bid), name[: -len(b["file_name"]) - 1]
    return None


def _county_merged_before(t: Connection, source_batches: list[dict[str, Any]]) -> str | None:
    """The county this same ledger was placed under when it was merged before (under any file name)."""
    for b in source_batches:
        found = _copied(t, b)
        if found is not None:
            return found[1]
    return None


def _merge_batches(t: Connection, source_batches: list[dict[str, Any]], place: str) -> dict[int, int]:
    """Batches: copied once each (provenance), recognised by hash, time and file name."""
    batch_map: dict[int, int] = {}
    for b in source_batches:
        found = _copied(t, b)
        if found is None:
            values = {k: v for k, v in b.items() if k != "id"}
            values["file_name"] = f"{place}:{b['file_name']}"
            values["replaced_by"] = None
            bid = t.execute(insert(ImportBatch).values(**values).returning(ImportBatch.id)).scalar_one()
            found = (int(bid), place)
        batch_map[b["id"]] = found[0]
    return batch_map


#: Rows a merge must write before PostgreSQL's planner statistics are gathered at its end.
ANALYZE_ROWS = 10_000
#: Source rows per round of the merge (read, matched, then written in bulk).
CHUNK = 5000


def _merge_units(
    s: Connection, t: Connection, town_map: dict[int, int], batch_map: dict[int, int], result: MergeResult
) -> dict[int, int]:
    """Units: matched by credit code, else by township and normalised name; the new ones written in
    bulk per round (a repeat within the source maps to the unit its first occurrence created)."""
    by_code = {
        c: i for i, c in t.execute(select(Unit.id, Unit.credit_code).where(Unit.credit_code.is_not(None)))
    }
    by_name = {(tw, n): i for i, tw, n in t.execute(select(Unit.id, Unit.township_id, Unit.norm_name))}
    unit_map: dict[int, int] = {}
    rows = s.execute(select(*Unit.__table__.columns)).mappings()
    for part in rows.partitions(CHUNK):
        new: list[dict[str, Any]] = []  # a new unit's id is -1 - its index here until written
        marked: list[tuple[dict[Any, int], Any]] = []  # the map entries that hold such an id
        for u in part:
            town = town_map.get(u["township_id"]) if u["township_id"] is not None else None
            code, key = u["credit_code"], (town, u["norm_name"])
            uid: int | None = by_code.get(code) if code else by_name.get(key)
            if uid is None:
                uid = -1 - len(new)
                values = {k: u[k] for k in ("kind", "name", "norm_name", "credit_code")}
                new.append({**values, "township_id": town, "batch_id": batch_map.get(u["batch_id"])})
                result.units_created += 1
                if code:
                    by_code[code] = uid
                    marked.append((by_code, code))
                by_name[key] = uid
                marked.append((by_name, key))
            else:
                result.units_matched += 1
            unit_map[u["id"]] = uid
            if uid < 0:
                marked.append((unit_map, u["id"]))
        ids = _insert_many(t, Unit, new) if new else []
        for m, k in marked:
            if m[k] < 0:
                m[k] = ids[-1 - m[k]]
    return unit_map


def _merge_snapshots(
    s: Connection,
    t: Connection,
    unit_map: dict[int, int],
    batch_map: dict[int, int],
    town_map: dict[int, int],
    result: MergeResult,
) -> None:
    """Snapshots by unit and date, a round at a time: the target's snapshots of the round's units are
    read in one query; new ones are written in bulk, known ones merged value by value."""
    cols = Snapshot.__table__.columns
    for part in s.execute(select(*cols)).mappings().partitions(CHUNK):
        existing = _target_snapshots(t, {unit_map[snap["unit_id"]] for snap in part})
        pending: dict[tuple[int, Any], dict[str, Any]] = {}
        for snap in part:
            uid = unit_map[snap["unit_id"]]
            new = {k: snap[k] for k in [*SNAPSHOT_VALUE_COLUMNS, *ATTRIBUTE_COLUMNS]}
            if new["township_id"] is not None:
                new["township_id"] = town_map.get(new["township_id"])
            provenance = {
                "batch_id": batch_map.get(snap["batch_id"]),
                "sheet": snap["sheet"],
                "row": snap["row"],
            }
            key = (uid, snap["as_of"])
            if key in pending:  # the same unit and date twice in the source: merged into the one written
                _insert_snapshots(t, list(pending.values()))
                existing.update(_target_snapshots(t, {u for u, _ in pending}))
                pending = {}
            old = existing.get(key)
            if old is None:
                pending[key] = {"unit_id": uid, "as_of": snap["as_of"], **new, **provenance}
                result.snapshots_created += 1
                continue
            _merge_snapshot(t, old, new, provenance, result)
        _insert_snapshots(t, list(pending.values()))


def _target_snapshots(t: Connection, unit_ids: set[int]) -> dict[tuple[int, Any], dict[str, Any]]:
    """The target's snapshots of these units, by unit and date."""
    ids = sorted(unit_ids)
    out: dict[tuple[int, Any], dict[str, Any]] = {}
    for i in range(0, len(ids), 500):
        q = select(*Snapshot.__table__.columns).where(Snapshot.unit_id.in_(ids[i : i + 500]))
        out.update(((r["unit_id"], r["as_of"]), dict(r)) for r in t.execute(q).mappings())
    return out


def _insert_snapshots(t: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if t.dialect.name == "postgresql":
        columns = list(rows[0])
        copy.copy_rows(t, "snapshots", columns, [[r[c] for c in columns] for r in rows])
        return
    t.execute(insert(Snapshot), rows)


def _merge_snapshot(
    t: Connection, old: dict[str, Any], new: dict[str, Any], provenance: dict[str, Any], result: MergeResult
) -> None:
    """Fill in a snapshot the target holds: a known value is never blanked; one replaced goes to the history."""
    changes = {k: v for k, v in new.items() if v is not None and old[k] != v}
    if not changes:
        result.snapshots_unchanged += 1
        return
    result.conflicts += sum(1 for k in changes if k in SNAPSHOT_VALUE_COLUMNS and old[k] is not None)
    batch = provenance["batch_id"]
    if batch is not None:  # the values replaced stay in the unit's history
        kept = {k: v for k, v in old.items() if k != "id"}
        t.execute(
            insert(SnapshotHistory).values(
                **kept, snapshot_id=old["id"], replaced_by=batch, replaced_at=dt.datetime.now()
            )
        )
    t.execute(update(Snapshot).where(Snapshot.id == old["id"]).values(**changes, **provenance))
    old.update(changes, **provenance)
    result.snapshots_updated += 1


def _merge_people(
    s: Connection, t: Connection, unit_map: dict[int, int], batch_map: dict[int, int], result: MergeResult
) -> None:
    """People by ID number, then their memberships, each new row written in bulk per round."""
    people = {n: i for i, n in t.execute(select(Person.id, Person.id_number))}
    person_map: dict[int, int] = {}
    for part in s.execute(select(*Person.__table__.columns)).mappings().partitions(CHUNK):
        new: list[dict[str, Any]] = []
        waiting: list[tuple[int, str]] = []  # (source person, ID number) of the new ones
        for p in part:
            number = p["id_number"]
            if number not in people:
                people[number] = -1 - len(new)
                values: dict[str, Any] = {k: v for k, v in p.items() if k != "id"}
                new.append({**values, "batch_id": batch_map.get(p["batch_id"])})
                result.people += 1
            if people[number] < 0:
                waiting.append((p["id"], number))
            else:
                person_map[p["id"]] = people[number]
        ids = _insert_many(t, Person, new) if new else []
        for source_id, number in waiting:
            if people[number] < 0:
                people[number] = ids[-1 - people[number]]
            person_map[source_id] = people[number]
    known = {(a, b) for a, b in t.execute(select(Membership.person_id, Membership.unit_id))}
    for part in s.execute(select(*Membership.__table__.columns)).mappings().partitions(CHUNK):
        rows = []
        for m in part:
            key = (person_map[m["person_id"]], unit_map[m["unit_id"]])
            if key in known:
                continue
            rows.append(
                {
                    "person_id": key[0],
                    "unit_id": key[1],
                    "joined_on": m["joined_on"],
                    "left_on": m["left_on"],
                    "batch_id": batch_map.get(m["batch_id"]),
                    "sheet": m["sheet"],
                    "row": m["row"],
                }
            )
            known.add(key)
        if rows:
            _insert_many(t, Membership, rows, returning=False)
            result.memberships += len(rows)


def _insert_many(t: Connection, model: Any, rows: list[dict[str, Any]], returning: bool = True) -> list[int]:
    """Rows of one shape in bulk, their ids in order when ``returning`` (PostgreSQL: COPY)."""
    table, columns = model.__tablename__, list(rows[0])
    if t.dialect.name == "postgresql":
        ids = copy.new_ids(t, table, len(rows)) if returning else []
        data = [[*([ids[i]] if returning else []), *(r[c] for c in columns)] for i, r in enumerate(rows)]
        copy.copy_rows(t, table, ["id", *columns] if returning else columns, data)
        return ids
    if not returning:
        t.execute(insert(model), rows)
        return []
    return [
        int(r[0]) for r in t.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    ]


__all__ = ["MergeResult", "merge"]
