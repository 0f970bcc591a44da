"""The per-key rate limit of the API, on the `limits` library's fixed-window counters.

Used directly rather than through Flask-Limiter: its per-request bookkeeping cost more than a
whole product read, and the API needs just one shared limit per key. The counters live in the
app's shared store (host.limitstore), so every server process on the machine counts together and
"600 per minute" means 600, however many gunicorn workers there are.

If the store fails (a read-only or locked `limits.db`, Redis down), requests are let through and
the error is logged, at most once a minute per process. The limit protects the server's capacity
and keeps one client from crowding out the others; it is not what keeps anyone out (the key and
its scopes are), so a broken counter file must not turn every API request into a 500.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from shopwright.host.api.auth import key_from_request
from shopwright.host.api.errors import ApiError

EXTENSION = "shopwright.api.ratelimit"
LOG_EVERY_S = 60.0
log = logging.getLogger("shopwright.api")


class ApiRateLimiter:
    """One counter per key (or, for requests without a valid key, per client address)."""

    def __init__(self, storage: Storage) -> None:
        self.strategy = FixedWindowRateLimiter(storage)
        self._next_log = 0.0

    def check(self) -> None:
        limit = parsed_limit(current_app.config["API_RATE_LIMIT"])  # read live: operators may change it
        bucket = _bucket()
        try:
            allowed = self.strategy.hit(limit, "api", bucket)
        except Exception:  # fail open: see the module's docstring
            self._log_failure()
            return
        if not allowed:
            reset_at, _remaining = self.strategy.get_window_stats(limit, "api", bucket)
            raise ApiError(429, f"rate limit of {limit} exceeded; try again later",
                           headers={"Retry-After": str(max(1, int(reset_at - time.time())))})


    def _log_failure(self) -> None:
        now = time.monotonic()
        if now >= self._next_log:
            self._next_log = now + LOG_EVERY_S
            log.exception("the API rate limit's counter store failed; requests are let through unlimited "
                          "until it works again (check rate_limit_storage_url / limits.db)")


@lru_cache(maxsize=16)
def parsed_limit(rate: str) -> RateLimitItem:
    """A limit such as "600 per minute", parsed once (it is read live from the config on every request)."""
    return parse(rate)


def _bucket() -> str:
    key = key_from_request()
    return f"key:{key.id}" if key is not None else f"ip:{request.remote_addr}"
