"""Dynamic batching: concurrent callers and bulk lists share batches; a full queue, a deadline
and a failing backend each give the caller a clear error, and the worker carries on."""

import threading
import time

import pytest

from shopwright.host.inference import (
    Batcher,
    FakeTextBackend,
    GenerationRequest,
    GenerationTimeout,
    InferenceError,
    Overloaded,
    QuotaExceeded,
)


class SlowFake(FakeTextBackend):
    """A fake whose every batch takes `delay` seconds, or waits for `gate` when one is given."""

    def __init__(self, delay: float = 0.0, gate: threading.Event | None = None):
        super().__init__()
        self.delay = delay
        self.gate = gate
        self.started = threading.Event()

    def generate(self, requests):
        self.started.set()
        if self.gate is not None:
            self.gate.wait(10)
        time.sleep(self.delay)
        return super().generate(requests)


class Broken(FakeTextBackend):
    def __init__(self, error: Exception):
        super().__init__()
        self.error = error

    def generate(self, requests):
        raise self.error


@pytest.fixture
def batchers():
    made = []

    def make(backend, **options):
        batcher = Batcher(backend, **options)
        made.append(batcher)
        return batcher

    yield make
    for batcher in made:
        batcher.close()


def requests_for(*prompts, **options):
    return [GenerationRequest(prompt, **options) for prompt in prompts]


def in_threads(count, target):
    results, errors = [None] * count, []

    def run(i):
        try:
            results[i] = target(i)
        except Exception as exc:  # collected for the assertion, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results, errors


def batches_of(backend: FakeTextBackend) -> list[list[str]]:
    """The prompts of each batch the backend ran, in order."""
    groups, start = [], 0
    for size in backend.batches:
        groups.append([r.prompt for r in backend.requests[start:start + size]])
        start += size
    return groups


def test_each_caller_gets_its_own_answers_in_order(batchers):
    batcher = batchers(FakeTextBackend())
    answers = batcher.generate(requests_for("a", "b", "c"))
    assert [a.text for a in answers] == ["echo: a", "echo: b", "echo: c"]


def test_concurrent_callers_share_one_batch(batchers):
    backend = FakeTextBackend()
    batcher = batchers(backend, max_batch=16, max_wait_ms=200)
    results, errors = in_threads(8, lambda i: batcher.generate(requests_for(f"caller {i}"))[0].text)
    assert not errors and results == [f"echo: caller {i}" for i in range(8)]
    assert backend.batches == [8]


def test_a_bulk_list_runs_in_full_batches(batchers):
    backend = FakeTextBackend()
    batcher = batchers(backend, max_batch=4, max_wait_ms=1, max_queue=8)
    answers = batcher.generate(requests_for(*[f"p{i}" for i in range(10)]))
    assert [a.text for a in answers] == [f"echo: p{i}" for i in range(10)]
    assert backend.batches == [4, 4, 2]


def test_a_bulk_list_longer_than_the_queue_still_runs(batchers):
    batcher = batchers(FakeTextBackend(), max_batch=2, max_wait_ms=1, max_queue=4)
    assert len(batcher.generate(requests_for(*["x"] * 25))) == 25


def test_a_caller_arriving_during_a_bulk_job_joins_its_batches(batchers):
    gate = threading.Event()
    backend = SlowFake(gate=gate)
    batcher = batchers(backend, max_batch=4, max_wait_ms=1, max_queue=64)
    bulk = threading.Thread(target=batcher.generate, args=(requests_for(*[f"bulk {i}" for i in range(12)]),))
    bulk.start()
    assert backend.started.wait(5)  # the first bulk batch is running; its next slice waits in the queue
    single = threading.Thread(target=batcher.generate, args=(requests_for("single"),))
    single.start()
    deadline = time.monotonic() + 5  # until the single request waits in the queue, however busy the machine
    while time.monotonic() < deadline and not any(
            piece.requests[index].prompt == "single" for piece, index, _at in list(batcher._waiting)):
        time.sleep(0.005)
    gate.set()
    bulk.join(5)
    single.join(5)
    groups = batches_of(backend)
    assert sum(backend.batches) == 13 and max(backend.batches) <= 4
    joined = next(group for group in groups if "single" in group)
    assert any(prompt.startswith("bulk") for prompt in joined)  # one forward pass for both callers
    assert groups.index(joined) < len(groups) - 1 or "bulk 11" in joined  # did not wait for the whole job


