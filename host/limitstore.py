"""Counters that every server process shares: the store behind the API's per-key limit and the
admin's sign-in throttle.

It is a storage of the `limits` library, chosen by `rate_limit_storage_url`:

- unset (the default): `sqlite:///<instance>/limits.db`, the `SQLiteStorage` below. All gunicorn
  workers on one machine count in that one file, so a limit holds whatever the worker count;
- `redis://host:6379` (or any other scheme `limits` knows): `limits`' own storage, for several
  machines sharing one count;
- `memory://`: per process, as before (each worker counts alone; for tests and experiments).

Counters are fixed windows: `incr` starts a window on a key's first hit and the count falls back
to zero when it expires, exactly as `limits`' memory and Redis storages behave.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from limits.storage import Storage, storage_from_string

from shopwright.host.state import state_of

EXTENSION = "shopwright.limits"
MIN_SQLITE = (3, 35)  # INSERT ... RETURNING
PURGE_EVERY_S = 60.0  # how often one process sweeps expired counters out of the file

SCHEMA = ("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
          "expires_at REAL NOT NULL) WITHOUT ROWID")
# One statement, so SQLite's busy handler covers it whole (a read-then-write transaction could fail
# with SQLITE_BUSY_SNAPSHOT instead of waiting); a window that has run out starts again.
INCR = """
INSERT INTO counters (key, count, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires_at <= :now THEN excluded.count ELSE count + excluded.count END,
    expires_at = CASE WHEN expires_at <= :now THEN excluded.expires_at ELSE expires_at END
RETURNING count
"""


class SQLiteStorage(Storage):
    """A `limits` storage in one SQLite file (WAL), shared by every process that opens it.

    Each increment is a single autocommit statement of some 10 µs. Counters need no durability
    across a power cut, so the file is never synced (`synchronous=OFF`).
    """

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, clock: Callable[[], float] = time.time,
                 **options: Any) -> None:
        check_sqlite_version()
        # Like SQLAlchemy's URLs: sqlite:///relative/path, sqlite:////absolute/path.
        self.path = uri.removeprefix("sqlite:///")
        if not self.path or self.path == uri:
            raise ValueError(f"not a SQLite storage URL: {uri!r} (write sqlite:////absolute/path.db)")
        self.clock = clock
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._next_purge = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # A connection must not cross a fork (gunicorn --preload): a new process opens its own.
        if self._connection is None or self._pid != os.getpid():
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            _use_wal(connection)
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(SCHEMA)
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def incr(self, key: str, expiry: float, amount: int = 1, elastic_expiry: bool = False) -> int:
        # `elastic_expiry`: what limits 3.x/4.x pass (always False from the fixed-window limiter);
        # accepted so a stray older `limits` cannot turn every request into a TypeError.
        now = self.clock()
        with self._lock:
            db = self._db()
            count = db.execute(INCR, {"key": key, "amount": amount, "now": now, "expiry": float(expiry)}).fetchone()[0]
            if now >= self._next_purge:
                self._next_purge = now + PURGE_EVERY_S
                db.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return count

    def get(self, key: str) -> int:
        with self._lock:
            row = self._db().execute("SELECT count FROM counters WHERE key = ? AND expires_at > ?",
                                     (key, self.clock())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            row = self._db().execute("SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?",
                                     (key, now)).fetchone()
        return row[0] if row else now

    def check(self) -> bool:
        try:
            with self._lock:
                self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._lock:
            return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        with self._lock:
            self._db().execute("DELETE FROM counters WHERE key = ?", (key,))

    def close(self) -> None:
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None


def check_sqlite_version(version: tuple[int, ...] | None = None) -> None:
    """Refuse to start on a SQLite too old for the counters' one-statement upsert."""
    version = version or sqlite3.sqlite_version_info
    if tuple(version[:2]) < MIN_SQLITE:
        found = ".".join(map(str, version))
        raise RuntimeError(f"the rate-limit store needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer "
                           f"(INSERT ... RETURNING); this Python's sqlite3 module uses SQLite {found}. "
                           "Use a newer Python or set rate_limit_storage_url (redis://... or memory://)")


def storage_url(config: dict[str, Any]) -> str:
    explicit = config.get("RATE_LIMIT_STORAGE_URL")
    return explicit or f"sqlite:///{Path(config['INSTANCE_PATH']) / 'limits.db'}"


def shared_storage(app: Flask) -> Storage:
    """This app's counter store, made on first use from `rate_limit_storage_url`."""
    storage = app.extensions.get(EXTENSION)
    if storage is None:
        storage = app.extensions[EXTENSION] = storage_from_string(storage_url(app.config))
        if isinstance(storage, SQLiteStorage):
            state_of(app).on_close.append(storage.close)
    return storage


def _use_wal(connection: sqlite3.Connection, tries: int = 100) -> None:
    """Switch a new file to WAL. Two processes opening a new file at once race for the switch,
    which answers "database is locked" at once instead of waiting on the busy timeout: retry."""
    for attempt in range(tries):
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == tries - 1:
                raise
            time.sleep(0.02)
