"""Background jobs: progress, cancel, retry with backoff, and recovery after a crash."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from host import PluginMeta, hookimpl
from host.jobs import JobError
from host.models import Job, Product
from host.testing import add_fixture_shop

TESTS = Path(__file__).parent


class Worker:
    plugin_meta = PluginMeta(name="worker", version="1.0", permissions=("read:catalog",))

    def __init__(self):
        self.failures_left = 0

    @hookimpl
    def register_job_types(self, register):
        register("count", self.count, title="Count products")
        register("flaky", self.flaky)
        register("slow", self.slow)

    def count(self, job):
        products = job.ctx.products()
        for i, _ in enumerate(products, 1):
            job.progress(i, len(products), f"{i} of {len(products)}")
        return {"products": len(products)}

    def flaky(self, job):
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("upstream unavailable")
        return {"ok": True}

    def slow(self, job):
        for _ in range(100):
            job.check_cancelled()
            time.sleep(0.02)
        return {}


@pytest.fixture
def shop(sw_app_factory):
    worker = Worker()
    shop = add_fixture_shop(sw_app_factory([worker]))
    shop.worker = worker
    shop.enable("worker")
    return shop


def no_backoff(shop, job_id):
    from host.models import utcnow

    shop.state.jobs._write(job_id, run_after=utcnow())


def test_job_runs_with_progress_and_result(shop):
    jobs = shop.state.jobs
    job_id = jobs.enqueue(shop.id, "worker.count", {})
    assert jobs.get(shop.id, job_id).status == "queued"
    assert jobs.run_pending() == 1
    job = jobs.get(shop.id, job_id)
    assert (job.status, job.progress, job.result, job.attempts) == ("succeeded", 1.0, {"products": 2}, 1)


def test_unknown_job_type_is_refused(shop):
    with pytest.raises(JobError, match="unknown job type 'worker.nope'"):
        shop.state.jobs.enqueue(shop.id, "worker.nope", {})


def test_failed_attempts_are_retried_then_fail_and_can_be_retried_by_hand(shop):
    jobs = shop.state.jobs
    shop.worker.failures_left = 5
    job_id = jobs.enqueue(shop.id, "worker.flaky", {}, max_attempts=2)
    jobs.run_pending()
    job = jobs.get(shop.id, job_id)
    assert job.status == "queued" and "upstream unavailable" in job.error and job.run_after > job.started_at
    no_backoff(shop, job_id)
    jobs.run_pending()
    assert jobs.get(shop.id, job_id).status == "failed"
    shop.worker.failures_left = 0
    jobs.retry(shop.id, job_id)
    jobs.run_pending()
    assert jobs.get(shop.id, job_id).status == "succeeded"


def test_plugin_job_failures_count_towards_quarantine(shop):
    shop.worker.failures_left = 1
    shop.state.jobs.enqueue(shop.id, "worker.flaky", {}, max_attempts=1)
    shop.state.jobs.run_pending()
    assert "upstream unavailable" in shop.state.lifecycle.describe_one(shop.id, "worker")["last_error"]


def test_cancel_a_queued_job_and_a_running_one(shop):
    jobs = shop.state.jobs
    queued = jobs.enqueue(shop.id, "worker.slow", {})
    assert jobs.cancel(shop.id, queued).status == "cancelled"
    running = jobs.enqueue(shop.id, "worker.slow", {})
    jobs.start(1)
    try:
        def cancel_once_running(job):
            if job.status == "running" and not job.cancel_requested:
                jobs.cancel(shop.id, running)

        jobs.wait(shop.id, running, timeout=5, on_poll=cancel_once_running)
    finally:
        jobs.stop()
    assert jobs.get(shop.id, running).status == "cancelled"
    with pytest.raises(JobError, match="cannot be cancelled"):
        jobs.cancel(shop.id, running)


def test_jobs_of_a_disabled_plugin_do_not_run(shop):
    job_id = shop.state.jobs.enqueue(shop.id, "worker.count", {}, max_attempts=1)
    shop.state.disable_plugin(shop.id, "worker")
    shop.state.jobs.run_pending()
    job = shop.state.jobs.get(shop.id, job_id)
    assert job.status == "failed" and "not enabled" in job.error


def test_jobs_are_private_to_their_shop(shop):
    other = add_fixture_shop(shop.app, slug="other")
    job_id = shop.state.jobs.enqueue(shop.id, "worker.count", {})
    with pytest.raises(JobError) as info:
        shop.state.jobs.get(other.id, job_id)
    assert info.value.status == 404
    assert shop.state.jobs.list(other.id) == []


def test_queued_jobs_survive_a_restart(sw_app_factory, tmp_path):
    from host.testing import build_app

    first = build_app(tmp_path, [Worker()])
    shop = add_fixture_shop(first)
    shop.enable("worker")
    job_id = shop.state.jobs.enqueue(shop.id, "worker.count", {})
    shop.state.close()
    second = build_app(tmp_path, [Worker()])
    from host.app import state_of

    state = state_of(second)
    assert state.jobs.run_pending() == 1
    assert state.jobs.get(shop.id, job_id).status == "succeeded"
    state.close()


@pytest.mark.slow
def test_a_job_killed_mid_write_leaves_nothing_and_is_retried(tmp_path):
    marker = tmp_path / "marker"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(TESTS)!r})
        import crashy_jobs
        from host.testing import build_app, add_fixture_shop
        app = build_app({str(tmp_path)!r}, [crashy_jobs], JOB_WORKERS=1, JOB_HEARTBEAT_S=0.2)
        shop = add_fixture_shop(app)
        shop.enable("crashy")
        shop.state.jobs.enqueue(shop.id, "crashy.write_then_stall", {{"marker": {str(marker)!r}}})
        time.sleep(120)
    """)
    server = subprocess.Popen([sys.executable, "-c", script], cwd=TESTS.parent)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.1)
        assert marker.exists(), "the job never started"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
    finally:
        if server.poll() is None:
            server.kill()
    sys.path.insert(0, str(TESTS))
    import crashy_jobs

    from host.app import state_of
    from host.testing import build_app

    state = state_of(build_app(tmp_path, [crashy_jobs], JOB_STALE_AFTER_S=0.5))
    time.sleep(0.6)
    with state.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Product).where(Product.handle.like("half-%"))) == 0
    assert state.jobs.run_pending() == 1
    with state.db.session() as session:
        job = session.scalar(select(Job))
        handles = session.scalars(select(Product.handle).where(Product.handle.like("half-%"))).all()
    assert (job.status, job.attempts, job.interrupted) == ("succeeded", 2, 1)
    assert "interrupted" in job.error and handles == ["half-2"]
    state.close()
