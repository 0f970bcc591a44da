"""Storefront widgets: what plugins register through `register_widgets`, and how a page, the HTML
fragment endpoint and the JSON endpoint render one.

A widget is a plugin's `render(ctx, **params)` returning a dict, plus a template that turns the
dict into HTML. The render call goes through the dispatcher (enabled plugins only, under the
storefront time budget, failures counted), so a disabled, quarantined, slow or failing widget
yields nothing and the page around it is served as usual.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
import marshmallow
from flask import g, has_request_context
from markupsafe import Markup

from host import serialize
from host.api.fastread import fetch_one
from host.context import ShopInfo
from host.lifecycle import EnabledPlugin

log = logging.getLogger("shopwright.widgets")

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

    def accepted_params(self) -> set[str] | None:
        """Parameter names `render` takes, or None when it takes **kwargs."""
        signature = inspect.signature(self.render)
        if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            return None
        return {name for name in signature.parameters if name != "ctx"}


class WidgetRegistry:
    def __init__(self) -> None:
        self.widgets: dict[str, WidgetDef] = {}

    def collect(self, registry) -> None:
        """Ask every installed plugin for its widgets; a broken registration is recorded, not fatal."""
        for impl in registry.hook_impls("register_widgets"):
            plugin = impl.plugin_name
            try:
                impl.function(register=self._register_for(plugin))
            except Exception as exc:
                log.exception("plugin %s failed in register_widgets", plugin)
                registry.plugins[plugin].load_error = f"register_widgets raised {type(exc).__name__}: {exc}"

    def get(self, name: str) -> WidgetDef:
        widget = self.widgets.get(name)
        if widget is None:
            raise WidgetError(f"no widget named {name!r} is installed", status=404)
        return widget

    def of_plugin(self, plugin: str) -> list[WidgetDef]:
        return [w for w in self.widgets.values() if w.plugin == plugin]

    def _register_for(self, plugin: str) -> Callable[..., None]:
        def register(name: str, render: Callable, template: str | None = None, title: str = "",
                     description: str = "", params: type[marshmallow.Schema] | None = None) -> None:
            if not LOCAL_NAME.match(name or ""):
                raise ValueError(f"widget name {name!r} must be lowercase letters, digits and _")
            if not callable(render):
                raise ValueError(f"widget {name}: render must be callable")
            if params is not None and not (isinstance(params, type) and issubclass(params, marshmallow.Schema)):
                raise ValueError(f"widget {name}: params must be a marshmallow Schema class")
            full = f"{plugin}.{name}"
            self.widgets[full] = WidgetDef(full, plugin, render, template or f"{plugin}/{name}.html",
                                           title or name.replace("_", " ").title(), description, params)

        return register


class WidgetRenderer:
    """Renders widgets for one app: data through the dispatcher, HTML through the theme's templates."""

    def __init__(self, state):
        self.state = state  # host.app.AppState
        self.registry: WidgetRegistry = state.widgets

    # -- data ------------------------------------------------------------------------------
    def data(self, shop: ShopInfo, name: str, params: dict[str, Any],
             enabled: dict[str, EnabledPlugin] | None = None) -> dict | None:
        """The widget's dict, or None when it shows nothing (disabled, failed, slow, or said so)."""
        widget = self.registry.get(name)
        enabled = self.state.lifecycle.enabled_recent(shop.id) if enabled is None else enabled
        plugin = enabled.get(widget.plugin)
        if plugin is None:
            return None
        kwargs = self._arguments(widget, shop, params)
        result = self.state.dispatcher.call_registered(plugin, shop, f"widget {name}", widget.render, kwargs,
                                                       check=_dict_or_none)
        return result.value if result is not None else None

    def _arguments(self, widget: WidgetDef, shop: ShopInfo, params: dict[str, Any]) -> dict[str, Any]:
        params = dict(params)
        product = params.pop("product", None)
        if widget.params is not None:
            try:
                params = widget.params().load(params)
            except marshmallow.ValidationError as exc:
                raise WidgetError(f"bad parameters for widget {widget.name}", fields=exc.messages) from exc
        accepted = widget.accepted_params()
        unknown = sorted(set(params) - accepted) if accepted is not None else []
        if unknown:
            raise WidgetError(f"widget {widget.name} takes no parameter {', '.join(unknown)}",
                              fields={name: ["unknown parameter"] for name in unknown})
        if accepted is None or "product" in accepted:
            params["product"] = self._product(shop, product)
        return params

    def _product(self, shop: ShopInfo, product: Any) -> dict | None:
        """A product dict from the theme is used as is; an id or handle from the embed script is
        looked up within this shop only."""
        if product is None or isinstance(product, dict):
            return product
        by, value = ("id", int(product)) if str(product).isdigit() else ("handle", str(product))
        found = fetch_one(self.state.db.engine, shop.id, by, value)
        if found is None:
            raise WidgetError(f"no product {product!r} in this shop", status=404)
        return serialize.product_dict(found)

    # -- HTML ------------------------------------------------------------------------------
    def html(self, shop: ShopInfo, theme: str, name: str, params: dict[str, Any],
             enabled: dict[str, EnabledPlugin] | None = None) -> Markup:
        """The widget's inner HTML, empty when it shows nothing."""
        data = self.data(shop, name, params, enabled)
        if not data:
            return Markup("")
        widget = self.registry.get(name)
        try:
            template = self.state.themes.environment(theme).get_template(widget.template)
            return Markup(template.render({**data, "shop": shop, "widget": widget, "params": params}))
        except Exception as exc:  # a broken template is the plugin's (or theme's) failure, not the page's
            log.exception("widget %s failed to render its template %s", name, widget.template)
            self.state.lifecycle.record_failure(shop.id, widget.plugin, f"template {widget.template}: {exc}")
            return Markup("")

    def enabled_for_request(self, shop_id: int) -> dict[str, EnabledPlugin]:
        """The shop's enabled plugins, read once per request however many widgets a page has."""
        if not has_request_context():
            return self.state.lifecycle.enabled_recent(shop_id)
        cache = g.setdefault("sw_enabled_plugins", {})
        if shop_id not in cache:
            cache[shop_id] = self.state.lifecycle.enabled_recent(shop_id)
        return cache[shop_id]


def _dict_or_none(value: Any) -> bool:
    return value is None or isinstance(value, dict)


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
        try:
            inner = renderer.html(shop.info, shop.theme, name, params, renderer.enabled_for_request(shop.id))
        except WidgetError as exc:
            log.warning("theme %s: widget(%r) skipped: %s %s", shop.theme, name, exc, exc.fields)
            return Markup("")
        if not inner:
            return inner
        return wrap(name, params, inner)

    return widget


def wrap(name: str, params: dict[str, Any], inner: Markup) -> Markup:
    """The element around a widget's HTML; the embed script reads it to record impressions and clicks."""
    product = params.get("product")
    product_id = product.get("id") if isinstance(product, dict) else product
    return Markup('<div class="sw-widget" data-sw-widget="{}" data-sw-product="{}">{}</div>').format(
        name, product_id if product_id is not None else "", inner)
