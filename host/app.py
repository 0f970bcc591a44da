"""The app factory: `create_app(config)` builds one self-contained Shopwright server.

Everything an app owns (database, plugin registry, lifecycle, dispatcher, job queue) hangs off
`app.extensions["shopwright"]`, so each test builds its own app and nothing global needs cleaning.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from shopwright.host.config import load_config
from shopwright.host.context import ShopContext, ShopInfo, shop_info
from shopwright.host.db import Database
from shopwright.host.dispatcher import Dispatcher
from shopwright.host.inference.service import Inference
from shopwright.host.jobs import JobQueue
from shopwright.host.lifecycle import EnabledPlugin, Lifecycle
from shopwright.host.plugincache import PluginCache
from shopwright.host.plugins import PluginRegistry, default_manifest
from shopwright.host.security_headers import install as install_security_headers
from shopwright.host.shopcache import ShopCache
from shopwright.host.themes import ThemeHost
from shopwright.host.widgets import WidgetRegistry, WidgetRenderer, widget_global

log = logging.getLogger("shopwright")


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
        """A context with the plugin's stored grant and settings, whatever its state."""
        described = self.lifecycle.describe_one(shop_id, name)
        settings = self.lifecycle.stored_settings(shop_id, name)
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
        for impl in self.registry.hook_impls("register_job_types"):
            name = impl.plugin_name

            def register(job_name, handler, title=None, _plugin=name):
                self.jobs.register(job_name, handler, title, plugin=_plugin)

            try:
                impl.function(register=register)
            except Exception as exc:  # one plugin's broken registration must not stop the host
                log.exception("plugin %s failed in register_job_types", name)
                self.registry.plugins[name].load_error = f"register_job_types raised {type(exc).__name__}: {exc}"

    def close(self) -> None:
        """Stop every part; one that fails is logged and the others still stop."""
        for closer in [*self.on_close, self.jobs.stop, self.dispatcher.shutdown, self.inference.close,
                       self.db.dispose]:
            try:
                closer()
            except Exception:
                logging.getLogger("shopwright").exception("closing the app: %r failed", closer)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = load_config(config)
    app = Flask("shopwright.host", instance_path=settings["INSTANCE_PATH"], instance_relative_config=True)
    app.config.update(settings)
    app.config["MAX_CONTENT_LENGTH"] = int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=float(settings["ADMIN_SESSION_HOURS"])))
    _configure_logging(settings)
    state = AppState(settings)
    app.extensions["shopwright"] = state
    _register_blueprints(app)
    install_security_headers(app)
    _trust_proxies(app, int(settings["PROXY_COUNT"]))
    if int(settings["JOB_WORKERS"]) > 0:
        state.jobs.start(int(settings["JOB_WORKERS"]))
        atexit.register(state.jobs.stop)
    return app


def state_of(app: Flask) -> AppState:
    return app.extensions["shopwright"]


def _register_blueprints(app: Flask) -> None:
    from shopwright.host.admin import create_admin
    from shopwright.host.api import create_api
    from shopwright.host.embed import create_embed
    from shopwright.host.introspection import introspection
    from shopwright.host.storefront import create_storefront

    app.register_blueprint(introspection)
    create_embed(app)
    create_storefront(app)
    create_api(app)
    create_admin(app)


def _trust_proxies(app: Flask, count: int) -> None:
    """Behind `count` reverse proxies, take the client address, scheme and host they forward:
    the login and beacon limits count real clients, and links and origin checks use the public
    https address instead of the proxy's."""
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _configure_logging(settings: dict[str, Any]) -> None:
    if settings["TRACE_HOOKS"]:
        trace = logging.getLogger("shopwright.trace")
        trace.setLevel(logging.INFO)
        if not trace.handlers:
            trace.addHandler(logging.StreamHandler())
