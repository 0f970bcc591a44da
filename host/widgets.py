"""Storefront widgets: what plugins register through `register_widgets`, and how a page, the HTML
fragment endpoint and the JSON endpoint render one.

A widget is a plugin's `render(ctx, **params)` returning a dict, plus a template that turns the
dict into HTML. The render call goes through the dispatcher (enabled plugins only, under the
storefront time budget, failures counted), so a disabled, quarantined, slow or failing widget
yields nothing and the page around it is served as usual.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
import marshmallow
from flask import g, has_request_context, request
from markupsafe import Markup

from shopwright.host import serialize
from shopwright.host.context import ShopInfo
from shopwright.host.lifecycle import EnabledPlugin
from shopwright.host.plugins import PluginRegistry
from shopwright.host.registration import collect

log = logging.getLogger("shopwright.widgets")

PRODUCT_TTL_S = 2.0
MAX_ID = 2**63 - 1
PAGE_BUDGET_WIDGETS = 2
#: Rendered widgets kept per process; past it all are dropped and rendered again when next asked for.
MAX_REUSED = 20_000
#: Products the embed endpoints looked up, kept per process; past it all are dropped and looked up again.
MAX_LOOKED_UP = 10_000
LOCAL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class WidgetError(Exception):
    """A widget request that cannot be served: unknown widget (404) or bad parameters (400)."""

    def __init__(self, message: str, status: int = 400, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.fields = fields or {}


@dataclass(frozen=True)
class WidgetDef:
    name: str  # "<plugin>.<local name>"
    plugin: str
    render: Callable[..., dict | None]
    template: str
    title: str = ""
    description: str = ""
    params: type[marshmallow.Schema] | None = None
    reusable: bool = True  # False for widgets whose output changes per shopper or per second
    # Worked out once at registration: a page renders widgets on every view.
    accepted: frozenset[str] | None = field(default=None, compare=False)
    loader: marshmallow.Schema | None = field(default=None, compare=False)

    def accepted_params(self) -> frozenset[str] | None:
        """Parameter names `render` takes, or None when it takes **kwargs."""
        return self.accepted


def _accepted(render: Callable) -> frozenset[str] | None:
    signature = inspect.signature(render)
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return None
    return frozenset(name for name in signature.parameters if name != "ctx")


class WidgetRegistry:
    def __init__(self) -> None:
        self.widgets: dict[str, WidgetDef] = {}

    def collect(self, registry: PluginRegistry) -> None:
        """Ask every installed plugin for its widgets; a broken registration is recorded, not fatal."""
        collect(registry, "register_widgets", self._register_for)

    def get(self, name: str) -> WidgetDef:
        widget = self.widgets.get(name)
        if widget is None:
            raise WidgetError(f"no widget named {name!r} is installed", status=404)
        return widget

    def of_plugin(self, plugin: str) -> list[WidgetDef]:
        return [w for w in self.widgets.values() if w.plugin == plugin]

    def _register_for(self, plugin: str) -> Callable[..., None]:
        def register(name: str, render: Callable, template: str | None = None, title: str = "",
                     description: str = "", params: type[marshmallow.Schema] | None = None,
                     reusable: bool = True) -> None:
            if not LOCAL_NAME.match(name or ""):
                raise ValueError(f"widget name {name!r} must be lowercase letters, digits and _")
            if not callable(render):
                raise ValueError(f"widget {name}: render must be callable")
            if params is not None and not (isinstance(params, type) and issubclass(params, marshmallow.Schema)):
                raise ValueError(f"widget {name}: params must be a marshmallow Schema class")
            full = f"{plugin}.{name}"
            self.widgets[full] = WidgetDef(full, plugin, render, template or f"{plugin}/{name}.html",
                                           title or name.replace("_", " ").title(), description, params,
                                           bool(reusable), accepted=_accepted(render),
                                           loader=params() if params else None)

        return register


class WidgetRenderer:
    """Renders widgets for one app: data through the dispatcher, HTML through the theme's templates."""

    def __init__(self, state):
        self.state = state  # shopwright.host.state.AppState
        self.registry: WidgetRegistry = state.widgets
        # Products the embed endpoints looked up by id or handle, kept briefly: an external page
        # asks for several widgets of the same product at once.
        # Both are shared by the server's threads: each read and store is one dict operation, and
        # what was stored is never read back, since another thread may empty the dict in between.
        self._products: dict[tuple, tuple[float, Mapping[str, Any]]] = {}
        self._rendered: dict[tuple, tuple[dict[str, EnabledPlugin], Markup]] = {}
        self.reuse = bool(state.config.get("WIDGET_REUSE", True))

    # -- data ------------------------------------------------------------------------------
    def data(self, shop: ShopInfo, name: str, params: dict[str, Any],
             enabled: dict[str, EnabledPlugin] | None = None) -> dict | None:
        """The widget's dict, or None when it shows nothing (disabled, failed, slow, or said so)."""
        widget = self.registry.get(name)
        enabled = self.state.lifecycle.enabled_recent(shop.id) if enabled is None else enabled
        return self._call(widget, shop, params, enabled)[1]

    def _call(self, widget: WidgetDef, shop: ShopInfo, params: dict[str, Any],
              enabled: dict[str, EnabledPlugin], budget: float | None = None) -> tuple[bool, dict | None]:
        """(whether the answer may be reused, the widget's dict or None). Given less than the
        full storefront budget (the page spent the rest), a timeout is not held against it."""
        plugin = enabled.get(widget.plugin)
        if plugin is None:
            return True, None
        kwargs = self._arguments(widget, shop, params)
        full = self.state.dispatcher.storefront_budget
        result = self.state.dispatcher.call_registered(
            plugin, shop, f"widget {widget.name}", widget.render, kwargs, check=_json_dict_or_none,
            budget=min(budget, full) if budget else full, count_timeout=budget is None or budget >= full)
        return (True, result.value) if result is not None else (False, None)

    def _arguments(self, widget: WidgetDef, shop: ShopInfo, params: dict[str, Any]) -> dict[str, Any]:
        params = dict(params)
        product = params.pop("product", None)
        if widget.loader is not None:
            try:
                params = widget.loader.load(params)
            except marshmallow.ValidationError as exc:
                raise WidgetError(f"bad parameters for widget {widget.name}", fields=exc.normalized_messages()) from exc
        accepted = widget.accepted_params()
        unknown = sorted(set(params) - accepted) if accepted is not None else []
        if unknown:
            raise WidgetError(f"widget {widget.name} takes no parameter {', '.join(unknown)}",
                              fields={name: ["unknown parameter"] for name in unknown})
        if accepted is None or "product" in accepted:
            params["product"] = self._product(shop, product)
        return params

    def _product(self, shop: ShopInfo, product: Any) -> Mapping[str, Any] | None:
        """A product dict from the theme is used as is; an id or handle from the embed script is
        looked up within this shop only."""
        if product is None or isinstance(product, dict):
            return product
        text = str(product)
        by, value = ("id", int(text)) if text.isascii() and text.isdigit() else ("handle", text[:255])
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise WidgetError(f"no product {product!r} in this shop", status=404)
        key = (shop.id, by, value)
        cached = self._products.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        # Imported here: the host.api package imports its views, they import host.state, and it imports this module.
        from shopwright.host.api.fastread import fetch_one

        found = fetch_one(self.state.db.engine, shop.id, by, value)
        if found is None or found.status != "active":  # drafts and archived products are not for shoppers
            raise WidgetError(f"no product {product!r} in this shop", status=404)
        looked_up = serialize.product_dict(found)
        _keep(self._products, MAX_LOOKED_UP, key, (time.monotonic() + PRODUCT_TTL_S, looked_up))
        return looked_up

    # -- HTML ------------------------------------------------------------------------------
    def html(self, shop: ShopInfo, theme: str, name: str, params: dict[str, Any],
             enabled: dict[str, EnabledPlugin] | None = None, budget: float | None = None) -> Markup:
        """The widget's inner HTML, empty when it shows nothing.

        A rendered widget is reused while the shop's enabled-plugins snapshot it was made under
        is current (at most `host.lifecycle.RECENT_S`; any change in this process ends it at
        once) and until the plugin empties its `ctx.cache`, so a page with several widgets does
        not pay for each on every view. Failures are never reused: the next view calls the plugin
        again and the failure counts again.
        """
        widget = self.registry.get(name)
        enabled = self.state.lifecycle.enabled_recent(shop.id) if enabled is None else enabled
        key = self._reuse_key(widget, shop, theme, params)
        reused = self._rendered.get(key) if key is not None else None
        if reused is not None and reused[0] is enabled:
            return reused[1]
        ok, data = self._call(widget, shop, params, enabled, budget)
        html = self._render(widget, shop, theme, params, data) if data else Markup("")
        if ok and html is not None and key is not None:
            _keep(self._rendered, MAX_REUSED, key, (enabled, html))
        return html if html is not None else Markup("")

    def _render(self, widget: WidgetDef, shop: ShopInfo, theme: str, params: dict[str, Any],
                data: dict) -> Markup | None:
        try:
            template = self.state.themes.environment(theme).get_template(widget.template)
            return Markup(template.render({**data, "shop": shop, "widget": widget, "params": params}))
        except Exception as exc:  # a broken template is the plugin's (or theme's) failure, not the page's
            log.exception("widget %s failed to render its template %s", widget.name, widget.template)
            self.state.lifecycle.record_failure(shop.id, widget.plugin, f"template {widget.template}: {exc}")
            return None

    def _reuse_key(self, widget: WidgetDef, shop: ShopInfo, theme: str, params: dict[str, Any]) -> tuple | None:
        """What the rendered HTML depends on, or None when it must not be reused."""
        if not (self.reuse and widget.reusable):
            return None
        parts = []
        for key, value in sorted(params.items()):
            if key == "product" and isinstance(value, dict):
                value = (value.get("id"), value.get("updated_at"))  # a changed product is a new key
            elif not isinstance(value, (str, int, float, bool, type(None))):
                return None
            parts.append((key, value))
        version = self.state.plugin_cache.version(widget.plugin, shop.id)  # the plugin dropped its data
        return (shop.id, theme, widget.name, version, _address(), tuple(parts))

    def enabled_for_request(self, shop_id: int) -> dict[str, EnabledPlugin]:
        """The shop's enabled plugins, read once per request however many widgets a page has."""
        if not has_request_context():
            return self.state.lifecycle.enabled_recent(shop_id)
        cache = g.setdefault("sw_enabled_plugins", {})
        if shop_id not in cache:
            cache[shop_id] = self.state.lifecycle.enabled_recent(shop_id)
        return cache[shop_id]


