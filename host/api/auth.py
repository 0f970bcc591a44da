"""API key authentication: `Authorization: Bearer sw_...` or `X-Api-Key: sw_...`.

Verified keys are cached in-process for `CACHE_TTL_S` (half a second), keyed by the SHA-256 of
the presented key, so the hot read paths look a key up at most twice a second per process. A key
revoked anywhere (another worker, the CLI, a direct database change) therefore stops working
within that half second in every process; one revoked through this process stops at once
(`forget_keys`). `last_used_at` is noted in memory and written behind the requests
(host.api.keyusage), so requests stay free of writes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request

from shopwright.host.api.errors import ApiError
from shopwright.host.api.keyusage import KeyUsage
from shopwright.host.apikeys import KeyInfo, verify_key
from shopwright.host.state import current_state

CACHE_TTL_S = 0.5
MAX_CACHED = 10_000
EXTENSION = "shopwright.api.keys"
USAGE = "shopwright.api.key_usage"


class KeyCache:
    """Verified keys by digest, each trusted for `ttl` seconds of `clock`."""

    def __init__(self, ttl: float = CACHE_TTL_S, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._keys: dict[str, tuple[float, KeyInfo]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> KeyInfo | None:
        entry = self._keys.get(digest)
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def put(self, digest: str, info: KeyInfo) -> None:
        with self._lock:
            if len(self._keys) >= MAX_CACHED:
                self._keys.clear()  # crude but bounded: a flood of keys cannot grow memory
            self._keys[digest] = (self.clock() + self.ttl, info)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


def key_cache() -> KeyCache:
    return current_app.extensions.setdefault(EXTENSION, KeyCache())


def key_usage() -> KeyUsage:
    """This app's last-used recorder (made by host.api.create_api)."""
    return current_app.extensions[USAGE]


def forget_keys() -> None:
    """Drop this process's cached keys: after a revocation here, the very next request checks again."""
    key_cache().clear()


def presented_key() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("X-Api-Key", "").strip()


def key_from_request() -> KeyInfo | None:
    """The verified key of the current request, or None; computed once per request."""
    if "api_key" not in g:
        g.api_key = _verify(presented_key())
    return g.api_key


def _verify(presented: str) -> KeyInfo | None:
    if not presented.startswith("sw_") or len(presented) > 256:
        return None
    state = current_state()
    cache = key_cache()
    digest = hashlib.sha256(presented.encode()).hexdigest()
    info = cache.get(digest)
    if info is None:
        with state.db.session() as session:
            info = verify_key(session, presented)
        if info is None:
            return None
        cache.put(digest, info)
    key_usage().note(info.id)
    return info


def current_key() -> KeyInfo:
    """The key of a request that passed `requires`; views use it for the shop id."""
    key = key_from_request()
    if key is None:
        raise unauthorized()
    return key


def unauthorized() -> ApiError:
    return ApiError(401, "a valid API key is required: send `Authorization: Bearer sw_...`",
                    headers={"WWW-Authenticate": 'Bearer realm="shopwright"'})


def require_scope(scope: str) -> KeyInfo:
    key = current_key()
    if scope not in key.scopes:
        raise ApiError(403, f"this API key lacks the scope {scope}", extra={"scope": scope})
    return key


def requires(scope: str | None) -> Callable:
    """Decorator: a valid key, holding `scope` when one is given."""

    def wrap(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            require_scope(scope) if scope else current_key()
            return view(*args, **kwargs)

        return guarded

    return wrap
