"""Townships are identified by city, county and name, so county ledgers can be merged

Two counties may each have a 城关镇; a merged city or province ledger keeps them apart.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _new_table(meta: sa.MetaData) -> sa.Table:
    return sa.Table(
        "townships",
        meta,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("county", sa.String(100), nullable=False, server_default=""),
        sa.Column("city", sa.String(100), nullable=False, server_default=""),
        sa.UniqueConstraint("city", "county", "name", name="uq_townships_place"),
    )


def upgrade() -> None:
    op.execute("UPDATE townships SET county = '' WHERE county IS NULL")
    if op.get_bind().dialect.name == "sqlite":
        # Recreate from an explicit definition: the old unnamed UNIQUE(name) must not be carried over.
        with op.batch_alter_table(
            "townships", copy_from=_new_table(sa.MetaData()), recreate="always"
        ) as batch:
            batch.add_column(sa.Column("city", sa.String(100), nullable=False, server_default=""))
        return
    op.drop_constraint("townships_name_key", "townships", type_="unique")
    op.alter_column("townships", "county", existing_type=sa.String(100), nullable=False, server_default="")
    op.add_column("townships", sa.Column("city", sa.String(100), nullable=False, server_default=""))
    op.create_unique_constraint("uq_townships_place", "townships", ["city", "county", "name"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        old = sa.Table(
            "townships",
            sa.MetaData(),
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("name", sa.String(100), nullable=False, unique=True),
            sa.Column("county", sa.String(100), nullable=True),
        )
        with op.batch_alter_table("townships", copy_from=old, recreate="always"):
            pass  # the table is rebuilt from `old`, which has no city column
        return
    op.drop_constraint("uq_townships_place", "townships", type_="unique")
    op.drop_column("townships", "city")
    op.alter_column("townships", "county", existing_type=sa.String(100), nullable=True, server_default=None)
    op.create_unique_constraint("townships_name_key", "townships", ["name"])
