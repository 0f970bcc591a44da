"""Dynamic batching: requests from many callers share one backend's forward passes.

One worker thread per backend takes up to `max_batch` waiting requests (it waits at most
`max_wait_ms` after the first one for others to join), runs one `generate()` for the group and
hands each caller its own answers. Callers block until their answers are in or their deadline
passes.

A caller's list is fed to the queue in slices of `max_batch`, two slices ahead of the worker:
a bulk job with a thousand prompts never fills the queue on its own, and a request from another
caller that arrives meanwhile joins the next batch instead of waiting for the whole job. The
queue holds at most `max_queue` requests; a caller whose first slice does not fit is refused at
once with `Overloaded`, while later slices of an admitted caller wait for room. The deadline
(`timeout_s`) applies to each slice: how long a caller waits for one batch's worth of its
answers (or for room in the queue) before `GenerationTimeout`.

    batcher = Batcher(backend, max_batch=16, max_wait_ms=20, max_queue=256)
    answers = batcher.generate([GenerationRequest(...), ...], timeout_s=120)
    batcher.close()
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from shopwright.host.inference.backend import Generation, GenerationRequest, TextBackend
from shopwright.host.inference.errors import GenerationTimeout, InferenceError, Overloaded

log = logging.getLogger("shopwright.inference")

SLICES_AHEAD = 2


class _Slice:
    """Up to `max_batch` requests of one caller, answered together or failed together."""

    def __init__(self, requests: Sequence[GenerationRequest]):
        self.requests = list(requests)
        self.results: list[Generation | None] = [None] * len(self.requests)
        self.error: BaseException | None = None
        self.left = len(self.requests)
        self.done = threading.Event()
        self.cancelled = False

    def resolve(self, index: int, generation: Generation) -> None:
        self.results[index] = generation
        self.left -= 1
        if self.left == 0:
            self.done.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()


class Batcher:
    """Puts the `generate` calls of many threads into shared batches for `backend`."""

    def __init__(self, backend: TextBackend, max_batch: int = 16, max_wait_ms: float = 20,
                 max_queue: int = 256, name: str = ""):
        if max_batch < 1 or max_queue < max_batch:
            raise ValueError(f"need 1 <= max_batch <= max_queue, not {max_batch} and {max_queue}")
        self.backend = backend
        self.max_batch = max_batch
        self.max_wait_s = max_wait_ms / 1000.0
        self.max_queue = max_queue
        self.name = name or backend.name
        self.batches: list[int] = []  # size of every batch run, for tests and benchmarks (last 1000)
        self._waiting: deque[tuple[_Slice, int, float]] = deque()  # (slice, index, queued at)
        self._cond = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._run, name=f"shopwright-batcher-{self.name}", daemon=True)
        self._worker.start()

    # -- callers -------------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest], timeout_s: float | None = None,
                 before_slice: Callable[[], None] | None = None,
                 after_slice: Callable[[list[Generation]], None] | None = None) -> list[Generation]:
        """One Generation per request, in order. `before_slice` runs before each slice is queued
        (it may raise to stop, e.g. a spent quota); `after_slice` gets each slice's answers."""
        slices = [_Slice(requests[i:i + self.max_batch]) for i in range(0, len(requests), self.max_batch)]
        ahead: deque[_Slice] = deque()
        try:
            for number, piece in enumerate(slices):
                if len(ahead) >= SLICES_AHEAD:
                    self._collect(ahead.popleft(), timeout_s, after_slice)
                if before_slice is not None:
                    before_slice()
                self._enqueue(piece, wait=number > 0, timeout_s=timeout_s)
                ahead.append(piece)
            while ahead:
                self._collect(ahead.popleft(), timeout_s, after_slice)
        except BaseException:
            self._cancel(slices)
            raise
        return [generation for piece in slices for generation in piece.results]

    def _enqueue(self, piece: _Slice, wait: bool, timeout_s: float | None) -> None:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with self._cond:
            while len(self._waiting) + len(piece.requests) > self.max_queue and not self._closed:
                left = None if deadline is None else deadline - time.monotonic()
                if not wait:
                    raise Overloaded(f"The model is busy: {len(self._waiting)} requests are already waiting. "
                                     "Try again in a moment.")
                if left is not None and left <= 0:
                    raise GenerationTimeout(f"The model was too busy to take more requests within {timeout_s:g} s.")
                self._cond.wait(left)
            if self._closed:
                raise InferenceError("The model is shutting down with the server.")
            now = time.monotonic()
            self._waiting.extend((piece, index, now) for index in range(len(piece.requests)))
            self._cond.notify_all()

    def _collect(self, piece: _Slice, timeout_s: float | None, after: Callable | None) -> None:
        if not piece.done.wait(timeout_s):
            raise GenerationTimeout(f"The model did not answer within {timeout_s:g} s; it is busy or slow. "
                                    "Try again later, or with fewer or shorter requests.")
        if piece.error is not None:
            raise piece.error
        if after is not None:
            after(piece.results)

    def _cancel(self, slices: list[_Slice]) -> None:
        """Drop a failed caller's requests that no batch has taken yet."""
        with self._cond:
            for piece in slices:
                piece.cancelled = True
            self._waiting = deque(item for item in self._waiting if not item[0].cancelled)
            self._cond.notify_all()

    # -- the worker ----------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._run_batch(batch)

    def _next_batch(self) -> list[tuple[_Slice, int]] | None:
        with self._cond:
            while not self._waiting and not self._closed:
                self._cond.wait()
            if not self._waiting:
                return None  # closed and drained
            fill_until = self._waiting[0][2] + self.max_wait_s
            while len(self._waiting) < self.max_batch and not self._closed:
                left = fill_until - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            taken = [self._waiting.popleft() for _ in range(min(self.max_batch, len(self._waiting)))]
            self._cond.notify_all()  # room for callers waiting to queue their next slice
        return [(piece, index) for piece, index, _ in taken]

    def _run_batch(self, batch: list[tuple[_Slice, int]]) -> None:
        self.batches = self.batches[-999:] + [len(batch)]
        try:
            answers = self.backend.generate([piece.requests[index] for piece, index in batch])
            if len(answers) != len(batch):
                raise InferenceError(f"the {self.backend.name} backend gave {len(answers)} answers "
                                     f"for {len(batch)} requests")
        except Exception as exc:  # the callers get the error; the worker lives on for the next batch
            error = exc if isinstance(exc, InferenceError) else self._unexpected(exc, len(batch))
            for piece, _ in batch:
                piece.fail(error)
            return
        for (piece, index), answer in zip(batch, answers, strict=True):
            piece.resolve(index, answer)

    def _unexpected(self, exc: Exception, size: int) -> InferenceError:
        log.exception("the %s backend failed on a batch of %d", self.name, size)
        error = InferenceError(f"The {self.name} model failed ({type(exc).__name__}); the server log has details.")
        error.__cause__ = exc
        return error

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop taking requests; what is queued still runs, then the worker ends."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._worker.join(timeout_s)
