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

from shopwright import PluginMeta, hookimpl
from shopwright.host.jobs import JobError
from shopwright.host.models import Job, Product
from shopwright.host.testing import add_fixture_shop

TESTS = Path(__file__).parent


class Worker:
    plugin_meta = PluginMeta(name="worker", version="1.0", permissions=("read:catalog",))

    def __init__(self):
        self.failures_left = 0
        self.done: list[int] = []  # the attempts of "step" that did their work

    @hookimpl
    def register_job_types(self, register):
        register("count", self.count, title="Count products")
        register("flaky", self.flaky)
        register("slow", self.slow)
        register("step", self.step)

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

    def step(self, job):
        job.check_cancelled()
        self.done.append(job.attempt)
        return {}


@pytest.fixture
def shop(sw_app_factory):
    worker = Worker()
    shop = add_fixture_shop(sw_app_factory([worker]))
    shop.worker = worker
    shop.enable("worker")
    return shop


def no_backoff(shop, job_id):
    from shopwright.host.models import utcnow

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
    from shopwright.host.testing import build_app

    first = build_app(tmp_path, [Worker()])
    shop = add_fixture_shop(first)
    shop.enable("worker")
    job_id = shop.state.jobs.enqueue(shop.id, "worker.count", {})
    shop.state.close()
    second = build_app(tmp_path, [Worker()])
    from shopwright.host.app import state_of

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
        from shopwright.host.testing import build_app, add_fixture_shop
        app = build_app({str(tmp_path)!r}, [crashy_jobs], JOB_WORKERS=1, JOB_HEARTBEAT_S=0.2)
        shop = add_fixture_shop(app)
        shop.enable("crashy")
        shop.state.jobs.enqueue(shop.id, "crashy.write_then_stall", {{"marker": {str(marker)!r}}})
        time.sleep(120)
    """)
    kill_when_marked(script, marker)
    sys.path.insert(0, str(TESTS))
    import crashy_jobs

    from shopwright.host.app import state_of
    from shopwright.host.testing import build_app

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


# -- liveness: progress, heartbeat and cancel never wait on the job's own transaction --------------
class Holder:
    """A job that keeps a write transaction open on the shop's database (as an import does) while
    it reports progress, is read, and is cancelled."""

    plugin_meta = PluginMeta(name="holder", version="1.0", permissions=("read:catalog",))

    def __init__(self):
        self.seen: list = []

    @hookimpl
    def register_job_types(self, register):
        register("hold", self.hold)
        register("refuse", self.refuse)

    def hold(self, job):
        from decimal import Decimal

        from shopwright.host.models import Variant

        jobs = job._queue
        with jobs.db.session() as session:
            session.add(Product(shop_id=job.shop_id, handle="held", title="Held",
                                variants=[Variant(shop_id=job.shop_id, sku="HELD", price=Decimal(1))]))
            session.flush()  # from here on, SQLite's write lock is ours until the block ends
            time.sleep(0.15)  # past the progress throttle and a few heartbeats
            job.progress(1, 2, "half way")
            seen = jobs.get(job.shop_id, job.id)
            self.seen.append((seen.status, seen.progress, seen.message))
            self.seen.append(jobs.recover_stale())
            jobs.cancel(job.shop_id, job.id)
            job.check_cancelled()
        return {}

    def refuse(self, job):
        from shopwright.host.jobs import PermanentError

        raise PermanentError("this input can never work")


@pytest.fixture
def holder_shop(sw_app_factory):
    holder = Holder()
    shop = add_fixture_shop(sw_app_factory([holder], JOB_HEARTBEAT_S=0.02))
    shop.holder = holder
    shop.enable("holder")
    return shop


def test_progress_reads_and_cancel_do_not_wait_for_the_jobs_open_transaction(holder_shop):
    jobs = holder_shop.state.jobs
    job_id = jobs.enqueue(holder_shop.id, "holder.hold", {})
    jobs.run_pending()
    assert holder_shop.holder.seen == [("running", 0.5, "half way"), 0]
    job = jobs.get(holder_shop.id, job_id)
    assert (job.status, job.progress, job.message) == ("cancelled", 0.5, "cancelled")
    with holder_shop.state.db.session() as session:  # cancelled inside its transaction: nothing kept
        assert session.scalar(select(func.count()).select_from(Product).where(Product.handle == "held")) == 0


def test_a_permanent_error_fails_the_job_at_once(holder_shop):
    jobs = holder_shop.state.jobs
    job_id = jobs.enqueue(holder_shop.id, "holder.refuse", {}, max_attempts=3)
    jobs.run_pending()
    job = jobs.get(holder_shop.id, job_id)
    assert (job.status, job.attempts) == ("failed", 1) and job.error == "PermanentError: this input can never work"


def test_a_job_whose_worker_vanished_is_queued_again_from_its_live_heartbeat(sw_app_factory):
    shop = add_fixture_shop(sw_app_factory([Worker()], JOB_STALE_AFTER_S=0.2))
    shop.enable("worker")
    jobs = shop.state.jobs
    job_id = jobs.enqueue(shop.id, "worker.count", {})
    assert jobs.claim().id == job_id  # claimed, then its process "dies": nothing beats any more
    assert jobs.recover_stale() == 0  # the claim's beat is fresh
    time.sleep(0.3)
    assert jobs.recover_stale() == 1
    job = jobs.get(shop.id, job_id)
    assert (job.status, job.interrupted, job.message) == ("queued", 1, "interrupted; queued again")
    assert jobs.run_pending() == 1 and jobs.get(shop.id, job_id).status == "succeeded"


def kill_when_marked(script: str, marker: Path) -> None:
    """Run `script` in a new process and kill -9 it once it writes `marker`."""
    server = subprocess.Popen([sys.executable, "-c", script], cwd=TESTS.parent)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.1)
        assert marker.exists(), "the job never got there"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
    finally:
        if server.poll() is None:
            server.kill()


@pytest.mark.slow
def test_an_import_killed_mid_write_is_queued_again_and_imports_once(tmp_path):
    marker = tmp_path / "marker"
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(TESTS)!r})
        import crashy_jobs
        from shopwright.host.testing import build_app, add_fixture_shop
        crashy_jobs.stall_imports_midway(Path({str(marker)!r}))
        app = build_app({str(tmp_path)!r}, JOB_WORKERS=1, JOB_HEARTBEAT_S=0.2)
        shop = add_fixture_shop(app)
        auth = {{"Authorization": "Bearer " + shop.api_key("write:customers")}}
        rows = "email\\n" + "".join(f"buyer{{n}}@example.com\\n" for n in range(2000))
        answer = app.test_client().post("/api/v1/imports/customers?filename=b.csv&background=1",
                                        data=rows.encode(), headers=auth)
        assert answer.status_code == 202, answer.json
        time.sleep(120)
    """)
    kill_when_marked(script, marker)
    from shopwright.host.app import state_of
    from shopwright.host.models import Customer
    from shopwright.host.testing import build_app

    state = state_of(build_app(tmp_path, JOB_STALE_AFTER_S=0.5))
    time.sleep(0.6)
    with state.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Customer).where(Customer.email.like("buyer%"))) == 0
    assert state.jobs.run_pending() == 1
    with state.db.session() as session:
        job = session.scalar(select(Job))
        buyers = session.scalar(select(func.count()).select_from(Customer).where(Customer.email.like("buyer%")))
    assert (job.status, job.attempts, job.interrupted, buyers) == ("succeeded", 2, 1, 2000), job.error
    state.close()


