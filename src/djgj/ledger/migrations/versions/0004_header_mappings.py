"""Column mappings given once for a sheet's header are remembered

A township sends the same layout every year; a mapping given with --map or --mapping for its
header is kept, keyed by the header's signature, and applied (with a notice) the next time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "header_mappings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=True),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("signature", name="uq_header_mappings_signature"),
    )


def downgrade() -> None:
    op.drop_table("header_mappings")
