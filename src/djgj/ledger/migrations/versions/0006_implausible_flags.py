"""Rows that contradict themselves are kept and marked

A snapshot gets ``flags``: the codes of the ways its row contradicts itself (more members than
employees, a union set up after the date of the data…; see djgj.records.plausible), NULL when
none. Earlier versions refused such rows, so a ledger can hold them only from rows older checks let
through (a union date after the data's date); those are marked here.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: (code, SQL condition) as of this revision; the codes of records.plausible.
_CHECKS = [
    ("members_above_employees", "union_members > employees"),
    ("migrants_above_employees", "migrant_workers > employees"),
    ("female_above_employees", "female_employees > employees"),
    ("party_members_above_employees", "party_members > employees"),
    ("migrant_members_above_migrants", "migrant_union_members > migrant_workers"),
    ("migrant_members_above_members", "migrant_union_members > union_members"),
    ("away_members_above_away", "migrant_union_members > villagers_away"),
    ("union_after_snapshot", "union_established_on > as_of"),
]


def upgrade() -> None:
    for table in ("snapshots", "snapshot_history"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("flags", sa.String(300), nullable=True))
    for code, cond in _CHECKS:
        op.execute(
            f"UPDATE snapshots SET flags = CASE WHEN flags IS NULL THEN '{code}' "
            f"ELSE flags || ',{code}' END WHERE {cond}"
        )


def downgrade() -> None:
    for table in ("snapshots", "snapshot_history"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("flags")
