"""A short-lived in-memory cache the host keeps for plugins, one namespace per (plugin, shop).

Widgets run on every page view, so a plugin wants to keep what it computed (a ranking, a rating
summary) for a while. Keeping it in the host rather than in the plugin's module means each app
has its own (tests build many apps in one process), one shop's entries can never reach another's
pages, and the host empties a plugin's namespace whenever the owner enables, disables or
reconfigures it for that shop.

It lives in one server process. Other processes (gunicorn workers) keep their own copies, which
they drop on their own changes and when entries expire: a `ttl` is how stale a value may get
after a change made elsewhere.

It is not durable: a restart, an owner's change, the MAX_ENTRIES safety net or another process
never having computed it all mean a value is simply not there, and `compute` runs again. `get`
hands back the very object it keeps (no copy), shared by every thread of the process: request
threads, the dispatcher's pool and job workers. So keep values that nobody changes in place.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 50_000  # a safety net: past it, everything is dropped and recomputed


class PluginCache:
    """The app-wide store; plugins use it through `ctx.cache` (a `ShopCacheView`)."""

    def __init__(self) -> None:
        # One dict per (plugin, shop), so forgetting a namespace never scans the others.
        self._spaces: dict[tuple[str, int], dict[Hashable, tuple[float, Any]]] = {}
        self._versions: dict[tuple[str, int], int] = {}
        self._size = 0
        self._lock = threading.Lock()

    def version(self, plugin: str, shop_id: int) -> int:
        """Bumped by every forget, so what was built from a plugin's kept values (its rendered
        widgets) is rebuilt once the plugin drops them."""
        return self._versions.get((plugin, shop_id), 0)

    def view(self, plugin: str, shop_id: int) -> ShopCacheView:
        return ShopCacheView(self, plugin, shop_id)

    def get(self, namespace: tuple[str, int], key: Hashable, ttl: float, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        entry = self._spaces.get(namespace, {}).get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = compute()
        if ttl > 0:
            with self._lock:
                if self._size >= MAX_ENTRIES:
                    self._spaces.clear()
                    self._size = 0
                space = self._spaces.setdefault(namespace, {})
                self._size += key not in space
                space[key] = (now + ttl, value)
        return value

    def forget(self, plugin: str, shop_id: int, key: Hashable | None = None, all_keys: bool = False) -> None:
        namespace = (plugin, shop_id)
        with self._lock:
            self._versions[namespace] = self._versions.get(namespace, 0) + 1
            space = self._spaces.get(namespace)
            if not space:
                return
            if all_keys:
                self._size -= len(space)
                del self._spaces[namespace]
            elif space.pop(key, None) is not None:
                self._size -= 1


class ShopCacheView:
    """`ctx.cache`: what one plugin keeps for one shop."""

    def __init__(self, store: PluginCache, plugin: str, shop_id: int):
        self._store = store
        self._namespace = (plugin, shop_id)

    def get(self, key: Hashable, ttl: float, compute: Callable[[], Any]) -> Any:
        """The value kept under `key` (the same object, shared between threads: do not change it),
        or `compute()`'s, then kept for `ttl` seconds; a `ttl` of 0 or less keeps nothing. There is
        no "keep forever": for "keep until forgotten" pass a long `ttl` and call `forget` when the
        data changes. `compute` runs outside any lock, so two threads missing at once may both
        run it (the later value is kept); if it raises, nothing is kept. None is kept like any value."""
        return self._store.get(self._namespace, key, ttl, compute)

    def forget(self, key: Hashable | None = None) -> None:
        """Drop one entry, or every entry of this plugin for this shop when `key` is None."""
        self._store.forget(*self._namespace, key=key, all_keys=key is None)
