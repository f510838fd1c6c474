"""The figure cache: results of figure queries kept until the ledger next changes

``ledger_generation`` holds one counter that every write changing what figures read (import,
merge, undo, corrections: the writers of the year-end state) raises in its own transaction;
``figure_cache`` keeps a figure query's result with the generation it was computed at, so a
second `report` on an unchanged ledger reads the sums instead of scanning every unit again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_generation",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO ledger_generation (id, n) VALUES (1, 0)")
    op.create_table(
        "figure_cache",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("figure_cache")
    op.drop_table("ledger_generation")
