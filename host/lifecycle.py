"""Plugin lifecycle per shop: installed → enabled ⇄ disabled, enabled → quarantined.

State lives in the `plugin_states` table, so every server process sees a change at once and
nothing needs a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from shopwright.host.models import PluginState
from shopwright.host.pluginmeta import PERMISSIONS
from shopwright.host.plugins import InstalledPlugin, PluginRegistry
from shopwright.host.settings import SettingsError, load_settings, loaded_settings

log = logging.getLogger("shopwright.lifecycle")

#: How long storefront reads may reuse a shop's enabled plugins. A change made in this process is
#: seen at once; other server processes see it within this many seconds.
RECENT_S = 2.0


class PluginError(Exception):
    """A lifecycle request that cannot be carried out; the message says why."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class EnabledPlugin:
    """What the dispatcher needs to call one plugin for one shop."""

    name: str
    granted: frozenset[str]
    settings: dict[str, Any]
    consecutive_failures: int = 0


class Lifecycle:
    def __init__(self, db, registry: PluginRegistry, quarantine_after: int):
        self.db = db
        self.registry = registry
        self.quarantine_after = quarantine_after
        self._recent: dict[int, tuple[float, int, dict[str, EnabledPlugin]]] = {}
        self._generations: dict[int, int] = {}  # per shop, bumped by every change this process makes
        self._lock = threading.Lock()
        #: Called with (shop_id, plugin) after an enable, disable, quarantine or settings change.
        self.on_change: list = []

    # -- reading -------------------------------------------------------------------------
    def enabled(self, shop_id: int) -> dict[str, EnabledPlugin]:
        with self.db.session() as session:
            rows = session.scalars(
                select(PluginState).where(PluginState.shop_id == shop_id, PluginState.state == "enabled")
            ).all()
            return {row.plugin: self._enabled_view(row) for row in rows if row.plugin in self.registry.plugins}

    def enabled_recent(self, shop_id: int) -> dict[str, EnabledPlugin]:
        """`enabled`, reused for up to RECENT_S: the storefront asks on every page view."""
        now = time.monotonic()
        cached = self._recent.get(shop_id)
        generation = self._generations.get(shop_id, 0)
        if cached is not None and cached[0] > now and cached[1] == generation:
            return cached[2]
        found = self.enabled(shop_id)
        with self._lock:
            if len(self._recent) > 10_000:
                self._recent.clear()
            self._recent[shop_id] = (now + RECENT_S, generation, found)
        return found

    def _changed(self, shop_id: int, name: str | None = None, notify: bool = True) -> None:
        with self._lock:
            self._generations[shop_id] = self._generations.get(shop_id, 0) + 1
        if notify:
            for listener in self.on_change:
                listener(shop_id, name)

    def describe(self, shop_id: int) -> list[dict[str, Any]]:
        """Every installed plugin with its state for this shop (for the API, CLI and admin)."""
        with self.db.session() as session:
            rows = {r.plugin: r for r in session.scalars(select(PluginState).where(PluginState.shop_id == shop_id))}
        return [self._describe(plugin, rows.get(name)) for name, plugin in sorted(self.registry.plugins.items())]

    def describe_one(self, shop_id: int, name: str) -> dict[str, Any]:
        plugin = self._installed(name)
        with self.db.session() as session:
            return self._describe(plugin, self._row(session, shop_id, name, create=False))

    # -- changing ------------------------------------------------------------------------
    def enable(self, shop_id: int, name: str, grant: list[str] | None = None) -> dict[str, Any]:
        plugin = self._installed(name)
        reason = _why_not_runnable(plugin)
        if reason:
            raise PluginError(f"plugin {name} cannot be enabled: {reason}")
        granted = self._check_grant(plugin, grant)
        with self.db.session() as session:
            row = self._row(session, shop_id, name)
            self._validate_stored_settings(plugin, row)
            row.state, row.granted, row.consecutive_failures, row.reason = "enabled", granted, 0, ""
        self._changed(shop_id, name)
        log.info("plugin %s enabled for shop %s with %s", name, shop_id, granted)
        return self.describe_one(shop_id, name)

    def disable(self, shop_id: int, name: str) -> dict[str, Any]:
        self._installed(name)
        with self.db.session() as session:
            row = self._row(session, shop_id, name)
            row.state = "disabled"
        self._changed(shop_id, name)
        log.info("plugin %s disabled for shop %s", name, shop_id)
        return self.describe_one(shop_id, name)

    def record_failure(self, shop_id: int, name: str, error: str) -> bool:
        """Count a failure; returns True when it put the plugin into quarantine."""
        with self.db.session() as session:
            row = self._row(session, shop_id, name)
            row.failure_count += 1
            row.consecutive_failures += 1
            row.last_error = error[:2000]
            quarantined = False
            if row.state == "enabled" and row.consecutive_failures >= self.quarantine_after:
                row.state = "quarantined"
                row.reason = f"{row.consecutive_failures} failures in a row; last: {error[:500]}"
                log.warning("plugin %s quarantined for shop %s: %s", name, shop_id, row.reason)
                quarantined = True
        self._changed(shop_id, name, notify=quarantined)  # after the commit, so a re-read sees it
        return quarantined

    def record_success(self, shop_id: int, name: str) -> None:
        with self.db.session() as session:
            row = self._row(session, shop_id, name, create=False)
            ended = row is not None and row.consecutive_failures > 0
            if ended:
                row.consecutive_failures = 0
        if ended:
            self._changed(shop_id, notify=False)

    def update_settings(self, shop_id: int, name: str, submitted: dict[str, Any]) -> dict[str, Any]:
        """Validate and store settings; raises SettingsError (field errors), old settings kept."""
        plugin = self._installed(name)
        if plugin.meta is None:
            raise PluginError(f"plugin {name} cannot be configured: {plugin.load_error}")
        with self.db.session() as session:
            row = self._row(session, shop_id, name)
            new = load_settings(plugin.meta, submitted, previous=row.settings)
            row.settings = new
        self._changed(shop_id, name)
        return new

    def stored_settings(self, shop_id: int, name: str) -> dict[str, Any]:
        plugin = self._installed(name)
        with self.db.session() as session:
            row = self._row(session, shop_id, name, create=False)
            stored = dict(row.settings) if row else {}
        return load_settings(plugin.meta, stored) if plugin.meta else {}

    def context_settings(self, shop_id: int, name: str) -> dict[str, Any]:
        """The settings as `ctx.settings` holds them: loaded by the schema (Decimals, dates, ...)."""
        return loaded_settings(self._installed(name).meta, self.stored_settings(shop_id, name))

    # -- helpers -------------------------------------------------------------------------
    def _installed(self, name: str) -> InstalledPlugin:
        plugin = self.registry.get(name)
        if plugin is None:
            raise PluginError(f"no plugin named {name!r} is installed", status=404)
        return plugin

    def _row(self, session, shop_id: int, name: str, create: bool = True) -> PluginState | None:
        row = session.scalars(
            select(PluginState).where(PluginState.shop_id == shop_id, PluginState.plugin == name)
        ).first()
        if row is None and create:
            row = PluginState(shop_id=shop_id, plugin=name, state="disabled", granted=[], settings={})
            session.add(row)
            session.flush()
        return row

    def _check_grant(self, plugin: InstalledPlugin, grant: list[str] | None) -> list[str]:
        asked = list(plugin.meta.permissions)
        if grant is None:
            return asked
        unknown = [scope for scope in grant if scope not in PERMISSIONS]
        if unknown:
            raise PluginError(f"unknown permissions: {', '.join(unknown)}", status=400)
        return [scope for scope in asked if scope in grant]

    def _validate_stored_settings(self, plugin: InstalledPlugin, row: PluginState) -> None:
        try:
            row.settings = load_settings(plugin.meta, row.settings or {}, previous=row.settings)
        except SettingsError as exc:
            raise PluginError(f"plugin {plugin.name} needs its settings first: {exc.messages}") from exc

    def _enabled_view(self, row: PluginState) -> EnabledPlugin:
        return EnabledPlugin(
            name=row.plugin,
            granted=frozenset(row.granted or ()),
            settings=loaded_settings(self.registry.plugins[row.plugin].meta, row.settings or {}),
            consecutive_failures=row.consecutive_failures,
        )

    def _describe(self, plugin: InstalledPlugin, row: PluginState | None) -> dict[str, Any]:
        meta = plugin.meta
        incompatible = _why_not_runnable(plugin)
        state = row.state if row else "installed"
        return {
            "name": plugin.name,
            "version": meta.version if meta else None,
            "description": meta.description if meta else "",
            "source": plugin.source,
            "requires_host": meta.requires_host if meta else "",
            "permissions": list(meta.permissions) if meta else [],
            "granted": list(row.granted) if row and state == "enabled" else [],
            "state": "incompatible" if incompatible and state != "enabled" else state,
            "incompatible_reason": incompatible or "",
            "quarantine_reason": row.reason if row and state == "quarantined" else "",
            "failure_count": row.failure_count if row else 0,
            "last_error": row.last_error if row else "",
            "hooks": plugin.hooks,
        }


def _why_not_runnable(plugin: InstalledPlugin) -> str | None:
    if plugin.load_error:
        return plugin.load_error
    return plugin.meta.incompatibility()
