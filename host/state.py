"""`AppState`, the host's services for one app, and the one way to reach them.

Everything an app owns (database, plugin registry, lifecycle, dispatcher, job queue) hangs off
`app.extensions["shopwright"]`, so each test builds its own app and nothing global needs cleaning.
Views read it with `current_state()`; code holding the app itself uses `state_of(app)`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from shopwright.host.context import ShopContext, ShopInfo, shop_info
from shopwright.host.db import Database
from shopwright.host.dispatcher import Dispatcher
from shopwright.host.inference.service import Inference
from shopwright.host.jobs import JobQueue
from shopwright.host.lifecycle import EnabledPlugin, Lifecycle
from shopwright.host.plugincache import PluginCache
from shopwright.host.plugins import PluginRegistry, default_manifest
from shopwright.host.registration import collect
from shopwright.host.shopcache import ShopCache
from shopwright.host.themes import ThemeHost
from shopwright.host.widgets import WidgetRegistry, WidgetRenderer, widget_global

EXTENSION = "shopwright"
log = logging.getLogger("shopwright")


def current_state() -> AppState:
    """The services of the app handling the current request (or inside its app context)."""
    return current_app.extensions[EXTENSION]


def state_of(app: Flask) -> AppState:
    return app.extensions[EXTENSION]


class AppState:
    """The host's services for one app; plugins never see this, only their ShopContext."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.db = Database(config["DATABASE_URL"])
        self.db.upgrade()
        self.plugin_cache = PluginCache()
        self.registry = PluginRegistry()
        manifest = Path(config["MANIFEST_PATH"]) if config["MANIFEST_PATH"] else default_manifest()
        self.registry.discover(manifest, config["LOAD_ENTRY_POINTS"], list(config["EXTRA_PLUGINS"]))
        self.lifecycle = Lifecycle(self.db, self.registry, int(config["QUARANTINE_AFTER"]))
        self.lifecycle.on_change.append(lambda shop_id, name: self.plugin_cache.forget(name, shop_id, all_keys=True))
        self.dispatcher = Dispatcher(self, config)
        self.jobs = JobQueue(self.db, config, self.job_context)
        self.jobs.on_plugin_failure = self.lifecycle.record_failure
        self._register_job_types()
        self.shops = ShopCache(self.db)
        self.widgets = WidgetRegistry()
        self.widgets.collect(self.registry)
        self.widget_renderer = WidgetRenderer(self)
        self.themes = ThemeHost(config["INSTANCE_PATH"], self.registry, auto_reload=bool(config.get("DEBUG")))
        self.themes.globals["widget"] = widget_global(self.widget_renderer)
        self.inference = Inference(self)  # models load on first use, not here
        self.on_close: list[Callable[[], None]] = []  # parts of the app that hold threads or files

    # -- contexts ------------------------------------------------------------------------
    def context_for(self, shop_id: int, plugin: EnabledPlugin, shop: ShopInfo | None = None) -> ShopContext:
        """`shop` saves the lookup when the caller already has it (one per dispatch, not per plugin)."""
        shop = shop or shop_info(self.db, shop_id)
        return ShopContext(self, shop, plugin.name, plugin.granted, plugin.settings)

    def context_for_name(self, shop_id: int, name: str) -> ShopContext:
        """A context with the plugin's stored grant and settings (loaded, as `ctx.settings` always
        holds them), whatever its state."""
        described = self.lifecycle.describe_one(shop_id, name)
        settings = self.lifecycle.context_settings(shop_id, name)
        return ShopContext(self, shop_info(self.db, shop_id), name, described["granted"], settings)

    def job_context(self, shop_id: int, plugin: str | None) -> ShopContext | None:
        if plugin is None:
            return None
        enabled = self.lifecycle.enabled(shop_id).get(plugin)
        if enabled is None:
            raise RuntimeError(f"plugin {plugin} is not enabled for this shop")
        return self.context_for(shop_id, enabled)

    # -- plugin lifecycle with its hooks -------------------------------------------------
    def enable_plugin(self, shop_id: int, name: str, grant: list[str] | None = None) -> dict[str, Any]:
        self.lifecycle.enable(shop_id, name, grant)
        self.dispatcher.call("on_enable", shop_id, only=name)
        return self.lifecycle.describe_one(shop_id, name)

    def disable_plugin(self, shop_id: int, name: str) -> dict[str, Any]:
        described = self.lifecycle.disable(shop_id, name)
        self.dispatcher.call_disable(shop_id, name)
        return described

    def _register_job_types(self) -> None:
        from shopwright.host.importers.jobs import register_import_job

        register_import_job(self.jobs, self)

        def register_for(plugin: str) -> Callable[..., None]:
            def register(name: str, handler: Callable, title: str | None = None) -> None:
                self.jobs.register(name, handler, title, plugin=plugin)

            return register

        collect(self.registry, "register_job_types", register_for)

    def close(self) -> None:
        """Stop every part; one that fails is logged and the others still stop."""
        for closer in [*self.on_close, self.jobs.stop, self.dispatcher.shutdown, self.inference.close,
                       self.db.dispose]:
            try:
                closer()
            except Exception:
                log.exception("closing the app: %r failed", closer)
