"""Job liveness: a running job's progress, message, heartbeat and cancel request, kept where the
job's own work can never block them.

Why: an import writes the whole file in one transaction (all or nothing). On SQLite that
transaction holds the database's only write lock until it commits, so a progress or heartbeat
UPDATE of the job's row from another connection waits for the lock and, after the busy timeout,
fails with "database is locked", taking the import down with it.

Where: one small table, `job_live` (job id, progress, message, heartbeat time, cancel request).
On SQLite it lives in a file of its own next to the shop's database (`shopwright.db` →
`shopwright-live.db`, WAL mode), whose lock only these tiny writes ever take. On PostgreSQL it
lives in the shop's database: row locks mean an open import transaction never touches it. Either
way the table is created on first use, as scratch: losing it loses nothing but the live figures of
the jobs running at that moment (their claim time then stands in for the heartbeat).

The jobs table stays the durable record (status, attempts, result, and the progress and message a
job ended with). A job's live row is written when a worker claims it, updated while it runs, folded
into the job's row when it finishes or is requeued, and then deleted. Whoever reads jobs (API,
admin, CLI) gets them through `JobQueue`, which merges the live row into each running job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from host.models import UTCDateTime

metadata = MetaData()
job_live = Table(
    "job_live", metadata,
    Column("job_id", Integer, primary_key=True, autoincrement=False),
    Column("worker", String(100), nullable=False, default=""),
    Column("progress", Float, nullable=False, default=0.0),
    Column("message", Text, nullable=False, default=""),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("cancel_requested", Boolean, nullable=False, default=False),
)
LIVE_FIELDS = ("progress", "message", "heartbeat_at", "cancel_requested")


@dataclass(frozen=True)
class Live:
    progress: float
    message: str
    heartbeat_at: datetime
    cancel_requested: bool


class LiveStore:
    """The `job_live` table on its own engine (SQLite) or the shop database's (anything else)."""

    def __init__(self, database_url: str, shop_engine: Engine):
        self.engine = side_engine(database_url) or shop_engine
        self._own_engine = self.engine is not shop_engine
        try:
            metadata.create_all(self.engine, checkfirst=True)
        except DBAPIError:  # another process created it between the check and the CREATE
            if not inspect(self.engine).has_table("job_live"):
                raise

    def start(self, job_id: int, worker: str, now: datetime) -> None:
        """A worker claimed the job: a fresh live row (a requeued job's old one is replaced)."""
        with self.engine.begin() as connection:
            connection.execute(delete(job_live).where(job_live.c.job_id == job_id))
            connection.execute(insert(job_live).values(job_id=job_id, worker=worker, progress=0.0, message="running",
                                                       heartbeat_at=now, cancel_requested=False))

    def update(self, job_id: int, **values: Any) -> bool:
        """Write some of LIVE_FIELDS; False when the job has no live row (it is not running here)."""
        with self.engine.begin() as connection:
            return connection.execute(update(job_live).where(job_live.c.job_id == job_id).values(**values)).rowcount > 0

    def read(self, job_ids: Iterable[int]) -> dict[int, Live]:
        ids = list(set(job_ids))
        if not ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(select(job_live).where(job_live.c.job_id.in_(ids))).all()
        return {row.job_id: Live(*(getattr(row, name) for name in LIVE_FIELDS)) for row in rows}

    def forget(self, job_ids: Iterable[int]) -> None:
        ids = list(job_ids)
        if ids:
            with self.engine.begin() as connection:
                connection.execute(delete(job_live).where(job_live.c.job_id.in_(ids)))

    def merge(self, jobs: list) -> list:
        """Running jobs (detached `Job` rows) get their live figures; others are as stored."""
        live = self.read(job.id for job in jobs if job.status == "running")
        for job in jobs:
            figures = live.get(job.id)
            if figures is not None:
                for name in LIVE_FIELDS:
                    setattr(job, name, getattr(figures, name))
        return jobs

    def dispose(self) -> None:
        if self._own_engine:
            self.engine.dispose()


def side_engine(database_url: str) -> Engine | None:
    """For a SQLite shop database, an engine on the live file next to it; None for other engines."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":  # a throwaway database: a throwaway live store
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        shop_file = Path(url.database)
        live_file = shop_file.with_name(f"{shop_file.stem}-live{shop_file.suffix or '.db'}")
        engine = create_engine(f"sqlite:///{live_file}", connect_args={"check_same_thread": False, "timeout": 10})
    event.listen(engine, "connect", _pragmas)
    return engine


def _pragmas(dbapi_connection, _record) -> None:
    # WAL: readers never wait for a writer; NORMAL sync: a lost heartbeat after a power cut is harmless.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()

