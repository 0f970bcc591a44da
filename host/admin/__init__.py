"""The admin panel under /admin: server-rendered pages for a shop's owners and editors.

`create_admin(app)` wires it into one app: the blueprint (one module per page group), CSRF for
the admin's forms only (the API and the embed endpoints authenticate otherwise), the template
lookup (the host's templates, then each plugin's `templates/` folder), the login throttle and
the admin pages plugins register.

Modules: `core` (blueprint, current user, roles, errors, navigation), `auth` (sign in/out),
`account` (the signed-in user's own password),
`throttle` (slowing sign-in guessers), `attacks` (telling a user of failed sign-ins),
`dashboard`, `plugins` (list, enable/disable, settings forms), `uploads`, `jobs`, `drafts`
(review queue; the logic is `shopwright.host.drafts`), `pages` (plugin pages), `shop` (shop settings),
`models` (the text model, its token cap and usage).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader

from shopwright.host.admin import account, auth, dashboard, drafts, jobs, models, pages, plugins, shop, uploads  # noqa: F401  (routes)
from shopwright.host.admin.core import EXTENSION, HOST_DIR, admin
from shopwright.host.admin.pages import AdminPages
from shopwright.host.admin.throttle import LoginThrottle
from shopwright.host.limitstore import shared_storage
from shopwright.host.state import state_of
from shopwright.host.themes import plugin_template_loader

__all__ = ["AdminExtension", "create_admin"]


@dataclass
class AdminExtension:
    throttle: LoginThrottle
    pages: AdminPages


def create_admin(app: Flask) -> None:
    state = state_of(app)
    _configure_csrf(app)
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(HOST_DIR / "templates")),
                                     plugin_template_loader(state.registry)])
    # Every template, whatever its extension: Flask's default escapes only .html/.xml and the
    # like, and a plugin's admin page may be named `overview.jinja`.
    app.jinja_env.autoescape = True
    admin_pages = AdminPages()
    admin_pages.collect(state.registry)
    app.extensions[EXTENSION] = AdminExtension(LoginThrottle(app.config, shared_storage(app)), admin_pages)
    app.register_blueprint(admin)


def _configure_csrf(app: Flask) -> None:
    # Not app-wide: the admin blueprint calls `protect()` itself (host.admin.core.guard), so the
    # API's key-authenticated routes and the cross-site embed endpoints are never touched.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)  # a working day on one open form
    CSRFProtect(app)
