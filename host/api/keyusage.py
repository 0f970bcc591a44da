"""When each API key was last used, written behind the requests.

A request only notes the time in this process's memory (a dict assignment). A background thread
writes what was noted to `ApiKey.last_used_at` every `FLUSH_EVERY_S`, all keys in one
transaction. So requests never add a database write, and never wait on SQLite's write lock
while a long import holds it: only the flusher waits. The figure is therefore up to a minute
old; a worker that stops normally writes what it noted, one killed with -9 loses at most its
last minute of it.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from datetime import UTC, datetime

from shopwright.host.apikeys import record_use

FLUSH_EVERY_S = 60.0
log = logging.getLogger("shopwright.api")


class KeyUsage:
    def __init__(self, db, every_s: float = FLUSH_EVERY_S) -> None:
        self.db = db
        self.every_s = every_s
        self._seen: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def note(self, key_id: int) -> None:
        """A request used `key_id` now; cheap enough for every request."""
        with self._lock:  # `flush` swaps the dict under the same lock
            self._seen[key_id] = time.time()
        if self._pid != os.getpid():  # first use in this process (the thread does not survive a fork)
            self._start()

    def flush(self) -> int:
        """Write what was noted; returns how many keys were written."""
        with self._lock:
            seen, self._seen = self._seen, {}
        if not seen:
            return 0
        try:
            with self.db.session() as session:
                record_use(session, {key_id: datetime.fromtimestamp(at, UTC) for key_id, at in seen.items()})
        except Exception:
            with self._lock:  # keep them for the next round, unless a newer use was noted meanwhile
                self._seen = {**seen, **self._seen}
            raise
        return len(seen)

    def stop(self) -> None:
        """Write the rest and end the thread (the app is closing)."""
        self._stop.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout=5)
        self._thread = None
        try:
            self.flush()
        except Exception:  # closing must go on (jobs, database); the figure is only a minute older
            log.exception("could not record API key use while closing")

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid() or self._stop.is_set():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="shopwright-key-usage", daemon=True)
            self._thread.start()
            atexit.register(_flush_at_exit, weakref.ref(self))  # a worker's graceful stop keeps its last minute

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.flush()
            except Exception:  # the database may be down for a moment; the next round tries again
                log.exception("could not record API key use")


def _flush_at_exit(ref: weakref.ref) -> None:
    usage = ref()
    if usage is not None and not usage._stop.is_set():
        try:
            usage.flush()
        except Exception:  # the process is ending anyway; the figure is only a minute older
            log.warning("could not record API key use at exit", exc_info=True)

