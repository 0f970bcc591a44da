"""Background jobs: a persistent job table run by worker threads inside the server process.

A job is claimed with one conditional UPDATE, so several processes can share the table. A running
job beats a heartbeat; a job whose heartbeat went stale (its process died) is marked interrupted
and queued again while it has attempts left, so a crash never silently loses a job. Failed
attempts are retried with backoff up to `max_attempts`, except a `PermanentError` (bad input that
no retry can fix), which fails the job at once; a person can cancel a job or retry a failed one.

A running job's progress, message, heartbeat and cancel request live in `host.joblive`, never in
the job's row, so they cannot wait on the job's own work (an import's transaction holds SQLite's
write lock until it commits); `get`, `list` and `find` merge them into the jobs they return.

Each claim names its attempt with a token of its own (`Job.worker`). Only the attempt that holds
the job writes its live row and its end, so an attempt declared crashed that turns out to be alive
(a paused process, a database busy past the stale time) can never overwrite the job's next
attempt; it stops at its next `check_cancelled()`. Crash recovery is in `host.jobrecovery`.
"""

from __future__ import annotations

import builtins
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import OperationalError

from shopwright.host.joblive import LiveStore
from shopwright.host.jobrecovery import Heartbeat, recover_stale
from shopwright.host.models import GeneratedContent, Job, utcnow

if TYPE_CHECKING:  # for annotations only: nothing here needs them at run time
    from shopwright.host.context import ShopContext
    from shopwright.host.db import Database

log = logging.getLogger("shopwright.jobs")
#: `Session.execute` is typed as returning any Result; an UPDATE's is a CursorResult, which has `rowcount`.
UpdateResult = CursorResult[Any]
POLL_S = 0.25


class JobError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class JobCancelled(Exception):
    """Raised inside a handler by `JobRun.check_cancelled()` once a person cancelled the job."""


class JobSuperseded(JobCancelled):
    """Raised by `JobRun.check_cancelled()` once this attempt no longer holds the job: it was
    declared crashed (its beat went stale) and the job was queued again."""


class PermanentError(Exception):
    """Raised (or subclassed) by a handler when trying again cannot help, such as a refused file:
    the job fails at once, whatever attempts it has left."""


@dataclass(frozen=True)
class JobType:
    name: str
    handler: Callable[[JobRun], dict[str, Any] | None]
    title: str
    plugin: str | None  # None for the host's own job types


class JobRun:
    """What a job handler works with: its parameters, its shop context, progress and cancel."""

    def __init__(self, queue: JobQueue, job: Job, ctx: ShopContext | None, plugin: str | None = None):
        self.id: int = job.id
        self.shop_id: int = job.shop_id
        self.params: dict[str, Any] = dict(job.params or {})
        self.attempt: int = job.attempts
        self._holder = job.worker  # this attempt's claim token
        #: The plugin's shop context. Typed as plugin handlers get it: only the host's own job
        #: types (plugin None) get None, and they never read it.
        self.ctx: ShopContext = cast("ShopContext", ctx)
        self.plugin: str | None = plugin
        self._queue = queue
        self._last_write = 0.0

    def progress(self, done: float, total: float = 1.0, message: str = "") -> None:
        fraction = 0.0 if total <= 0 else max(0.0, min(1.0, done / total))
        now = time.monotonic()
        if now - self._last_write < 0.1 and fraction < 1.0:
            return  # progress writes are throttled; the heartbeat keeps the job alive anyway
        self._last_write = now
        self._queue.live.update(self.id, self._holder, progress=fraction, message=message[:500], heartbeat_at=utcnow())

    def check_cancelled(self) -> None:
        """Raise `JobCancelled` once a person cancelled the job (on its live row, or on its job row
        where the live row did not exist yet), `JobSuperseded` once this attempt lost the job.
        Both are reads, which never wait for a writer."""
        live = self._queue.live.read([self.id]).get(self.id)
        if live is not None and live.worker == self._holder and live.cancel_requested:
            raise JobCancelled()
        with self._queue.db.session() as session:
            row = session.execute(select(Job.status, Job.worker, Job.cancel_requested).where(Job.id == self.id)).first()
        if row is None or (row.status, row.worker) != ("running", self._holder):
            raise JobSuperseded()
        if row.cancel_requested:
            raise JobCancelled()

    def saved_drafts(self, kind: str) -> list[GeneratedContent]:
        """The drafts of `kind` this job saved so far, in any attempt and any process (their meta
        carries ``job_id``): what a retried attempt carries on from instead of drafting again."""
        with self._queue.db.session() as session:
            job = cast(Job, session.get(Job, self.id))  # the row of a running job: there while it runs
            rows = session.scalars(select(GeneratedContent).where(
                GeneratedContent.shop_id == self.shop_id, GeneratedContent.plugin == (self.plugin or ""),
                GeneratedContent.kind == kind, GeneratedContent.created_at >= job.created_at)
                .order_by(GeneratedContent.id)).all()
        return [row for row in rows if (row.meta or {}).get("job_id") == self.id]


