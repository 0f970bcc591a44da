"""Ratings: a product's average star rating and review count, with the latest verified reviews.

Only genuine reviews are shown, quoted as written (long ones shortened with an ellipsis); this
plugin never writes review text. Summaries are kept in the host's cache for this shop
(`ctx.cache`), per product, for `cache_seconds` and dropped when a review for the product arrives.
"""

from __future__ import annotations

import marshmallow
from marshmallow import fields, validate

from shopwright import hookimpl
from shopwright.plugins.ratings import summary


class Settings(marshmallow.Schema):
    min_reviews = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000),
                                 metadata={"description": "Show stars only once a product has this many reviews"})
    quotes = fields.Integer(load_default=2, validate=validate.Range(min=0, max=summary.MAX_QUOTES),
                            metadata={"description": "Latest verified-purchase reviews to quote (0: none)"})
    cache_seconds = fields.Integer(load_default=300, validate=validate.Range(min=0, max=86400),
                                   metadata={"description": "Keep each product's summary this long"})


class StarsParams(marshmallow.Schema):
    quotes = fields.Integer(validate=validate.Range(min=0, max=summary.MAX_QUOTES))


def stars(ctx, product=None, quotes=None):
    """The product's rating summary, or None without a product, scope or enough reviews."""
    if product is None or not ctx.can("read:reviews"):
        return None
    found = ctx.cache.get(product["id"], ctx.settings["cache_seconds"],
                          lambda: summary.summarise(ctx.reviews(product_id=product["id"])))
    if found["count"] < ctx.settings["min_reviews"] or found["average"] is None:
        return None
    shown = ctx.settings["quotes"] if quotes is None else quotes
    return {
        "product_id": product["id"],
        "average": found["average"],
        "average_text": summary.number(found["average"]),
        "count": found["count"],
        "label": summary.label(found["average"], found["count"]),
        "stars": summary.star_bar(found["average"]),
        "reviews": found["quotes"][:shown],
    }


@hookimpl
def register_widgets(register):
    register("stars", stars, title="Star rating", params=StarsParams,
             description="Average rating and review count, with the latest verified reviews")


@hookimpl
def on_review_created(ctx, review):
    ctx.cache.forget(review["product_id"])
