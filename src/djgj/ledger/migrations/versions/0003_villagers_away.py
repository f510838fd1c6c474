"""A village's villagers working away get their own field

外出务工人员 (villagers of a village or community working elsewhere) is not an employer's 农民工
(migrant workers it employs). Earlier ledgers stored both in ``migrant_workers``; this moves the
village and community values to ``villagers_away`` without losing any.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_VILLAGES = "unit_id IN (SELECT id FROM units WHERE kind IN ('village', 'community'))"


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("villagers_away", sa.Integer(), nullable=True))
    op.execute(
        f"UPDATE snapshots SET villagers_away = migrant_workers, migrant_workers = NULL WHERE {_VILLAGES}"
    )


def downgrade() -> None:
    op.execute(f"UPDATE snapshots SET migrant_workers = villagers_away WHERE {_VILLAGES}")
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_column("villagers_away")
