"""Background jobs: a persistent job table run by worker threads inside the server process.

A job is claimed with one conditional UPDATE, so several processes can share the table. A running
job writes a heartbeat; a job whose heartbeat went stale (its process died) is marked interrupted
and queued again, so a crash never silently loses a job. Failed attempts are retried with
backoff up to `max_attempts`; a person can cancel a job or retry a failed one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from host.models import Job, utcnow

log = logging.getLogger("shopwright.jobs")
POLL_S = 0.25


class JobError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class JobCancelled(Exception):
    """Raised inside a handler by `JobRun.check_cancelled()` once a person cancelled the job."""


@dataclass(frozen=True)
class JobType:
    name: str
    handler: Callable[[JobRun], dict | None]
    title: str
    plugin: str | None  # None for the host's own job types


class JobRun:
    """What a job handler works with: its parameters, its shop context, progress and cancel."""

    def __init__(self, queue: JobQueue, job: Job, ctx):
        self.id = job.id
        self.shop_id = job.shop_id
        self.params = dict(job.params or {})
        self.attempt = job.attempts
        self.ctx = ctx
        self._queue = queue
        self._last_write = 0.0

    def progress(self, done: float, total: float = 1.0, message: str = "") -> None:
        fraction = 0.0 if total <= 0 else max(0.0, min(1.0, done / total))
        now = time.monotonic()
        if now - self._last_write < 0.1 and fraction < 1.0:
            return  # progress writes are throttled; the heartbeat keeps the job alive anyway
        self._last_write = now
        self._queue._write(self.id, progress=fraction, message=message[:500], heartbeat_at=utcnow())

    def check_cancelled(self) -> None:
        with self._queue.db.session() as session:
            if session.scalar(select(Job.cancel_requested).where(Job.id == self.id)):
                raise JobCancelled()


class JobQueue:
    def __init__(self, db, config: dict[str, Any], context_factory: Callable[[int, str | None], Any]):
        self.db = db
        self.types: dict[str, JobType] = {}
        self.heartbeat_s = float(config["JOB_HEARTBEAT_S"])
        self.stale_after = timedelta(seconds=float(config["JOB_STALE_AFTER_S"]))
        self.max_attempts = int(config["JOB_MAX_ATTEMPTS"])
        self.context_for_job = context_factory  # (shop_id, plugin name or None) -> context
        self.worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- registry ------------------------------------------------------------------------
    def register(self, name: str, handler: Callable, title: str | None = None, plugin: str | None = None) -> None:
        if not callable(handler):
            raise JobError(f"job type {name}: handler is not callable")
        full = f"{plugin}.{name}" if plugin else name
        if full in self.types:
            raise JobError(f"job type {full} is registered twice")
        self.types[full] = JobType(full, handler, title or full, plugin)

    # -- what people and plugins do ------------------------------------------------------
    def enqueue(self, shop_id: int, job_type: str, params: dict[str, Any], *, max_attempts: int | None = None,
                created_by: str = "") -> int:
        if job_type not in self.types:
            raise JobError(f"unknown job type {job_type!r}; known: {', '.join(sorted(self.types)) or 'none'}")
        with self.db.session() as session:
            job = Job(shop_id=shop_id, type=job_type, params=params, status="queued",
                      max_attempts=max_attempts or self.max_attempts, created_by=created_by)
            session.add(job)
            session.flush()
            return job.id

    def get(self, shop_id: int, job_id: int) -> Job:
        with self.db.session() as session:
            job = session.scalar(select(Job).where(Job.id == job_id, Job.shop_id == shop_id))
        if job is None:
            raise JobError(f"no job {job_id} in this shop", status=404)
        return job

    def list(self, shop_id: int, status: str | None = None, limit: int = 50, offset: int = 0) -> list[Job]:
        query = select(Job).where(Job.shop_id == shop_id)
        if status:
            query = query.where(Job.status == status)
        with self.db.session() as session:
            return list(session.scalars(query.order_by(Job.id.desc()).limit(limit).offset(offset)))

    def cancel(self, shop_id: int, job_id: int) -> Job:
        job = self.get(shop_id, job_id)
        if job.status == "queued":
            self._write(job_id, status="cancelled", finished_at=utcnow(), message="cancelled before it started")
        elif job.status == "running":
            self._write(job_id, cancel_requested=True, message="cancelling…")
        else:
            raise JobError(f"job {job_id} is {job.status} and cannot be cancelled", status=409)
        return self.get(shop_id, job_id)

    def retry(self, shop_id: int, job_id: int) -> Job:
        job = self.get(shop_id, job_id)
        if job.status not in ("failed", "cancelled"):
            raise JobError(f"job {job_id} is {job.status}; only failed or cancelled jobs can be retried", status=409)
        self._write(job_id, status="queued", attempts=0, error="", progress=0.0, cancel_requested=False,
                    message="queued again", run_after=utcnow(), finished_at=None)
        return self.get(shop_id, job_id)

    def wait(self, shop_id: int, job_id: int, timeout: float | None = None, on_poll: Callable | None = None) -> Job:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get(shop_id, job_id)
            if on_poll:
                on_poll(job)
            if job.status in ("succeeded", "failed", "cancelled"):
                return job
            if deadline is not None and time.monotonic() > deadline:
                return job
            time.sleep(POLL_S)

    # -- workers -------------------------------------------------------------------------
    def start(self, workers: int) -> None:
        for index in range(workers):
            thread = threading.Thread(target=self._work_loop, name=f"job-worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def run_pending(self, limit: int | None = None) -> int:
        """Run queued jobs in this thread until none is due (the CLI and tests use this)."""
        ran = 0
        self.recover_stale()
        while limit is None or ran < limit:
            job = self.claim()
            if job is None:
                return ran
            self.execute(job)
            ran += 1
        return ran

    def _work_loop(self) -> None:
        last_recovery = 0.0
        while not self._stop.is_set():
            if time.monotonic() - last_recovery > self.heartbeat_s:
                self.recover_stale()
                last_recovery = time.monotonic()
            job = self.claim()
            if job is None:
                self._stop.wait(POLL_S)
                continue
            self.execute(job)

    def recover_stale(self) -> int:
        """Requeue (or fail, when out of attempts) running jobs whose process stopped beating."""
        cutoff = utcnow() - self.stale_after
        with self.db.session() as session:
            stale = session.scalars(select(Job).where(Job.status == "running", Job.heartbeat_at < cutoff)).all()
            for job in stale:
                job.interrupted += 1
                job.error = f"interrupted: worker {job.worker} stopped during attempt {job.attempts}"
                exhausted = job.attempts >= job.max_attempts
                job.status = "failed" if exhausted else "queued"
                job.finished_at = utcnow() if exhausted else None
                log.warning("job %s %s after a crash", job.id, job.status)
            return len(stale)

    def claim(self) -> Job | None:
        now = utcnow()
        with self.db.session() as session:
            candidate = session.scalar(
                select(Job.id).where(Job.status == "queued", Job.run_after <= now).order_by(Job.id).limit(1)
            )
            if candidate is None:
                return None
            claimed = session.execute(
                update(Job)
                .where(Job.id == candidate, Job.status == "queued")
                .values(status="running", worker=self.worker_id, attempts=Job.attempts + 1,
                        started_at=now, heartbeat_at=now, message="running")
            ).rowcount
        return self._get_any(candidate) if claimed else None

    def execute(self, job: Job) -> None:
        job_type = self.types.get(job.type)
        if job_type is None:
            self._finish(job.id, "failed", error=f"no job type {job.type!r} is registered on this server")
            return
        beat = _Heartbeat(self, job.id)
        beat.start()
        try:
            run = JobRun(self, job, self.context_for_job(job.shop_id, job_type.plugin))
            result = job_type.handler(run)
            self._finish(job.id, "succeeded", result=result if isinstance(result, dict) else {}, progress=1.0)
        except JobCancelled:
            self._finish(job.id, "cancelled", message="cancelled")
        except Exception as exc:  # a failing handler must not take the worker down
            log.exception("job %s (%s) attempt %s failed", job.id, job.type, job.attempts)
            self._after_failure(job, f"{type(exc).__name__}: {exc}", job_type)
        finally:
            beat.stop()

    # -- internals -----------------------------------------------------------------------
    def _after_failure(self, job: Job, error: str, job_type: JobType) -> None:
        if job_type.plugin:
            self.on_plugin_failure(job.shop_id, job_type.plugin, f"job {job.type}: {error}")
        if job.attempts < job.max_attempts:
            delay = timedelta(seconds=min(60, 2 ** job.attempts))
            self._write(job.id, status="queued", error=error, run_after=utcnow() + delay,
                        message=f"attempt {job.attempts} failed; retrying")
        else:
            self._finish(job.id, "failed", error=error, message=f"failed after {job.attempts} attempts")

    def on_plugin_failure(self, shop_id: int, plugin: str, error: str) -> None:
        """Replaced by the app so plugin job failures count towards quarantine."""

    def _finish(self, job_id: int, status: str, **values: Any) -> None:
        self._write(job_id, status=status, finished_at=utcnow(), **values)

    def _write(self, job_id: int, **values: Any) -> None:
        with self.db.session() as session:
            session.execute(update(Job).where(Job.id == job_id).values(**values))

    def _get_any(self, job_id: int) -> Job:
        with self.db.session() as session:
            return session.get(Job, job_id)


class _Heartbeat(threading.Thread):
    """Marks a running job alive while its handler works, however long between progress calls."""

    def __init__(self, queue: JobQueue, job_id: int):
        super().__init__(name=f"job-heartbeat-{job_id}", daemon=True)
        self.queue, self.job_id = queue, job_id
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.queue.heartbeat_s):
            self.queue._write(self.job_id, heartbeat_at=utcnow())

    def stop(self) -> None:
        self._done.set()
