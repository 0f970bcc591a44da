"""Job liveness: a running job's progress, message, heartbeat and cancel request, kept where the
job's own work can never block them.

Why: an import writes the whole file in one transaction (all or nothing). On SQLite that
transaction holds the database's only write lock until it commits, so a progress or heartbeat
UPDATE of the job's row from another connection waits for the lock and, after the busy timeout,
fails with "database is locked", taking the import down with it.

Where: one small table, `job_live` (job id, the attempt holding it, progress, message, heartbeat
time, cancel request). It is part of the schema like any other table (migration 0005 creates it,
a new database gets it with the rest), so Alembic knows it on every engine. On PostgreSQL that is
the table in use: row locks mean an open import transaction never touches it. On SQLite the live
rows go to a file of their own next to the shop's database (`shopwright.db` →
`shopwright-live.db`, WAL mode), whose lock only these tiny writes ever take; the shop database's
own `job_live` stays empty there. The side file is scratch, created on first use: losing it loses
nothing but the live figures of the jobs running at that moment (their claim time then stands in
for the heartbeat, and the next beat writes the row again).

One row per running job, written by the attempt that claimed it: `worker` is that attempt's claim
token, the same as the job row's `worker`. An attempt writes and deletes only its own row, so a
late or superseded attempt can never wipe out the row of the attempt that holds the job now. The
jobs table stays the durable record (status, attempts, result, and the progress and message a job
ended with); the live row is folded into it when the attempt ends or is requeued, then deleted.
Whoever reads jobs (API, admin, CLI) gets them through `JobQueue`, which merges the live row into
each running job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    String,
    Table,
    Text,
    and_,
    create_engine,
    delete,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import StaticPool

from shopwright.host.db import make_engine
from shopwright.host.models import Base, UTCDateTime, utcnow

job_live = Table(
    "job_live", Base.metadata,
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
    worker: str  # the claim token of the attempt that wrote the row


class LiveStore:
    """The `job_live` table on its own engine (SQLite) or the shop database's (anything else)."""

    def __init__(self, database_url: str, shop_engine: Engine):
        self.engine = side_engine(database_url) or shop_engine
        self._own_engine = self.engine is not shop_engine
        if self._own_engine:  # the side file is scratch; the shop database's table comes with the schema
            try:
                job_live.create(self.engine, checkfirst=True)
            except DBAPIError:  # another process created it between the check and the CREATE
                if not inspect(self.engine).has_table("job_live"):
                    raise

    def start(self, job_id: int, worker: str, now: datetime) -> None:
        """Attempt `worker` claimed the job: a fresh live row (an earlier attempt's is replaced)."""
        with self.engine.begin() as connection:
            connection.execute(delete(job_live).where(job_live.c.job_id == job_id))
            connection.execute(insert(job_live).values(job_id=job_id, worker=worker, progress=0.0, message="running",
                                                       heartbeat_at=now, cancel_requested=False))

    def update(self, job_id: int, worker: str, **values: Any) -> bool:
        """Write some of LIVE_FIELDS to attempt `worker`'s row; when the job has no live row at all
        (it was lost), write a new one. False when another attempt's row is there: this one no
        longer holds the job."""
        mine = and_(job_live.c.job_id == job_id, job_live.c.worker == worker)
        row = {"progress": 0.0, "message": "running", "heartbeat_at": utcnow(), "cancel_requested": False, **values}
        try:
            with self.engine.begin() as connection:
                if connection.execute(update(job_live).where(mine).values(**values)).rowcount:
                    return True
                if connection.execute(select(job_live.c.worker).where(job_live.c.job_id == job_id)).first():
                    return False
                connection.execute(insert(job_live).values(job_id=job_id, worker=worker, **row))
                return True
        except IntegrityError:  # another attempt's row appeared meanwhile
            return False

    def request_cancel(self, job_id: int, worker: str) -> bool:
        """Ask attempt `worker` to stop; False when it has no live row (not started, or ended)."""
        values = {"cancel_requested": True, "message": "cancelling…"}
        mine = and_(job_live.c.job_id == job_id, job_live.c.worker == worker)
        with self.engine.begin() as connection:
            return connection.execute(update(job_live).where(mine).values(**values)).rowcount > 0

    def read(self, job_ids: Iterable[int]) -> dict[int, Live]:
        ids = list(set(job_ids))
        if not ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(select(job_live).where(job_live.c.job_id.in_(ids))).all()
        return {row.job_id: Live(*(getattr(row, name) for name in (*LIVE_FIELDS, "worker"))) for row in rows}

    def forget(self, attempts: Mapping[int, str]) -> None:
        """Delete the live rows of these attempts ({job id: claim token}); a row that a later
        attempt of the same job wrote meanwhile stays."""
        if attempts:
            mine = or_(*(and_(job_live.c.job_id == job_id, job_live.c.worker == worker)
                         for job_id, worker in attempts.items()))
            with self.engine.begin() as connection:
                connection.execute(delete(job_live).where(mine))

    def merge(self, jobs: list) -> list:
        """Running jobs (detached `Job` rows) get their current attempt's live figures; others are as
        stored. A cancel request on the job's row (made before the live row existed) stays."""
        live = self.read(job.id for job in jobs if job.status == "running")
        for job in jobs:
            figures = live.get(job.id)
            if figures is not None and figures.worker == job.worker:
                requested = job.cancel_requested
                for name in LIVE_FIELDS:
                    setattr(job, name, getattr(figures, name))
                job.cancel_requested = bool(requested or figures.cancel_requested)
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
        engine = make_engine(f"sqlite:///{live_file}")  # the shop database's settings: WAL, busy timeout
    return engine