def _keep(kept: dict, limit: int, key: Hashable, value: Any) -> None:
    """Store `value` in a dict other threads share, emptying it first when it holds more than `limit`."""
    if len(kept) > limit:
        kept.clear()
    kept[key] = value


def _address() -> tuple[str, bool]:
    """The server address links are built from, and whether they must be absolute (a fragment
    for another site): HTML rendered for one must never be reused for the other."""
    if not has_request_context():
        return ("", False)
    return (request.host_url, request.blueprint == "embed")


def _dict_or_none(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def _json_dict_or_none(value: Any) -> bool:
    """A widget's answer: None, or a dict that JSON holds as it is, since the same dict is what
    the widget's JSON endpoint serves. A Decimal or a date (as `ctx.settings` may hold) is refused
    with its type named, so the plugin's tests see it instead of a shopper getting it mangled."""
    if value is None:
        return True
    if not isinstance(value, dict):
        return False
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"returned a dict that JSON cannot hold as it is ({exc}); "
                         "turn such values into text or numbers first") from None
    return True


def widget_global(renderer: WidgetRenderer) -> Callable[..., Markup]:
    """`{{ widget("plugin.name", product=product, limit=4) }}` for theme templates.

    Reads `shop` (a `host.shopcache.PublicShop`) from the template's context. Whatever goes
    wrong with the widget, the page still renders: the call returns empty markup.
    """

    @jinja2.pass_context
    def widget(context, name: str, **params: Any) -> Markup:
        shop = context.get("shop")
        if shop is None or not hasattr(shop, "info"):
            log.error("widget(%r) called from a template rendered without the storefront's `shop`", name)
            return Markup("")
        budget = _page_budget_left(renderer.state.dispatcher.storefront_budget)
        if budget <= 0:
            log.warning("theme %s: widget(%r) skipped: the page's widgets used up their time", shop.theme, name)
            return Markup("")
        try:
            inner = renderer.html(shop.info, shop.theme, name, params, renderer.enabled_for_request(shop.id),
                                  budget=budget)
        except WidgetError as exc:
            # A theme may name widgets of plugins this server does not have: that is no error.
            level = logging.DEBUG if exc.status == 404 else logging.WARNING
            log.log(level, "theme %s: widget(%r) skipped: %s %s", shop.theme, name, exc, exc.fields)
            return Markup("")
        if not inner:
            return inner
        return wrap(name, params, inner)

    return widget


def _page_budget_left(widget_budget: float) -> float:
    """Seconds the page's next widget may take. All widgets of one page share PAGE_BUDGET_WIDGETS
    widgets' worth of time, so several slow widgets cannot add their budgets up."""
    if not has_request_context():
        return widget_budget
    deadline = g.setdefault("sw_widget_deadline", time.monotonic() + PAGE_BUDGET_WIDGETS * widget_budget)
    return max(0.0, min(widget_budget, deadline - time.monotonic()))


def wrap(name: str, params: dict[str, Any], inner: Markup) -> Markup:
    """The element around a widget's HTML; the embed script reads it to record impressions and clicks."""
    product = params.get("product")
    product_id = product.get("id") if isinstance(product, dict) else product
    return Markup('<div class="sw-widget" data-sw-widget="{}" data-sw-product="{}">{}</div>').format(
        name, product_id if product_id is not None else "", inner)
