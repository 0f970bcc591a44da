"""Low stock: tells shoppers when a product is nearly sold out, and shows the owner which are.

A complete third-party Shopwright plugin: metadata with the host versions it supports and the
data it reads, a settings schema, a storefront widget, an admin page, templates and a stylesheet.
"""

from __future__ import annotations

import string

import marshmallow
from marshmallow import fields, validate
from shopwright import PluginMeta, hookimpl

__version__ = "1.0.0"


def one_placeholder(message: str) -> None:
    """The message may name `{left}` and nothing else: it is formatted with the stock count."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(message) if name is not None}
    except ValueError as exc:
        raise marshmallow.ValidationError(f"Not a valid message: {exc}.") from exc
    if names != {"left"}:
        raise marshmallow.ValidationError("Use {left} exactly where the number goes, and no other {…}.")


class Settings(marshmallow.Schema):
    threshold = fields.Integer(
        load_default=5, validate=validate.Range(min=1, max=1000),
        metadata={"label": "Threshold", "description": "Show the badge when this many or fewer are left"})
    message = fields.String(
        load_default="Only {left} left", validate=[validate.Length(min=1, max=120), one_placeholder],
        metadata={"label": "Message", "description": "{left} is replaced by the number in stock"})


plugin_meta = PluginMeta(
    name="low_stock",
    version=__version__,
    description="An 'Only 3 left' badge on product pages, and a low-stock list for the owner",
    requires_host=">=0.1,<0.2",
    permissions=("read:catalog",),
    settings=Settings,
    author="Shopwright examples",
)


def units_left(product: dict) -> int:
    return sum(max(0, variant["inventory_qty"]) for variant in product["variants"])


def badge(ctx, product=None):
    """The badge for a product with 1..threshold units left; nothing otherwise."""
    left = units_left(product) if product else 0
    if not 0 < left <= ctx.settings["threshold"]:
        return None
    return {"left": left, "text": ctx.settings["message"].format(left=left)}


def overview(ctx, request):
    """Every product at or under the threshold, fewest left first."""
    threshold = ctx.settings["threshold"]
    rows = [{"title": p["title"], "handle": p["handle"], "left": units_left(p), "variants": p["variants"]}
            for p in ctx.products()]
    low = sorted((row for row in rows if row["left"] <= threshold), key=lambda row: (row["left"], row["title"]))
    return {"threshold": threshold, "products": low}


@hookimpl
def register_widgets(register):
    register("badge", badge, title="Low stock badge",
             description="'Only 3 left' on products that are nearly sold out")


@hookimpl
def register_admin_pages(register):
    register("overview", "Low stock", overview)
