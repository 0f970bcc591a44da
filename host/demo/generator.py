"""Seeded generator for Shopwright's demo shop, in the JSON import format the host's importers read.

``generate_shop(seed)`` returns products, customers, orders, reviews and events as plain,
JSON-serialisable dicts; the same seed (and ``now``) always gives the same shop. Each part draws
from its own random stream, so changing how reviews are written leaves the orders untouched.
``write_files`` writes one JSON array per part, ready for the importers or ``shopwright`` CLI.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path

from shopwright.host.demo.catalogue import build_catalogue
from shopwright.host.demo.catalogue_data import CATEGORIES
from shopwright.host.demo.events import build_events
from shopwright.host.demo.orders import ProductPicker, build_orders
from shopwright.host.demo.people import build_customers
from shopwright.host.demo.reviews import build_reviews
from shopwright.host.demo.timeline import Timeline

PARTS = ("products", "customers", "orders", "reviews", "events")


def generate_shop(seed: int = 7, *, products: int = 160, customers: int = 1200, months: int = 18,
                  now: datetime | None = None) -> dict:
    """Build a whole demo shop; ``now`` defaults to 2026-11-30T00:00:00Z so output is reproducible."""
    timeline = Timeline.ending_at(now, months)
    catalogue, product_profiles = build_catalogue(_stream(seed, "catalogue"), products)
    people, customer_profiles = build_customers(_stream(seed, "customers"), customers, timeline,
                                                list(CATEGORIES))
    picker = ProductPicker(product_profiles)
    orders = build_orders(_stream(seed, "orders"), customer_profiles, picker, timeline)
    return {
        "products": catalogue,
        "customers": people,
        "orders": [order.as_import() for order in orders],
        "reviews": build_reviews(_stream(seed, "reviews"), orders, customer_profiles, product_profiles,
                                 timeline),
        "events": build_events(_stream(seed, "events"), orders, customer_profiles, picker, timeline),
    }


def write_files(shop: dict, folder: Path) -> dict[str, Path]:
    """Write ``<part>.json`` (a JSON array) for each part of ``shop`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for part in PARTS:
        path = folder / f"{part}.json"
        path.write_text(json.dumps(shop[part], ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths[part] = path
    return paths


def _stream(seed: int, part: str) -> random.Random:
    # String seeds hash with SHA-512 inside random, so streams are stable across runs and hosts.
    return random.Random(f"shopwright-demo:{seed}:{part}")
