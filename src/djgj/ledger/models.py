"""The ledger's tables (SQLAlchemy 2): townships, units, dated snapshots, import batches,
people and memberships from rosters, targets, and the audit log.

A unit is identified by its credit code where it has one, else by its normalised name within its
township. A snapshot is a unit's values as of a date, with the batch, sheet and row it came from;
every figure of a year reads each unit's latest snapshot on or before 31 December. Counts are
integers, NULL where the sheet did not give them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Township(Base):
    """A township (乡镇/街道) of a county of a city; '' where the level is not known (one county's ledger)."""

    __tablename__ = "townships"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    county: Mapped[str] = mapped_column(String(100), default="", server_default="")
    city: Mapped[str] = mapped_column(String(100), default="", server_default="")

    __table_args__ = (UniqueConstraint("city", "county", "name", name="uq_townships_place"),)


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20), default="ledger")  # ledger | roster
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    township: Mapped[str | None] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="ok")  # ok | failed
    rows: Mapped[int] = mapped_column(Integer, default=0)
    units_created: Mapped[int] = mapped_column(Integer, default=0)
    units_updated: Mapped[int] = mapped_column(Integer, default=0)
    snapshots_written: Mapped[int] = mapped_column(Integer, default=0)
    columns: Mapped[dict | None] = mapped_column(JSON)  # sheet -> [{column, header, field}]
    warnings: Mapped[list | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    #: Who ran it (OS user), with which options, what it wrote (counts), and when it was undone —
    #: by `djgj undo`, or by a re-import of the same file with other options (``replaced_by``).
    user: Mapped[str | None] = mapped_column(String(100))
    options: Mapped[dict | None] = mapped_column(JSON)
    counts: Mapped[dict | None] = mapped_column(JSON)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    replaced_by: Mapped[int | None] = mapped_column(Integer)


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(300))
    norm_name: Mapped[str] = mapped_column(String(300))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))

    __table_args__ = (Index("ix_units_township_name", "township_id", "norm_name"),)


class SnapshotValues:
    """The values of a snapshot, shared by the snapshot and by its history (the values a later import
    replaced): one list, so the two tables cannot drift apart."""

    employees: Mapped[int | None] = mapped_column(Integer)
    female_employees: Mapped[int | None] = mapped_column(Integer)
    migrant_workers: Mapped[int | None] = mapped_column(Integer)
    party_members: Mapped[int | None] = mapped_column(Integer)
    probationary_members: Mapped[int | None] = mapped_column(Integer)
    party_org: Mapped[str | None] = mapped_column(String(20))
    party_secretary: Mapped[str | None] = mapped_column(String(100))
    has_instructor: Mapped[bool | None] = mapped_column(Boolean)
    instructor: Mapped[str | None] = mapped_column(String(100))
    union_form: Mapped[str | None] = mapped_column(String(20))
    union_established_on: Mapped[dt.date | None] = mapped_column(Date)
    union_established_precision: Mapped[str | None] = mapped_column(String(5))
    union_members: Mapped[int | None] = mapped_column(Integer)
    migrant_union_members: Mapped[int | None] = mapped_column(Integer)
    union_chair: Mapped[str | None] = mapped_column(String(100))
    chair_is_secretary: Mapped[bool | None] = mapped_column(Boolean)
    standardization: Mapped[str | None] = mapped_column(String(10))
    workers_congress: Mapped[bool | None] = mapped_column(Boolean)
    activists: Mapped[int | None] = mapped_column(Integer)
    #: A village's or community's villagers working away (外出务工人员): not an employer's 农民工.
    villagers_away: Mapped[int | None] = mapped_column(Integer)
    ownership: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    #: The unit's name, kind and township as this snapshot's file gave them: dated like its figures.
    unit_name: Mapped[str | None] = mapped_column(String(300))
    unit_kind: Mapped[str | None] = mapped_column(String(20))
    township_id: Mapped[int | None] = mapped_column(Integer)
    #: Codes of the ways this row contradicts itself (records.plausible), comma-separated; NULL if none.
    flags: Mapped[str | None] = mapped_column(String(300))


