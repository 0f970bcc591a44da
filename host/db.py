"""Database access: one engine and session factory per app, schema set-up and upgrades.

A new database gets the current schema in one step and is stamped with the newest migration; an
existing one is brought up to date by Alembic's migrations, so upgrades keep the shop's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shopwright.host.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back whole on any error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self) -> str:
        """Create or upgrade the schema; returns what was done ("created" or "upgraded")."""
        config = alembic_config(self.url)
        from alembic import command

        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            if not inspect(connection).has_table("shops"):
                Base.metadata.create_all(connection)
                command.stamp(config, "head")
                return "created"
            command.upgrade(config, "head")
            return "upgraded"

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def make_engine(url: str) -> Engine:
    """An engine for `url`; on SQLite with WAL, foreign keys and a 30 s busy timeout."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the storefront read while a job writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
