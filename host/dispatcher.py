"""The one dispatcher that routes every host→plugin call.

pluggy calls every implementation in turn and stops at the first exception; it knows nothing of
shops. Here each enabled plugin's implementation is called on its own, in a worker thread, under
a time budget: exceptions are caught and logged with the plugin's name, results of the wrong type
are dropped, and every failure is counted towards quarantine. A plugin still stuck in earlier
calls is not called again, so a hanging plugin cannot exhaust the threads.

Calls start in hook order (`PluginRegistry.hook_impls`: `tryfirst` implementations first,
`trylast` ones last, discovery order within each) and their results come back in that order, so a
`tryfirst` slot filler comes first on the page. They then run side by side, each in its own thread:
an implementation must not count on another one having finished. Wrappers are refused when a
plugin is registered: with each implementation called on its own there is no call to wrap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from shopwright.host.context import shop_info
from shopwright.host.hookspecs import STOREFRONT_HOOKS

log = logging.getLogger("shopwright.dispatcher")
trace_log = logging.getLogger("shopwright.trace")

#: Scopes a plugin must hold before a hook that hands it such data is called.
HOOK_SCOPES = {
    "on_order_created": "read:orders",
    "on_review_created": "read:reviews",
    "on_events": "read:events",
    "on_products_changed": "read:catalog",
}
MAX_STUCK_CALLS = 2


def _none(value: Any) -> bool:
    return value is None


def _markup(value: Any) -> bool:
    return value is None or isinstance(value, (str, Markup))


#: What each hook may return; anything else is garbage and counts as a failure.
RESULT_CHECKS: dict[str, Callable[[Any], bool]] = {
    "on_enable": _none,
    "on_disable": _none,
    "on_products_changed": _none,
    "on_order_created": _none,
    "on_review_created": _none,
    "on_events": _none,
    "render_slot": _markup,
}


@dataclass(frozen=True)
class HookResult:
    plugin: str
    value: Any


class PluginFailure(Exception):
    """A call that failed: counted towards quarantine."""


class PluginTimeout(PluginFailure):
    """A call past its budget."""


class PluginBusy(PluginFailure):
    """Not called at all: the plugin is still stuck in earlier calls. Logged, never counted: the
    calls that got stuck were counted already, and counting the skips would let one shop's
    stuck calls quarantine the plugin in every other shop."""


class Dispatcher:
    def __init__(self, app_state, config: dict[str, Any]):
        self.state = app_state  # shopwright.host.state.AppState: registry, lifecycle, context factory
        self.storefront_budget = config["STOREFRONT_HOOK_BUDGET_MS"] / 1000
        self.background_budget = config["BACKGROUND_HOOK_BUDGET_MS"] / 1000
        self.trace = bool(config["TRACE_HOOKS"])
        self.pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="plugin")
        # Hooks nobody waits for (events from the public beacon): a request never holds a
        # server worker while plugins digest them.
        self.background = ThreadPoolExecutor(max_workers=4, thread_name_prefix="plugin-bg")
        self._stuck: dict[str, int] = {}
        self._lock = threading.Lock()

    def call(self, hook: str, shop_id: int, only: str | None = None, **kwargs: Any) -> list[HookResult]:
        """Call `hook` on the plugins enabled for the shop (or just `only`), isolated."""
        calls = self._plan(hook, shop_id, only)
        if not calls:
            return []
        budget = self.storefront_budget if hook in STOREFRONT_HOOKS else self.background_budget
        started = {plugin.name: (self._submit(hook, impl, ctx, kwargs), plugin) for plugin, impl, ctx in calls}
        return self._collect(hook, shop_id, started, budget, RESULT_CHECKS.get(hook))

    def notify(self, hook: str, shop_id: int, **kwargs: Any) -> None:
        """`call` without waiting for it; failures are logged and counted as usual."""
        future = self.background.submit(self.call, hook, shop_id, **kwargs)
        future.add_done_callback(lambda f: _log_notify_failure(hook, f))

    def call_registered(self, plugin, shop, label: str, function: Callable, kwargs: dict[str, Any],
                        check: Callable[[Any], bool] | None = None, budget: float | None = None,
                        count_timeout: bool = True) -> HookResult | None:
        """Run one callable a plugin registered (a widget, an admin page) for one shop, isolated
        exactly like a storefront hook (or under `budget` seconds). `plugin` is the shop's
        EnabledPlugin, `shop` its ShopInfo. Returns None when the call failed (logged and counted;
        a timeout is not counted when `count_timeout` is false, for calls given less than their
        full budget)."""
        impl = _Registered(plugin.name, function, ("ctx", *kwargs))
        ctx = self.state.context_for(shop.id, plugin, shop)
        started = {plugin.name: (self._submit(label, impl, ctx, kwargs), plugin)}
        results = self._collect(label, shop.id, started, budget or self.storefront_budget, check, count_timeout)
        return results[0] if results else None

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.background.shutdown(wait=False, cancel_futures=True)

    # -- planning ------------------------------------------------------------------------
    def _plan(self, hook: str, shop_id: int, only: str | None):
        enabled = self.state.lifecycle.enabled(shop_id)
        if only is not None:
            enabled = {only: enabled[only]} if only in enabled else {}
        scope = HOOK_SCOPES.get(hook)
        chosen = [
            (enabled[impl.plugin_name], impl)
            for impl in self.state.registry.hook_impls(hook)
            if impl.plugin_name in enabled and not (scope and scope not in enabled[impl.plugin_name].granted)
        ]
        if not chosen:
            return []
        shop = shop_info(self.state.db, shop_id)  # once per call, shared by every plugin's context
        return [(plugin, impl, self.state.context_for(shop_id, plugin, shop)) for plugin, impl in chosen]

    # -- running -------------------------------------------------------------------------
    def _submit(self, hook: str, impl, ctx, kwargs: dict[str, Any]) -> Future | PluginBusy:
        name = impl.plugin_name
        with self._lock:
            if self._stuck.get(name, 0) >= MAX_STUCK_CALLS:
                return PluginBusy(f"still busy with {self._stuck[name]} earlier calls that ran past their budget")
        args = {**kwargs, "ctx": ctx}
        call_args = {arg: args[arg] for arg in impl.argnames if arg in args}
        return self.pool.submit(self._run, hook, name, impl.function, call_args)

    def _run(self, hook: str, name: str, function: Callable, args: dict[str, Any]) -> Any:
        began = time.perf_counter()
        try:
            return function(**args)
        finally:
            if self.trace:
                trace_log.info("hook %s plugin %s took %.2f ms", hook, name, (time.perf_counter() - began) * 1000)

    def _collect(self, hook: str, shop_id: int, started: dict, budget: float, check,
                 count_timeout: bool = True) -> list[HookResult]:
        _await([f for f, _plugin in started.values() if isinstance(f, Future)], budget)
        results = []
        for name, (future, plugin) in started.items():
            value = self._outcome(hook, name, future, budget, check)
            if isinstance(value, PluginBusy) or (isinstance(value, PluginTimeout) and not count_timeout):
                log.warning("plugin %s skipped in %s for shop %s: %s", name, hook, shop_id, value)
                continue
            if isinstance(value, PluginFailure):
                self._fail(shop_id, hook, name, str(value))
                continue
            if plugin.consecutive_failures:  # only touch the database when a streak ends
                self.state.lifecycle.record_success(shop_id, name)
            results.append(HookResult(name, value))
        return results

    def _outcome(self, hook: str, name: str, future: Future | PluginBusy, budget: float, check) -> Any:
        if isinstance(future, PluginBusy):
            return future
        if not future.done():
            self._mark_stuck(name, future)
            return PluginTimeout(f"{hook} took longer than its {budget * 1000:.0f} ms budget")
        error = future.exception()
        if error is not None:
            log.error("plugin %s failed in %s: %r", name, hook, error, exc_info=error)
            return PluginFailure(f"{hook} raised {type(error).__name__}: {error}")
        value = future.result()
        try:
            accepted = check is None or check(value)
        except ValueError as refusal:  # the check says what is wrong with the value
            return PluginFailure(f"{hook} {refusal}")
        if not accepted:
            return PluginFailure(f"{hook} returned {type(value).__name__}, which this hook does not accept")
        return value

    def _mark_stuck(self, name: str, future: Future) -> None:
        with self._lock:
            self._stuck[name] = self._stuck.get(name, 0) + 1

        def release(_f: Future) -> None:
            with self._lock:
                self._stuck[name] -= 1

        future.add_done_callback(release)

    def _fail(self, shop_id: int, hook: str, name: str, error: str) -> None:
        log.warning("plugin %s failed in %s for shop %s: %s", name, hook, shop_id, error)
        if self.state.lifecycle.record_failure(shop_id, name, error):
            self.call_disable(shop_id, name)

    def call_disable(self, shop_id: int, name: str) -> None:
        """Tell a plugin it was disabled or quarantined, without waiting for it: its failure here
        is logged and counts for nothing, and a storefront request never waits on it."""
        for impl in self.state.registry.hook_impls("on_disable"):
            if impl.plugin_name != name:
                continue
            ctx = self.state.context_for_name(shop_id, name)
            future = self.pool.submit(self._run, "on_disable", name, impl.function, {"ctx": ctx})
            future.add_done_callback(lambda f: _log_disable_failure(name, f))


def _await(futures: list[Future], budget: float) -> None:
    """Wait until every call finished or the budget is spent, whichever comes first."""
    if len(futures) == 1:  # the common case (one widget, one plugin): a plain wait is cheaper
        try:
            futures[0].exception(timeout=budget)
        except (TimeoutError, CancelledError):
            pass
    elif futures:
        wait(futures, timeout=budget)


@dataclass(frozen=True)
class _Registered:
    """A registered callable dressed like a pluggy HookImpl, so one code path runs both."""

    plugin_name: str
    function: Callable
    argnames: tuple[str, ...]


def _log_notify_failure(hook: str, future: Future) -> None:
    if future.exception() is not None:
        log.error("notify %s failed: %r", hook, future.exception())


def _log_disable_failure(name: str, future: Future) -> None:
    if future.exception() is not None:
        log.error("plugin %s failed in on_disable: %r", name, future.exception())