def test_a_full_queue_refuses_new_callers_at_once(batchers):
    gate = threading.Event()
    backend = SlowFake(gate=gate)
    batcher = batchers(backend, max_batch=2, max_wait_ms=0, max_queue=2)
    first = threading.Thread(target=batcher.generate, args=(requests_for("a", "b"),))
    first.start()
    assert backend.started.wait(5)
    second = threading.Thread(target=batcher.generate, args=(requests_for("c", "d"),))
    second.start()  # fills the queue while the first batch runs
    time.sleep(0.05)
    with pytest.raises(Overloaded, match="busy"):
        batcher.generate(requests_for("e"))
    gate.set()
    first.join(5)
    second.join(5)
    assert batcher.generate(requests_for("f"))[0].text == "echo: f"  # room again


def test_a_deadline_gives_a_timeout_and_drops_the_callers_waiting_requests(batchers):
    gate = threading.Event()
    backend = SlowFake(gate=gate)
    batcher = batchers(backend, max_batch=1, max_wait_ms=0, max_queue=8)
    blocker = threading.Thread(target=batcher.generate, args=(requests_for("running"),))
    blocker.start()
    assert backend.started.wait(5)
    with pytest.raises(GenerationTimeout, match="did not answer within 0.1 s"):
        batcher.generate(requests_for("late"), timeout_s=0.1)
    gate.set()
    blocker.join(5)
    batcher.generate(requests_for("after"))
    assert "late" not in [r.prompt for r in backend.requests]  # cancelled before any batch took it


def test_a_failing_backend_fails_its_callers_and_the_worker_lives_on(batchers):
    backend = Broken(RuntimeError("CUDA out of memory"))
    batcher = batchers(backend, max_wait_ms=0)
    with pytest.raises(InferenceError, match="failed \\(RuntimeError\\)") as raised:
        batcher.generate(requests_for("a"))
    assert isinstance(raised.value.__cause__, RuntimeError)
    backend.error = InferenceError("still broken")
    with pytest.raises(InferenceError, match="still broken"):
        batcher.generate(requests_for("b"))


def test_before_slice_can_stop_a_bulk_call_and_after_slice_sees_each_slice(batchers):
    batcher = batchers(FakeTextBackend(), max_batch=2, max_wait_ms=0)
    seen = []

    def before():
        if len(seen) >= 2:
            raise QuotaExceeded("cap reached")

    with pytest.raises(QuotaExceeded):
        batcher.generate(requests_for(*"abcdefgh"), before_slice=before,
                         after_slice=lambda done: seen.append(len(done)))
    assert seen == [2, 2]


def test_a_closed_batcher_refuses_work(batchers):
    batcher = batchers(FakeTextBackend())
    batcher.close()
    with pytest.raises(InferenceError, match="shutting down"):
        batcher.generate(requests_for("a"))


def test_sizes_are_checked():
    with pytest.raises(ValueError):
        Batcher(FakeTextBackend(), max_batch=8, max_queue=4)


def test_requests_take_sampling_options_and_stay_hashable():
    request = GenerationRequest("x", temperature=0.7, top_p=0.9, seed=3, stop=["\n"])
    assert request.stop == ("\n",) and hash(request) == hash(GenerationRequest("x", "", 256, 0.7, ("\n",), 0.9, 3))
    assert GenerationRequest("x", stop="END").stop == ("END",)
    with pytest.raises(ValueError, match="top_p"):
        GenerationRequest("x", top_p=0)
