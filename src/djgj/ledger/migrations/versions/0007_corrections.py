"""Corrections: one value of one unit set by hand, with who, when and why

`djgj set UNIT FIELD VALUE --as-of DATE --reason TEXT` writes the value into the unit's snapshot of
that date (creating it from the latest earlier one when there is none) and records the correction
here, so `djgj unit` shows which values a person set and why.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("field", sa.String(length=50), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("based_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_corrections_unit", "corrections", ["unit_id", "as_of"])


def downgrade() -> None:
    op.drop_index("ix_corrections_unit", table_name="corrections")
    op.drop_table("corrections")