def test_the_job_page_names_no_server_path(sw_app_factory):
    from shopwright.host.testing import admin_client

    app = sw_app_factory()
    shop = add_fixture_shop(app)
    params = {"kind": "customers", "filename": "people.csv", "path": "/srv/private/uploads/1/0a1b-people.csv"}
    job_id = shop.state.jobs.enqueue(shop.id, "host.import", params)  # as queued by an older version
    shop.state.jobs.run_pending()
    job = shop.state.jobs.get(shop.id, job_id)
    assert (job.status, job.attempts) == ("failed", 1) and "/srv/private" not in job.error  # gone: not retried
    page = admin_client(app, shop, "owner").get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "people.csv" in page and "/srv/private" not in page and "0a1b" not in page


# -- one attempt at a time: recovery, late ends, early cancels, busy ends -------------------------
def backdate(jobs, job_id):
    """Make the job's running attempt look as if its process died an hour ago (no beat since)."""
    from datetime import timedelta

    from sqlalchemy import update

    from shopwright.host.joblive import job_live
    from shopwright.host.models import utcnow

    long_ago = utcnow() - timedelta(hours=1)
    jobs._write(job_id, heartbeat_at=long_ago)
    with jobs.live.engine.begin() as connection:
        connection.execute(update(job_live).where(job_live.c.job_id == job_id).values(heartbeat_at=long_ago))


def test_recovery_leaves_alone_a_job_picked_up_again_meanwhile(shop, monkeypatch):
    from shopwright.host.jobs import JobRun

    jobs = shop.state.jobs
    job_id = jobs.enqueue(shop.id, "worker.count", {})
    jobs.claim()
    backdate(jobs, job_id)
    picked = []

    def claimed_first(*args, forget=jobs.live.forget):  # another worker takes the requeued job right away
        picked.append(jobs.claim())
        forget(*args)

    monkeypatch.setattr(jobs.live, "forget", claimed_first)
    assert jobs.recover_stale() == 1
    monkeypatch.undo()
    second = picked[0]
    assert (second.id, second.attempts) == (job_id, 2)
    JobRun(jobs, second, None).progress(1, 2, "half way")  # the new attempt's progress and beat count
    assert (jobs.get(shop.id, job_id).status, jobs.get(shop.id, job_id).progress) == ("running", 0.5)
    backdate(jobs, job_id)
    JobRun(jobs, second, None).progress(2, 2, "done")  # it beats again: only its claim time is old
    assert jobs.recover_stale() == 0
    jobs.execute(second)
    job = jobs.get(shop.id, job_id)
    assert (job.status, job.attempts, job.interrupted) == ("succeeded", 2, 1)


