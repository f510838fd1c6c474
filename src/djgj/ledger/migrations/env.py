"""Alembic environment: migrations run on the connection djgj hands over (see db.upgrade)."""

from alembic import context

from djgj.ledger.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # the alembic command line, for developers: use DJGJ_DB
    from djgj.ledger.db import open_engine

    engine = open_engine(migrate=False)
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
