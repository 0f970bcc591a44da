"""The ranking: units ordered per product over a window of days, best first."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

#: Orders that did not end in a sale count for nothing.
UNSOLD = frozenset({"cancelled", "refunded"})
#: How many products a ranking keeps; a widget shows at most 12, the rest cover exclusions.
KEEP = 200


def units_ordered(orders: list[dict]) -> Counter:
    units: Counter = Counter()
    for order in orders:
        if order["status"] in UNSOLD:
            continue
        for line in order["lines"]:
            if line["product_id"] is not None:
                units[line["product_id"]] += line["quantity"]
    return units


def rank(ctx, window_days: int, now: datetime | None = None) -> list[dict]:
    """Active products, most units ordered first (ties: the older product first), as the small
    dicts the widget shows. Sales figures stay out of them: the widget's JSON is public."""
    since = (now or datetime.now(UTC)) - timedelta(days=window_days)
    units = units_ordered(ctx.orders(since=since))
    top_ids = [pid for pid, _count in sorted(units.items(), key=lambda item: (-item[1], item[0]))[:KEEP]]
    products = {p["id"]: p for p in ctx.products(ids=top_ids)} if top_ids else {}
    return [summary(products[pid]) for pid in top_ids if pid in products and products[pid]["status"] == "active"]


def summary(product: dict) -> dict:
    return {
        "id": product["id"],
        "handle": product["handle"],
        "title": product["title"],
        "category": product["category"],
        "price": product["price"],
        "image": product["images"][0] if product["images"] else None,
        "in_stock": product["in_stock"],
    }
