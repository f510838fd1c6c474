"""A unit's attributes are dated like its figures; superseded values are kept; imports can be undone

Each snapshot keeps the unit's name, kind and township as that file gave them (filled from the
unit for existing snapshots), so an older year imported later never rewrites the unit. Values a
later file replaced go to ``snapshot_history`` with the batch that replaced them, which is also
what ``djgj undo`` restores. An import batch records who ran it, with which options, its counts,
and when it was undone (and by which re-import it was replaced).

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

_VALUES: list[tuple[str, Any]] = [
    ("employees", sa.Integer()),
    ("female_employees", sa.Integer()),
    ("migrant_workers", sa.Integer()),
    ("party_members", sa.Integer()),
    ("probationary_members", sa.Integer()),
    ("party_org", sa.String(20)),
    ("party_secretary", sa.String(100)),
    ("has_instructor", sa.Boolean()),
    ("instructor", sa.String(100)),
    ("union_form", sa.String(20)),
    ("union_established_on", sa.Date()),
    ("union_established_precision", sa.String(5)),
    ("union_members", sa.Integer()),
    ("migrant_union_members", sa.Integer()),
    ("union_chair", sa.String(100)),
    ("chair_is_secretary", sa.Boolean()),
    ("standardization", sa.String(10)),
    ("workers_congress", sa.Boolean()),
    ("activists", sa.Integer()),
    ("villagers_away", sa.Integer()),
    ("ownership", sa.String(100)),
    ("industry", sa.String(100)),
]


def _attribute_columns() -> list[sa.Column]:
    return [
        sa.Column("unit_name", sa.String(300), nullable=True),
        sa.Column("unit_kind", sa.String(20), nullable=True),
        sa.Column("township_id", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        for col in _attribute_columns():
            batch.add_column(col)
    op.execute(
        "UPDATE snapshots SET unit_name = (SELECT name FROM units WHERE units.id = snapshots.unit_id), "
        "unit_kind = (SELECT kind FROM units WHERE units.id = snapshots.unit_id), "
        "township_id = (SELECT township_id FROM units WHERE units.id = snapshots.unit_id)"
    )
    with op.batch_alter_table("import_batches") as batch:
        batch.add_column(sa.Column("user", sa.String(100), nullable=True))
        batch.add_column(sa.Column("options", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("counts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("undone_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("replaced_by", sa.Integer(), nullable=True))
    op.create_table(
        "snapshot_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        *[sa.Column(name, type_, nullable=True) for name, type_ in _VALUES],
        *_attribute_columns(),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("import_batches.id"), nullable=True),
        sa.Column("sheet", sa.String(200), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("replaced_by", sa.Integer(), sa.ForeignKey("import_batches.id"), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_snapshot_history_snapshot_id", "snapshot_history", ["snapshot_id"])
    op.create_index("ix_snapshot_history_replaced_by", "snapshot_history", ["replaced_by"])


def downgrade() -> None:
    op.drop_index("ix_snapshot_history_replaced_by", "snapshot_history")
    op.drop_index("ix_snapshot_history_snapshot_id", "snapshot_history")
    op.drop_table("snapshot_history")
    with op.batch_alter_table("import_batches") as batch:
        for name in ("replaced_by", "undone_at", "counts", "options", "user"):
            batch.drop_column(name)
    with op.batch_alter_table("snapshots") as batch:
        for name in ("township_id", "unit_kind", "unit_name"):
            batch.drop_column(name)