class JobQueue:
    settle_delays_s: tuple[float, ...] = (1.0, 4.0, 15.0, 30.0)  # between tries of an attempt's end

    def __init__(self, db: Database, config: dict[str, Any],
                 context_factory: Callable[[int, str | None], ShopContext | None]):
        self.db = db
        self.types: dict[str, JobType] = {}
        self.heartbeat_s = float(config["JOB_HEARTBEAT_S"])
        self.stale_after = timedelta(seconds=float(config["JOB_STALE_AFTER_S"]))
        self.max_attempts = int(config["JOB_MAX_ATTEMPTS"])
        self.context_for_job = context_factory  # (shop_id, plugin name or None) -> context
        self.live = LiveStore(db.url, db.engine)
        self.worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._claims = itertools.count(1)  # numbers this worker's claims: its attempts' tokens
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- registry ------------------------------------------------------------------------
    def register(self, name: str, handler: Callable[[JobRun], dict[str, Any] | None], title: str | None = None,
                 plugin: str | None = None) -> None:
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
        return self.live.merge([job])[0]

    def list(self, shop_id: int, status: str | None = None, limit: int = 50, offset: int = 0) -> list[Job]:
        query = select(Job).where(Job.shop_id == shop_id)
        if status:
            query = query.where(Job.status == status)
        with self.db.session() as session:
            jobs = list(session.scalars(query.order_by(Job.id.desc()).limit(limit).offset(offset)))
        return self.live.merge(jobs)

    # `builtins.list` from here on: inside this class, `list` is the method above.
    def find(self, shop_id: int, job_ids: builtins.list[int]) -> builtins.list[Job]:
        """The shop's jobs among `job_ids`, newest first; another shop's or a gone job is left out."""
        query = select(Job).where(Job.shop_id == shop_id, Job.id.in_(set(job_ids))).order_by(Job.id.desc())
        with self.db.session() as session:
            jobs = list(session.scalars(query))
        return self.live.merge(jobs)

    def cancel(self, shop_id: int, job_id: int) -> Job:
        job = self.get(shop_id, job_id)
        if job.status == "queued":
            if not self._write(job_id, Job.status == "queued", status="cancelled", finished_at=utcnow(),
                               message="cancelled before it started"):
                return self.cancel(shop_id, job_id)  # claimed meanwhile
        elif job.status == "running":
            # Through the live store: the job's row may be waiting behind the job's own transaction.
            # No live row yet (just claimed) or any more (ending): the row, which check_cancelled reads.
            if not self.live.request_cancel(job_id, job.worker):
                self._write(job_id, *_held(job.worker), cancel_requested=True, message="cancelling…")
        else:
            raise JobError(f"job {job_id} is {job.status} and cannot be cancelled", status=409)
        return self.get(shop_id, job_id)

    def retry(self, shop_id: int, job_id: int) -> Job:
        job = self.get(shop_id, job_id)
        if job.status not in ("failed", "cancelled"):
            raise JobError(f"job {job_id} is {job.status}; only failed or cancelled jobs can be retried", status=409)
        if not self._write(job_id, Job.status == job.status, status="queued", attempts=0, error="", progress=0.0,
                           cancel_requested=False, message="queued again", run_after=utcnow(), finished_at=None):
            raise JobError(f"job {job_id} changed meanwhile; look again", status=409)
        return self.get(shop_id, job_id)

    def wait(self, shop_id: int, job_id: int, timeout: float | None = None,
             on_poll: Callable[[Job], object] | None = None) -> Job:
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
        self.live.dispose()  # closes pooled connections only; the store opens new ones when used again

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
            try:
                if time.monotonic() - last_recovery > self.heartbeat_s:
                    last_recovery = time.monotonic()
                    self.recover_stale()
                job = self.claim()
            except Exception:  # e.g. SQLite busy past its timeout: the worker lives on and tries again
                log.exception("job worker %s could not reach the job table", self.worker_id)
                job = None
            if job is None:
                self._stop.wait(POLL_S)
                continue
            try:
                self.execute(job)
            except Exception:  # its end could not be written: the job looks crashed and is recovered
                log.exception("job worker %s lost job %s", self.worker_id, job.id)

    def recover_stale(self) -> int:
        """Requeue (or fail, when out of attempts) running jobs whose attempt stopped beating."""
        return recover_stale(self)

    def claim(self) -> Job | None:
        now, token = utcnow(), f"{self.worker_id}.{next(self._claims)}"
        with self.db.session() as session:
            candidate = session.scalar(
                select(Job.id).where(Job.status == "queued", Job.run_after <= now).order_by(Job.id).limit(1)
            )
            if candidate is None:
                return None
            claimed = cast(UpdateResult, session.execute(
                update(Job)
                .where(Job.id == candidate, Job.status == "queued")
                .values(status="running", worker=token, attempts=Job.attempts + 1,
                        started_at=now, heartbeat_at=now, message="running", cancel_requested=False)
            )).rowcount
        if not claimed:
            return None
        self.live.start(candidate, token, now)
        return self._get_any(candidate)

    def execute(self, job: Job) -> None:
        job_type = self.types.get(job.type)
        if job_type is None:
            self._finish(job, "failed", error=f"no job type {job.type!r} is registered on this server")
            return
        beat = Heartbeat(self, job.id, job.worker)
        beat.start()
        try:
            run = JobRun(self, job, self.context_for_job(job.shop_id, job_type.plugin), job_type.plugin)
            result = job_type.handler(run)
        except JobSuperseded:
            log.warning("job %s: attempt %s stopped; the job was picked up again", job.id, job.worker)
            self.live.forget({job.id: job.worker})
        except JobCancelled:
            self._finish(job, "cancelled", message="cancelled")
        except PermanentError as exc:  # retrying cannot help: fail now, attempts left or not
            log.warning("job %s (%s) failed: %s", job.id, job.type, exc)
            self._after_failure(job, f"{type(exc).__name__}: {exc}", job_type, retry=False)
        except Exception as exc:  # a failing handler must not take the worker down
            log.exception("job %s (%s) attempt %s failed", job.id, job.type, job.attempts)
            self._after_failure(job, f"{type(exc).__name__}: {exc}", job_type)
        else:  # outside the handler's failures: an end that cannot be written is no fault of the plugin's
            self._finish(job, "succeeded", result=result if isinstance(result, dict) else {}, progress=1.0)
        finally:
            beat.stop()

    # -- internals -----------------------------------------------------------------------
    def _after_failure(self, job: Job, error: str, job_type: JobType, retry: bool = True) -> None:
        if job_type.plugin:
            self.on_plugin_failure(job.shop_id, job_type.plugin, f"job {job.type}: {error}")
        if retry and job.attempts < job.max_attempts:
            delay = timedelta(seconds=min(60, 2 ** job.attempts))
            self._settle(job, status="queued", error=error, run_after=utcnow() + delay,
                         message=f"attempt {job.attempts} failed; retrying")
        elif not retry:
            self._finish(job, "failed", error=error, message="failed; trying again cannot help")
        else:
            self._finish(job, "failed", error=error, message=f"failed after {job.attempts} attempts")

    def on_plugin_failure(self, shop_id: int, plugin: str, error: str) -> None:
        """Replaced by the app so plugin job failures count towards quarantine."""

    def _finish(self, job: Job, status: str, **values: Any) -> None:
        self._settle(job, status=status, finished_at=utcnow(), **values)

    def _settle(self, job: Job, **values: Any) -> None:
        """Leave the running state: the live figures become the row's (unless `values` says
        otherwise), then the attempt's live row goes. Only the attempt holding the job writes."""
        live = self.live.read([job.id]).get(job.id)
        if live is not None and live.worker == job.worker:
            values = {"progress": live.progress, "message": live.message, **values}
        if not self._write_end(job, values):
            log.warning("job %s: attempt %s lost the job meanwhile; its end (%s) is not recorded",
                        job.id, job.worker, values.get("status"))
        self.live.forget({job.id: job.worker})

    def _write_end(self, job: Job, values: dict[str, Any]) -> bool:
        """Write an attempt's end, trying again while the database stays busy (an import can hold
        SQLite's write lock past the busy timeout): given up, a finished job would look crashed
        once its heartbeat stops, and run again. The heartbeat goes on while this waits."""
        for delay in (*self.settle_delays_s, None):
            try:
                return self._write(job.id, *_held(job.worker), **values)
            except OperationalError:
                if delay is None:
                    log.critical("job %s: its end (%s) could not be written, tried %d times; it will look "
                                 "crashed and run again", job.id, values.get("status"), len(self.settle_delays_s) + 1)
                    raise
                log.error("job %s: its end (%s) could not be written; trying again in %ss",
                          job.id, values.get("status"), delay, exc_info=True)
                time.sleep(delay)
        raise AssertionError("unreachable: the last try returns or raises")

    def _write(self, job_id: int, *conditions: Any, **values: Any) -> bool:
        """Update the job's row where `conditions` hold; whether it was written."""
        with self.db.session() as session:
            statement = update(Job).where(Job.id == job_id, *conditions).values(**values)
            return cast(UpdateResult, session.execute(statement)).rowcount > 0

    def _get_any(self, job_id: int) -> Job | None:
        with self.db.session() as session:
            return session.get(Job, job_id)


def _held(holder: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The conditions under which attempt `holder` still holds its job."""
    return Job.status == "running", Job.worker == holder