def test_a_lost_live_row_is_written_again_by_the_next_beat(shop):
    from sqlalchemy import delete

    from shopwright.host.joblive import job_live
    from shopwright.host.jobs import JobRun

    jobs = shop.state.jobs
    job_id = jobs.enqueue(shop.id, "worker.count", {})
    job = jobs.claim()
    with jobs.live.engine.begin() as connection:  # say the live file was deleted under the server
        connection.execute(delete(job_live))
    JobRun(jobs, job, None).progress(1, 4, "a quarter")
    assert (jobs.get(shop.id, job_id).progress, jobs.get(shop.id, job_id).message) == (0.25, "a quarter")


def test_an_attempt_declared_crashed_that_ends_late_leaves_the_job_to_the_next(shop):
    jobs = shop.state.jobs
    job_id = jobs.enqueue(shop.id, "worker.count", {})
    first = jobs.claim()
    backdate(jobs, job_id)
    assert jobs.recover_stale() == 1
    second = jobs.claim()
    jobs.execute(first)  # it was alive after all (a paused process) and ends now
    assert jobs.get(shop.id, job_id).status == "running"
    assert jobs.live.read([job_id])[job_id].worker == second.worker
    jobs.execute(second)
    assert (jobs.get(shop.id, job_id).status, jobs.get(shop.id, job_id).attempts) == ("succeeded", 2)


def test_an_attempt_declared_crashed_stops_at_its_next_cancel_check(shop):
    jobs = shop.state.jobs
    job_id = jobs.enqueue(shop.id, "worker.step", {})
    first = jobs.claim()
    backdate(jobs, job_id)
    assert jobs.recover_stale() == 1
    second = jobs.claim()
    jobs.execute(first)
    assert shop.worker.done == [] and jobs.get(shop.id, job_id).status == "running"
    jobs.execute(second)
    assert shop.worker.done == [2] and jobs.get(shop.id, job_id).status == "succeeded"


def test_a_cancel_between_the_claim_and_its_live_row_is_kept(shop, monkeypatch):
    jobs = shop.state.jobs
    job_id = jobs.enqueue(shop.id, "worker.step", {})

    def cancelled_first(*args, start=jobs.live.start):
        assert jobs.cancel(shop.id, job_id).cancel_requested
        start(*args)

    monkeypatch.setattr(jobs.live, "start", cancelled_first)
    jobs.execute(jobs.claim())
    assert jobs.get(shop.id, job_id).status == "cancelled" and shop.worker.done == []


def busy_ends(jobs, monkeypatch, times):
    """The job row's "succeeded" write fails `times` times as if SQLite stayed locked."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    left = [times]

    def write(*args, original=jobs._write, **values):
        if values.get("status") == "succeeded" and left[0]:
            left[0] -= 1
            raise OperationalError("UPDATE jobs", {}, sqlite3.OperationalError("database is locked"))
        return original(*args, **values)

    monkeypatch.setattr(jobs, "_write", write)
    monkeypatch.setattr(jobs, "settle_delays_s", (0, 0, 0), raising=False)


def test_the_end_of_a_job_is_written_again_while_the_database_is_busy(shop, monkeypatch):
    jobs = shop.state.jobs
    job_id = jobs.enqueue(shop.id, "worker.step", {})
    busy_ends(jobs, monkeypatch, times=3)
    assert jobs.run_pending() == 1
    job = jobs.get(shop.id, job_id)
    assert (job.status, job.attempts, job.error) == ("succeeded", 1, "") and shop.worker.done == [1]
    assert jobs.live.read([job_id]) == {}


def test_an_end_that_stays_unwritten_is_left_to_recovery_and_not_blamed_on_the_plugin(shop, monkeypatch):
    from sqlalchemy.exc import OperationalError

    jobs = shop.state.jobs
    job_id = jobs.enqueue(shop.id, "worker.step", {})
    busy_ends(jobs, monkeypatch, times=4)
    with pytest.raises(OperationalError):
        jobs.run_pending()
    job = jobs.get(shop.id, job_id)
    assert (job.status, job.error) == ("running", "") and job_id in jobs.live.read([job_id])
    assert shop.state.lifecycle.describe_one(shop.id, "worker")["last_error"] in ("", None)


def test_the_live_table_comes_with_the_schema_on_every_engine(sw_app):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from shopwright.host.app import state_of
    from shopwright.host.db import alembic_config
    from shopwright.host.models import Base

    db = state_of(sw_app).db

    def schema():
        with db.engine.connect() as connection:
            return inspect(connection).has_table("job_live"), compare_metadata(
                MigrationContext.configure(connection), Base.metadata)

    assert schema() == (True, [])  # a new database: created from the models
    command.downgrade(alembic_config(db.url), "0004")
    assert inspect(db.engine).has_table("job_live") is False
    command.upgrade(alembic_config(db.url), "head")
    assert schema() == (True, [])  # an upgraded one: created by the migration

