"""The app factory: `create_app(config)` builds one self-contained Shopwright server.

Everything an app owns (`host.state.AppState`: database, plugin registry, lifecycle, dispatcher,
job queue) hangs off the app itself, so each test builds its own app and nothing global needs cleaning.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask

from shopwright.host.config import load_config
from shopwright.host.security_headers import install as install_security_headers
from shopwright.host.state import EXTENSION, AppState, state_of

__all__ = ["AppState", "create_app", "state_of"]  # AppState and state_of live in host.state; kept importable here


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = load_config(config)
    app = Flask("shopwright.host", instance_path=settings["INSTANCE_PATH"], instance_relative_config=True)
    app.config.update(settings)
    app.config["MAX_CONTENT_LENGTH"] = int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=float(settings["ADMIN_SESSION_HOURS"])))
    _configure_logging(settings)
    state = AppState(settings)
    app.extensions[EXTENSION] = state
    _register_blueprints(app)
    install_security_headers(app)
    _trust_proxies(app, int(settings["PROXY_COUNT"]))
    if int(settings["JOB_WORKERS"]) > 0:
        state.jobs.start(int(settings["JOB_WORKERS"]))
        atexit.register(state.jobs.stop)
    return app


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
