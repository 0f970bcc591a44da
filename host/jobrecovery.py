"""Crash recovery for jobs: the heartbeat of a running attempt, and the requeue of attempts whose
beat went stale because their process died.

An attempt is named by its claim token, `Job.worker` (a worker's id plus a claim count): each
claim of a job gets a new one. Recovery requeues a job only while the attempt it found stale still
holds it (one conditional UPDATE), and deletes only that attempt's live row, so a job picked up
again meanwhile, by any process, keeps running undisturbed and beating.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from shopwright.host.joblive import Live
from shopwright.host.models import Job, utcnow

if TYPE_CHECKING:
    from shopwright.host.jobs import JobQueue

log = logging.getLogger("shopwright.jobs")


def recover_stale(queue: JobQueue) -> int:
    """Requeue (or fail, when out of attempts) running jobs whose attempt stopped beating."""
    stale = stale_attempts(queue)
    if not stale:
        return 0  # the usual case writes nothing, so it never waits on a running import's lock
    live = queue.live.read(stale)
    requeued: dict[int, str] = {}
    with queue.db.session() as session:
        rows = session.execute(select(Job.id, Job.worker, Job.attempts, Job.max_attempts)
                               .where(Job.id.in_(stale), Job.status == "running")).all()
        for row in rows:
            if row.worker != stale[row.id]:
                continue  # picked up again since it was found stale: a healthy attempt
            held = update(Job).where(Job.id == row.id, Job.status == "running", Job.worker == row.worker)
            if session.execute(held.values(**_interrupted(row, live.get(row.id)))).rowcount:
                requeued[row.id] = row.worker
    queue.live.forget(requeued)
    return len(requeued)


def stale_attempts(queue: JobQueue) -> dict[int, str]:
    """{job id: claim token} of the running attempts whose last beat is too old: their live row's,
    or, without one of their own, their claim time."""
    cutoff = utcnow() - queue.stale_after
    with queue.db.session() as session:
        running = session.execute(select(Job.id, Job.worker, Job.heartbeat_at).where(Job.status == "running")).all()
    live = queue.live.read(job_id for job_id, _, _ in running)
    stale = {}
    for job_id, worker, claimed in running:
        figures = live.get(job_id)
        beat = figures.heartbeat_at if figures is not None and figures.worker == worker else claimed
        if beat is None or beat < cutoff:
            stale[job_id] = worker
    return stale


def _interrupted(row, live: Live | None) -> dict:
    """The job row's new values once its attempt `row` is declared crashed."""
    exhausted = row.attempts >= row.max_attempts
    values = {
        "interrupted": Job.interrupted + 1,
        "error": f"interrupted: worker {row.worker} stopped during attempt {row.attempts}",
        "status": "failed" if exhausted else "queued",
        "finished_at": utcnow() if exhausted else None,
        "message": f"interrupted; {'out of attempts' if exhausted else 'queued again'}",
    }
    if live is not None and live.worker == row.worker:
        values["progress"] = live.progress  # where it had got to, for the job page
    log.warning("job %s %s after a crash", row.id, values["status"])
    return values


class Heartbeat(threading.Thread):
    """Marks a running attempt alive while its handler works, however long between progress calls."""

    def __init__(self, queue: JobQueue, job_id: int, holder: str):
        super().__init__(name=f"job-heartbeat-{job_id}", daemon=True)
        self.queue, self.job_id, self.holder = queue, job_id, holder
        self._done = threading.Event()

    def run(self) -> None:
        superseded = False
        while not self._done.wait(self.queue.heartbeat_s):
            try:
                beating = self.queue.live.update(self.job_id, self.holder, heartbeat_at=utcnow())
            except Exception:  # a missed beat is harmless; a dead heartbeat thread is not
                log.exception("job %s: heartbeat not written", self.job_id)
                continue
            if not beating and not superseded:
                superseded = True
                log.warning("job %s: attempt %s was declared crashed and the job picked up again",
                            self.job_id, self.holder)

    def stop(self) -> None:
        self._done.set()
