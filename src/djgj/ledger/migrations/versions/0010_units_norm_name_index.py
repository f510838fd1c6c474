"""Units found by their normalised name alone: a roster names each member's unit without its township

A member roster (会员花名册) gives the member's unit by name; the import looks up all the units
of a round of rows in one statement by ``norm_name``. The index on (township_id, norm_name) cannot
serve a question that gives no township, so without this one every round scans every unit.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_units_norm_name", "units", ["norm_name"])


def downgrade() -> None:
    op.drop_index("ix_units_norm_name", table_name="units")
