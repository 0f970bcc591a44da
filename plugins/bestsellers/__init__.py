"""Bestsellers: the shop's most-ordered products, as a storefront widget.

The ranking is computed from the orders of the last `window_days` and kept in the host's cache
for this shop (`ctx.cache`) for `cache_seconds`, because a widget runs on every page view. A new
order drops the ranking at once, so the next view counts it.
"""

from __future__ import annotations

import marshmallow
from marshmallow import fields, validate

from shopwright import hookimpl
from shopwright.plugins.bestsellers import ranking

NEEDS = ("read:catalog", "read:orders")


class Settings(marshmallow.Schema):
    window_days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=3650),
                                 metadata={"description": "Count orders placed in this many past days"})
    same_category = fields.Boolean(load_default=False,
                                   metadata={"description": "On a product page, show only its category"})
    heading = fields.String(load_default="Bestsellers", validate=validate.Length(min=1, max=80),
                            metadata={"description": "Title shown above the products"})
    cache_seconds = fields.Integer(load_default=300, validate=validate.Range(min=0, max=86400),
                                   metadata={"description": "Keep the ranking this long (0: recount every view)"})


class TopParams(marshmallow.Schema):
    limit = fields.Integer(load_default=4, validate=validate.Range(min=1, max=12))


def top(ctx, product=None, limit=4):
    """The `limit` best-selling products, never the one on the page; None when there are none."""
    if not all(ctx.can(scope) for scope in NEEDS):
        return None  # the owner withheld a scope: show nothing rather than fail on every view
    settings = ctx.settings
    ranked = ctx.cache.get(("ranking", settings["window_days"]), settings["cache_seconds"],
                           lambda: ranking.rank(ctx, settings["window_days"]))
    picks = [item for item in ranked if product is None or item["id"] != product["id"]]
    if settings["same_category"] and product and product["category"]:
        picks = [item for item in picks if item["category"] == product["category"]]
    if not picks:
        return None
    return {"heading": settings["heading"], "products": picks[:limit]}


@hookimpl
def register_widgets(register):
    register("top", top, title="Bestsellers", params=TopParams,
             description="The most-ordered products of the last days, optionally from the same category")


@hookimpl
def on_order_created(ctx):
    ctx.cache.forget()


@hookimpl
def on_products_changed(ctx):
    ctx.cache.forget()  # titles, prices or status may have changed
