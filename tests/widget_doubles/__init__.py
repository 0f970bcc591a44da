"""A plugin with widgets that behave well and badly, for the widget and embed tests.

Its templates live beside this module in `templates/shelf/`, as a real plugin package's do.
"""

from __future__ import annotations

import time

import marshmallow
from marshmallow import fields, validate

from shopwright import PluginMeta, hookimpl


class ShelfParams(marshmallow.Schema):
    limit = fields.Integer(load_default=3, validate=validate.Range(min=1, max=12))


plugin_meta = PluginMeta(name="shelf", version="1.0.0", permissions=("read:catalog",),
                         description="Widgets for the tests")


def same_category(ctx, product=None, limit=3):
    if product is None:
        return {"products": ctx.products(limit=limit)}
    others = [p for p in ctx.products(category=product["category"]) if p["id"] != product["id"]]
    return {"products": others[:limit], "category": product["category"]} if others else None


def similar(ctx, product=None, limit=3):
    """Nearest titles by embedding, the way docs/plugins.md shows a VectorIndex in a widget."""
    from shopwright.host.inference import VectorIndex

    if product is None:
        return None

    def build_index():
        products = ctx.products()
        titles = [p["title"] for p in products]
        return VectorIndex([p["id"] for p in products], ctx.embedder().embed(titles))

    index = ctx.cache.get("title-index", ttl=600, compute=build_index)
    hits = index.search(ctx.embedder().embed([product["title"]]), k=limit,
                        exclude_each=[[product["id"]]])
    return {"ids": [hit.id for hit in hits[0]], "scores": [hit.score for hit in hits[0]]}


def echo(ctx, product=None, note=""):
    """Puts shopper-controlled text into its output: the template must escape it."""
    return {"note": note, "title": product["title"] if product else ""}


def link(ctx, product=None):
    return {"product": product} if product else None


def broken(ctx, product=None):
    raise RuntimeError("the widget broke")


def slow(ctx, product=None):
    time.sleep(3.0)  # past the 1 s storefront budget of tests/test_widgets.py
    return {"note": "too late"}


def garbage(ctx, product=None):
    return ["not", "a", "dict"]


def nothing(ctx, product=None):
    return None


@hookimpl
def register_widgets(register):
    register("list", same_category, title="Same category", params=ShelfParams)
    register("echo", echo)
    register("similar", similar, params=ShelfParams, template="shelf/echo.html")
    register("link", link)
    register("broken", broken, template="shelf/echo.html")
    register("slow", slow, template="shelf/echo.html")
    register("garbage", garbage, template="shelf/echo.html")
    register("nothing", nothing, template="shelf/echo.html")