class Snapshot(SnapshotValues, Base):
    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    sheet: Mapped[str | None] = mapped_column(String(200))
    row: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("unit_id", "as_of", name="uq_snapshots_unit_as_of"),)


class SnapshotHistory(SnapshotValues, Base):
    """A snapshot's values as they were before a later import replaced them (``replaced_by``):
    the unit's history keeps them, and undoing that import restores them."""

    __tablename__ = "snapshot_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    sheet: Mapped[str | None] = mapped_column(String(200))
    row: Mapped[int | None] = mapped_column(Integer)
    replaced_by: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    replaced_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Person(Base):
    """A union member from a roster, identified by resident ID number (kept as text)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    id_valid: Mapped[bool] = mapped_column(Boolean, default=True)
    name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str | None] = mapped_column(String(2))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    politics: Mapped[str | None] = mapped_column(String(30))
    phone: Mapped[str | None] = mapped_column(String(40))
    is_migrant: Mapped[bool | None] = mapped_column(Boolean)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class Membership(Base):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    sheet: Mapped[str | None] = mapped_column(String(200))
    row: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("person_id", "unit_id", name="uq_memberships_person_unit"),)


class Target(Base):
    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    township: Mapped[str] = mapped_column(String(100), default="")  # "" = the whole county
    metric: Mapped[str] = mapped_column(String(50))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("year", "township", "metric", name="uq_targets_scope"),)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str | None] = mapped_column(Text)


class HeaderMapping(Base):
    """A column mapping (--map/--mapping) given once for a sheet's header, applied again to a sheet
    with the same header (same normalised header texts in the same order)."""

    __tablename__ = "header_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    headers: Mapped[str] = mapped_column(Text)  # the header texts, for people reading the table
    mapping: Mapped[dict] = mapped_column(JSON)  # normalised header or "列:E" -> field
    file_name: Mapped[str | None] = mapped_column(String(500))
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime)


#: Per-year figures read "latest snapshot per unit on or before a date": this index covers it.
Index("ix_snapshots_as_of_unit", Snapshot.as_of, Snapshot.unit_id)


class YearState(Base):
    """Each unit's latest snapshot on or before 31 December of each year (speed, migration 0008).

    Maintained by `djgj.ledger.state.refresh` in the transaction that writes snapshots (import,
    merge), for every year from the unit's first snapshot to the ledger's last snapshot year; figures
    read it instead of a GROUP BY over all snapshots. ``employees`` is copied from the snapshot so the
    biggest employers of a year are an index walk.
    """

    __tablename__ = "year_states"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    employees: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_year_states_unit", "unit_id"),
        Index("ix_year_states_snapshot", "snapshot_id"),
        Index("ix_year_states_year_employees", "year", "employees", "snapshot_id", "unit_id", "as_of"),
    )


#: The snapshots an import batch wrote: what `state.refresh_batch` recomputes.
Index("ix_snapshots_batch", Snapshot.batch_id, Snapshot.unit_id)


class Correction(Base):
    """One value set by hand (`djgj set`): which unit, snapshot date and field, old and new, who, when, why.

    ``based_on`` is the date of the snapshot the corrected one was copied from, when the correction
    created the snapshot (the other values then come from that snapshot's file, sheet and row).
    """

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[object | None] = mapped_column(JSON)
    new_value: Mapped[object | None] = mapped_column(JSON)
    based_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_corrections_unit", "unit_id", "as_of"),)


class Generation(Base):
    """A counter every write that changes what figures read raises in its own transaction (migration
    0009): a cached figure is valid only for the generation it was computed at (`djgj.ledger.cache`)."""

    __tablename__ = "ledger_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class FigureCache(Base):
    """Results of the figure queries (the per-township sums of a year-end, the year a report reads),
    keyed by a hash of the query and kept with the generation they were computed at (migration 0009)."""

    __tablename__ = "figure_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)


#: A roster names each member's unit without its township: its rounds of rows look units up by name.
Index("ix_units_norm_name", Unit.norm_name)
