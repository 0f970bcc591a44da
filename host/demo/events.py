"""Demo storefront events: the browsing sessions behind each order, plus sessions that buy nothing.

An order's session views each product it bought (and a few it did not), adds each line to the
cart and ends in one purchase event per line at the order's time. Browse-only sessions, most of
them anonymous, view a few related products and sometimes abandon a cart. The log is bounded
(EVENT_LIMIT) so a demo import stays quick: past the budget, the oldest orders go without a
session, as if older analytics had been pruned.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from shopwright.host.demo.catalogue import ProductProfile
from shopwright.host.demo.orders import OrderRecord, ProductPicker
from shopwright.host.demo.people import CustomerProfile
from shopwright.host.demo.timeline import Timeline, iso, seasonal_moment, shopping_hour

EVENT_LIMIT = 20_000
ORDER_EVENT_SHARE = 0.85         # of EVENT_LIMIT, at most, for order sessions
BROWSE_SESSIONS_PER_ORDER = 0.6
ANONYMOUS_BROWSE_SHARE = 0.65
ABANDONED_CART_SHARE = 0.3
SAME_CATEGORY_SHARE = 0.6        # shoppers mostly browse within one category


def build_events(rng: random.Random, orders: list[OrderRecord], customers: list[CustomerProfile],
                 picker: ProductPicker, timeline: Timeline) -> list[dict]:
    """Order and browse sessions, merged into one log in time order."""
    events = _order_sessions(rng, orders, picker, int(EVENT_LIMIT * ORDER_EVENT_SHARE))
    browse_budget = EVENT_LIMIT - len(events)
    for _ in range(int(len(orders) * BROWSE_SESSIONS_PER_ORDER) + 20):
        session = _browse_session(rng, customers, picker, timeline)
        if len(session) > browse_budget:
            break
        browse_budget -= len(session)
        events += session
    events.sort(key=lambda event: event["occurred_at"])
    return events


def _order_sessions(rng: random.Random, orders: list[OrderRecord], picker: ProductPicker,
                    budget: int) -> list[dict]:
    """Sessions for the newest orders first, until the budget is spent."""
    events: list[dict] = []
    for order in reversed(orders):
        session = _order_session(rng, order, picker)
        if len(events) + len(session) > budget:
            break
        events += session
    return events


def _order_session(rng: random.Random, order: OrderRecord, picker: ProductPicker) -> list[dict]:
    session_id = _session_id(rng)
    extra_views = [picker.pick(rng).handle for _ in range(rng.choice((0, 0, 0, 1, 2)))]
    bought = [line.handle for line in order.lines]
    views = extra_views + bought
    rng.shuffle(views)
    # Each step takes at most 180 s, so starting this early keeps every step before the purchase.
    start = order.placed_at - timedelta(seconds=180 * (len(views) + len(bought) + 1) + rng.randint(0, 600))
    clock = _Clock(rng, start)
    events = [_event("view", handle, order.email, session_id, clock.tick(), {}) for handle in views]
    events += [_event("add_to_cart", line.handle, order.email, session_id, clock.tick(),
                      {"sku": line.sku, "quantity": line.quantity}) for line in order.lines]
    events += [_event("purchase", line.handle, order.email, session_id, order.placed_at,
                      {"order_number": order.number, "sku": line.sku, "quantity": line.quantity})
               for line in order.lines]
    return events


def _browse_session(rng: random.Random, customers: list[CustomerProfile], picker: ProductPicker,
                    timeline: Timeline) -> list[dict]:
    email, earliest = None, timeline.start
    if rng.random() >= ANONYMOUS_BROWSE_SHARE:
        customer = rng.choice(customers)
        email, earliest = customer.email, max(customer.created_at, timeline.start)
    start = shopping_hour(rng, seasonal_moment(rng, earliest, timeline.now))
    start = min(max(start, earliest), timeline.now - timedelta(hours=1))
    clock, session_id = _Clock(rng, start), _session_id(rng)
    products = _browsed_products(rng, picker)
    events = [_event("view", product.handle, email, session_id, clock.tick(), {}) for product in products]
    if rng.random() < ABANDONED_CART_SHARE:
        product = rng.choice(products)
        sku = rng.choice(product.variants)[0]
        events.append(_event("add_to_cart", product.handle, email, session_id, clock.tick(),
                             {"sku": sku, "quantity": 1}))
    return events


def _browsed_products(rng: random.Random, picker: ProductPicker) -> list[ProductProfile]:
    first = picker.pick(rng)
    products = [first]
    for _ in range(rng.choices((0, 1, 2, 3, 4, 5), weights=(30, 25, 18, 12, 9, 6))[0]):
        same = rng.random() < SAME_CATEGORY_SHARE
        products.append(picker.pick(rng, first.category if same else None))
    return products


class _Clock:
    """Advances a session's time by a plausible 20 s - 3 min per step."""

    def __init__(self, rng: random.Random, start: datetime):
        self._rng, self._now = rng, start

    def tick(self) -> datetime:
        self._now += timedelta(seconds=self._rng.randint(20, 180))
        return self._now


def _session_id(rng: random.Random) -> str:
    return f"sess-{rng.getrandbits(48):012x}"


def _event(kind: str, handle: str | None, email: str | None, session_id: str, moment: datetime,
           data: dict) -> dict:
    return {"type": kind, "product_handle": handle, "customer_email": email, "session_id": session_id,
            "occurred_at": iso(moment), "data": data}
