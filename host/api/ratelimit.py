"""The per-key rate limit of the API, on the `limits` library's fixed-window counters.

Used directly rather than through Flask-Limiter: its per-request bookkeeping cost more than a
whole product read, and the API needs just one shared limit per key. The counters live in the
app's shared store (host.limitstore), so every server process on the machine counts together and
"600 per minute" means 600, however many gunicorn workers there are.
"""

from __future__ import annotations

import time
from functools import lru_cache

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from host.api.auth import key_from_request
from host.api.errors import ApiError

EXTENSION = "shopwright.api.ratelimit"


class ApiRateLimiter:
    """One counter per key (or, for requests without a valid key, per client address)."""

    def __init__(self, storage: Storage) -> None:
        self.strategy = FixedWindowRateLimiter(storage)

    def check(self) -> None:
        limit = parsed_limit(current_app.config["API_RATE_LIMIT"])  # read live: operators may change it
        bucket = _bucket()
        if not self.strategy.hit(limit, "api", bucket):
            reset_at, _remaining = self.strategy.get_window_stats(limit, "api", bucket)
            raise ApiError(429, f"rate limit of {limit} exceeded; try again later",
                           headers={"Retry-After": str(max(1, int(reset_at - time.time())))})


@lru_cache(maxsize=16)
def parsed_limit(rate: str) -> RateLimitItem:
    """A limit such as "600 per minute", parsed once (it is read live from the config on every request)."""
    return parse(rate)


def _bucket() -> str:
    key = key_from_request()
    return f"key:{key.id}" if key is not None else f"ip:{request.remote_addr}"
