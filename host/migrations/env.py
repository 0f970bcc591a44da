"""Alembic environment: runs on the connection the host hands over (see host.db.Database.upgrade)."""

from alembic import context
from sqlalchemy import create_engine

import shopwright.host.joblive  # noqa: F401  (defines job_live on Base.metadata, so autogenerate sees it)
from shopwright.host.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
