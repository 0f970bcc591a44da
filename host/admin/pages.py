"""Admin pages contributed by plugins through the `register_admin_pages` hook.

Registrations are collected once when the app starts. A plugin whose registration raises (or
registers something malformed) is logged and marked with a load error, exactly like a broken
`register_job_types`, and none of its pages are mounted; the app starts regardless.

A page lives at `/admin/plugins/<plugin>/<slug>`. It is "not found" for a shop that has not
enabled the plugin, owners-only unless registered with `editors=True`, and its view runs through
the dispatcher (own thread, background time budget, failures counted): a view that raises, hangs
or returns something other than a dict or None gets an error box inside the admin layout (502),
never a broken admin. The view's dict cannot replace the host's own template variables
(admin_user, csrf_token, request, the navigation...): such names are dropped with a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import abort, current_app, render_template, request, url_for
from jinja2 import TemplateNotFound

from shopwright.host.admin.core import admin, extension, shop_id, user
from shopwright.host.context import shop_info
from shopwright.host.plugins import PluginRegistry
from shopwright.host.registration import collect
from shopwright.host.state import current_state

log = logging.getLogger("shopwright.admin")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: Slugs taken by the host's own routes under /admin/plugins/<plugin>/.
RESERVED_SLUGS = frozenset({"settings", "enable", "disable"})
METHODS = frozenset({"GET", "POST"})
#: Set by the host for plugin pages, besides the context processors' names and Jinja's globals.
HOST_NAMES = frozenset({"admin_plugin_page", "plugin_error", "plugin_error_detail"})


class AdminPageError(ValueError):
    """A registration that cannot be mounted."""


@dataclass(frozen=True)
class AdminPage:
    plugin: str
    slug: str
    title: str
    view: Callable
    template: str
    methods: tuple[str, ...]
    editors: bool

    @property
    def url(self) -> str:
        return url_for("admin.plugin_page", plugin=self.plugin, slug=self.slug)


def make_page(plugin: str, slug: str, title: str, view: Callable, template: str | None = None,
              methods: Iterable[str] = ("GET",), editors: bool = False) -> AdminPage:
    if not isinstance(slug, str) or not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise AdminPageError(f"admin page slug {slug!r} must be lowercase letters, digits and dashes, "
                             f"and not one of {', '.join(sorted(RESERVED_SLUGS))}")
    if not callable(view):
        raise AdminPageError(f"admin page {slug}: view is not callable")
    methods = tuple(sorted({str(m).upper() for m in methods}))
    if not methods or not set(methods) <= METHODS:
        raise AdminPageError(f"admin page {slug}: methods must be GET and/or POST, not {methods}")
    return AdminPage(plugin, slug, str(title or slug), view, template or f"{plugin}/admin/{slug}.html",
                     methods, bool(editors))


class AdminPages:
    """Every mounted plugin admin page of one app, keyed by (plugin, slug)."""

    def __init__(self) -> None:
        self.pages: dict[tuple[str, str], AdminPage] = {}

    def collect(self, registry: PluginRegistry) -> None:
        """Mount each plugin's pages once its whole registration succeeded: all of them or none."""
        found: dict[str, list[AdminPage]] = {}

        def register_for(plugin: str) -> Callable[..., None]:
            pages = found.setdefault(plugin, [])

            def register(slug: str, title: str, view: Callable, template: str | None = None,
                         methods: Iterable[str] = ("GET",), editors: bool = False) -> None:
                pages.append(make_page(plugin, slug, title, view, template, methods, editors))

            return register

        collect(registry, "register_admin_pages", register_for, finish=lambda plugin: self._mount(found[plugin]))

    def _mount(self, found: list[AdminPage]) -> None:
        keys = [(page.plugin, page.slug) for page in found]
        if len(set(keys)) != len(keys):
            raise AdminPageError("the same admin page slug is registered twice")
        self.pages.update(zip(keys, found))

    def get(self, plugin: str, slug: str) -> AdminPage | None:
        return self.pages.get((plugin, slug))

    def of_plugin(self, plugin: str) -> list[AdminPage]:
        return [page for (name, _slug), page in self.pages.items() if name == plugin]

    def nav(self, current, req) -> list[dict]:
        """Links for the pages of plugins enabled in the user's shop that the user may open."""
        if not self.pages:
            return []
        enabled = current_state().lifecycle.enabled(current.shop_id)
        args = req.view_args or {}
        here = (args.get("plugin"), args.get("slug")) if req.endpoint == "admin.plugin_page" else None
        return [{"url": page.url, "label": page.title, "plugin": page.plugin, "current": key == here}
                for key, page in sorted(self.pages.items())
                if page.plugin in enabled and (current.is_owner or page.editors)]


def _dict_or_none(value) -> bool:
    return value is None or isinstance(value, dict)


@admin.route("/plugins/<plugin>/<slug>", methods=["GET", "POST"])
def plugin_page(plugin: str, slug: str):
    state, page = current_state(), extension().pages.get(plugin, slug)
    enabled = state.lifecycle.enabled(shop_id()).get(plugin) if page else None
    if page is None or enabled is None:
        abort(404, "No such page: the plugin is not installed or not enabled for this shop.")
    if request.method not in page.methods:
        abort(405, valid_methods=list(page.methods))
    if not (page.editors or user().is_owner):
        abort(403, "Only the shop's owners can open this page.")
    _ = request.form, request.args  # parsed here: the view runs in another thread
    result = state.dispatcher.call_registered(
        enabled, shop_info(state.db, shop_id()), f"admin page {plugin}/{slug}", page.view,
        {"request": request._get_current_object()}, check=_dict_or_none, budget=state.dispatcher.background_budget)
    if result is None:
        return _failed(page, "failed or took too long", state.lifecycle.describe_one(shop_id(), plugin)["last_error"])
    try:
        return render_template(page.template, **_plugin_values(page, result.value or {}), admin_plugin_page=page)
    except TemplateNotFound:
        if result.value is None:  # "None for an empty page" needs no template of its own
            return render_template("admin/plugin_page.html", admin_plugin_page=page)
        log.error("plugin %s: admin page template %s not found", plugin, page.template)
        return _failed(page, "could not be shown", f"its template {page.template} was not found")
    except Exception as exc:  # a broken plugin template shows as an error box, not a broken admin
        log.exception("plugin %s: admin page template %s failed", plugin, page.template)
        return _failed(page, f"could not be shown: its template {page.template} failed", f"{type(exc).__name__}: {exc}")


def _plugin_values(page: AdminPage, values: dict) -> dict:
    """The view's variables less any that would shadow the host's (admin_user, csrf_token,
    request, the navigation...): those are the host's to set, whatever a plugin returns."""
    host: dict = {}
    current_app.update_template_context(host)  # what the context processors put in every page
    reserved = set(host) | set(current_app.jinja_env.globals) | HOST_NAMES
    clashes = sorted(name for name in values if name in reserved)
    if clashes:
        log.warning("plugin %s: admin page %s returned host template names, ignored: %s",
                    page.plugin, page.slug, ", ".join(map(str, clashes)))
    return {name: value for name, value in values.items() if name not in reserved}


def _failed(page: AdminPage, what: str, detail: str):
    message = f"The page “{page.title}” of plugin {page.plugin} {what}. The error is logged."
    return render_template("admin/plugin_page.html", admin_plugin_page=page, plugin_error=message,
                           plugin_error_detail=detail if user().is_owner else ""), 502
