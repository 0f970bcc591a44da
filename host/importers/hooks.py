"""Telling plugins what an import changed, once the transaction has committed.

The payloads are built inside the transaction (while the rows are at hand) and sent after it,
so a plugin never hears of data that was rolled back. Per-record hooks are skipped outright when
no plugin enabled for the shop implements them, which keeps a 50,000-order import from making
50,000 empty dispatcher calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shopwright.host import serialize
from shopwright.host.importers.writer import Written


@dataclass
class Notices:
    products: dict[str, list[int]] = field(default_factory=dict)  # change -> product ids
    orders: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)


def collect(kind: str, written: Written) -> Notices:
    notices = Notices()
    if kind == "products":
        for change, rows in (("created", written.created), ("updated", written.updated)):
            if rows:
                notices.products[change] = [product.id for product in rows]
    elif kind == "orders":
        notices.orders = [serialize.order_dict(order) for order in written.created]
    elif kind == "reviews":
        notices.reviews = [serialize.review_dict(review) for review in written.created]
    return notices


def send(state, shop_id: int, notices: Notices) -> None:
    for change, product_ids in notices.products.items():
        state.dispatcher.call("on_products_changed", shop_id, product_ids=product_ids, change=change)
    for hook, argument, payloads in (("on_order_created", "order", notices.orders),
                                     ("on_review_created", "review", notices.reviews)):
        if payloads and has_listeners(state, shop_id, hook):
            for payload in payloads:
                state.dispatcher.call(hook, shop_id, **{argument: payload})


def has_listeners(state, shop_id: int, hook: str) -> bool:
    """Whether any plugin enabled for the shop implements `hook` (the dispatcher checks scopes)."""
    enabled = state.lifecycle.enabled(shop_id)
    return any(impl.plugin_name in enabled for impl in state.registry.hook_impls(hook))
