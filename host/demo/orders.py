"""Demo orders: when each customer buys (from their persona) and what they put in the basket.

Customers favour their favourite categories and popular products, so co-purchase and
recommendation plugins have real structure to find. Numbers run chronologically from #1001.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from shopwright.host.demo.catalogue import ProductProfile
from shopwright.host.demo.people import CustomerProfile
from shopwright.host.demo.timeline import (
    DAYS_PER_MONTH,
    MONTH_WEIGHT,
    Timeline,
    iso,
    seasonal_moment,
    shopping_hour,
    uniform_moment,
)

FIRST_ORDER_NUMBER = 1001
LINE_COUNT_WEIGHTS = {1: 60, 2: 26, 3: 10, 4: 4}
FAVOURITE_CATEGORY_SHARE = 0.6
UNPAID_DAYS = 3          # orders this recent are paid but not yet shipped
REFUND_SHARE, CANCEL_SHARE = 0.03, 0.02
# Consumables are bought two or three at a time far more often than sweaters.
MULTI_BUY_CATEGORIES = {"Bath & Body", "Stationery", "Kitchen"}


@dataclass(slots=True)
class OrderLine:
    handle: str
    sku: str
    quantity: int
    unit_price: str


@dataclass(slots=True)
class OrderRecord:
    number: str
    email: str
    placed_at: datetime
    status: str
    lines: list[OrderLine]

    def as_import(self) -> dict:
        return {
            "number": self.number, "customer_email": self.email, "placed_at": iso(self.placed_at),
            "currency": "USD", "status": self.status,
            "lines": [{"sku": line.sku, "quantity": line.quantity, "unit_price": line.unit_price}
                      for line in self.lines],
        }


class ProductPicker:
    """Draws active products by popularity, overall or within one category."""

    def __init__(self, profiles: list[ProductProfile]):
        active = [profile for profile in profiles if profile.active]
        self._pools = {None: _weighted_pool(active)}
        for category in dict.fromkeys(profile.category for profile in active):
            self._pools[category] = _weighted_pool([p for p in active if p.category == category])

    def pick(self, rng: random.Random, category: str | None = None) -> ProductProfile:
        products, cumulative = self._pools.get(category) or self._pools[None]
        return products[bisect(cumulative, rng.random() * cumulative[-1])]


def _weighted_pool(products: list[ProductProfile]) -> tuple[list[ProductProfile], list[float]] | None:
    if not products:
        return None
    return products, list(accumulate(product.popularity for product in products))


def build_orders(rng: random.Random, customers: list[CustomerProfile], picker: ProductPicker,
                 timeline: Timeline) -> list[OrderRecord]:
    """Every customer's orders, merged, sorted by time and numbered in that order."""
    drafts = []
    for customer in customers:
        for moment in order_moments(rng, customer, timeline):
            drafts.append((moment, customer))
    drafts.sort(key=lambda draft: (draft[0], draft[1].email))
    return [
        OrderRecord(f"#{FIRST_ORDER_NUMBER + offset}", customer.email, moment,
                    _status(rng, moment, timeline), _basket(rng, customer, picker))
        for offset, (moment, customer) in enumerate(drafts)
    ]


def order_moments(rng: random.Random, customer: CustomerProfile, timeline: Timeline) -> list[datetime]:
    """When this customer orders, following their persona; always inside the window."""
    first = max(customer.created_at + timedelta(hours=2), timeline.start)
    if first >= timeline.now:
        return []
    schedule = PERSONA_SCHEDULES[customer.persona]
    moments = [shopping_hour(rng, moment) for moment in schedule(rng, first, timeline)]
    # Moving to a time of day can cross the sign-up, window start or "now"; drop those.
    return sorted(moment for moment in moments if first <= moment < timeline.now)


def _one_time(rng: random.Random, first: datetime, timeline: Timeline) -> list[datetime]:
    return [seasonal_moment(rng, first, timeline.now)]


def _occasional(rng: random.Random, first: datetime, timeline: Timeline) -> list[datetime]:
    return [seasonal_moment(rng, first, timeline.now) for _ in range(rng.randint(2, 4))]


def _loyal(rng: random.Random, first: datetime, timeline: Timeline) -> list[datetime]:
    """A steady rhythm (every 4-10 weeks on average), quicker in the busy months."""
    mean_gap_days = rng.uniform(28, 70)
    moments, moment = [], first + timedelta(days=rng.uniform(0, mean_gap_days))
    while moment < timeline.now:
        moments.append(moment)
        moment += timedelta(days=rng.expovariate(1 / mean_gap_days) / MONTH_WEIGHT[moment.month] + 2)
    return moments


def _lapsed(rng: random.Random, first: datetime, timeline: Timeline) -> list[datetime]:
    """Three to six orders, then nothing for the last 7+ months: a churned regular."""
    last_active = uniform_moment(rng, max(first, timeline.start) + timedelta(days=4 * DAYS_PER_MONTH),
                                 timeline.months_ago(7))
    if last_active <= first:
        return [first]
    return [uniform_moment(rng, first, last_active) for _ in range(rng.randint(3, 6))]


def _seasonal(rng: random.Random, first: datetime, timeline: Timeline) -> list[datetime]:
    """Buys for the holidays (1 Nov - 23 Dec) and, now and then, once more in the year."""
    moments = []
    for year in range(first.year, timeline.now.year + 1):
        season_start = max(first, first.replace(year=year, month=11, day=1, hour=0))
        season_end = min(timeline.now, first.replace(year=year, month=12, day=23, hour=0))
        # A season cut short by "now" (late November) gets proportionally fewer orders.
        covered = (season_end - season_start).days / 52
        if season_start < season_end and rng.random() < 0.9 * covered:
            moments += [uniform_moment(rng, season_start, season_end) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.25 or not moments:
        moments.append(seasonal_moment(rng, first, timeline.now))
    return moments


def _never(rng: random.Random, first: datetime, timeline: Timeline) -> list[datetime]:
    return []


PERSONA_SCHEDULES = {"one_time": _one_time, "occasional": _occasional, "loyal": _loyal,
                     "lapsed": _lapsed, "seasonal": _seasonal, "browser": _never}


def _status(rng: random.Random, placed_at: datetime, timeline: Timeline) -> str:
    if timeline.now - placed_at < timedelta(days=UNPAID_DAYS):
        return "paid"
    roll = rng.random()
    if roll < REFUND_SHARE:
        return "refunded"
    return "cancelled" if roll < REFUND_SHARE + CANCEL_SHARE else "fulfilled"


def _basket(rng: random.Random, customer: CustomerProfile, picker: ProductPicker) -> list[OrderLine]:
    wanted = rng.choices(list(LINE_COUNT_WEIGHTS), weights=list(LINE_COUNT_WEIGHTS.values()))[0]
    chosen: dict[str, OrderLine] = {}
    for _ in range(wanted * 3):  # a few extra draws, since repeats of the same product are skipped
        if len(chosen) == wanted:
            break
        favourite = rng.random() < FAVOURITE_CATEGORY_SHARE
        product = picker.pick(rng, rng.choice(customer.favourite_categories) if favourite else None)
        if product.handle not in chosen:
            sku, price = rng.choice(product.variants)
            chosen[product.handle] = OrderLine(product.handle, sku, _quantity(rng, product), price)
    return list(chosen.values())


def _quantity(rng: random.Random, product: ProductProfile) -> int:
    multi_buy = 0.3 if product.category in MULTI_BUY_CATEGORIES else 0.08
    if rng.random() >= multi_buy:
        return 1
    return rng.choice((2, 2, 2, 3, 4))
