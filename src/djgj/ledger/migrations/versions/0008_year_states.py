"""The year-end state: each unit's latest snapshot per year, built for existing ledgers

Figures read ``year_states`` (one row per year and unit: the unit's latest snapshot on or before
31 December) instead of a GROUP BY over all snapshots; the import and merge keep it current.
``ix_snapshots_batch`` finds what an import batch wrote.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "year_states",
        sa.Column("year", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("unit_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["snapshot_id"], ["snapshots.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("year", "unit_id"),
    )
    op.create_index("ix_year_states_unit", "year_states", ["unit_id"])
    op.create_index("ix_year_states_snapshot", "year_states", ["snapshot_id"])
    op.create_index(
        "ix_year_states_year_employees",
        "year_states",
        ["year", "employees", "snapshot_id", "unit_id", "as_of"],
    )
    op.create_index("ix_snapshots_batch", "snapshots", ["batch_id", "unit_id"])
    from djgj.ledger import state

    state.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_snapshots_batch", table_name="snapshots")
    op.drop_table("year_states")
