"""Resolving what records refer to (handles, skus, emails) within one shop, and what they replace.

Every lookup filters on the shop, so a handle or email of another shop never matches: imports
into one shop can neither read nor touch another's rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shopwright.host.importers.records import Record
from shopwright.host.importers.report import KeyTaken, RowError
from shopwright.host.importers.schemas import KEYS
from shopwright.host.models import Customer, Order, Product, Review, Shop, Variant

CHUNK = 500  # values per IN (...) list; SQLite allows a limited number of parameters


@dataclass
class Lookup:
    existing: dict[str, Any] = field(default_factory=dict)  # this kind's stored rows by key
    products: dict[str, Product] = field(default_factory=dict)  # referenced products by handle
    customers: dict[str, Customer] = field(default_factory=dict)  # referenced customers by email
    variants: dict[str, Variant] = field(default_factory=dict)  # referenced variants by sku
    currency: str = "USD"  # the shop's, for orders that name none


def fetch(session, model, column: str, shop_id: int, values: Iterable[str], *options) -> dict[str, Any]:
    """Rows of this shop whose `column` is one of `values`, keyed by that column."""
    wanted = sorted(set(values))
    found: dict[str, Any] = {}
    attribute = getattr(model, column)
    for start in range(0, len(wanted), CHUNK):
        query = select(model).where(model.shop_id == shop_id, attribute.in_(wanted[start:start + CHUNK]))
        found.update((getattr(row, column), row) for row in session.scalars(query.options(*options)))
    return found


def resolve(session, shop_id: int, kind: str, records: list[Record], items: list[dict],
            create_only: bool = False) -> tuple[Lookup, list[RowError]]:
    """What the records refer to and replace, and every problem with that. `create_only`
    refuses records whose key is stored already; run in the write's transaction, this lookup
    sees every row committed before it, and the unique constraints catch any committed after."""
    lookup = Lookup()
    if kind in KEYS:
        key = KEYS[kind]
        lookup.existing = fetch(session, MODELS[kind], key, shop_id, (item[key] for item in items), *LOADED[kind])
    errors = CHECKS[kind](session, shop_id, records, items, lookup)
    if create_only and kind in KEYS:
        errors = refuse_existing(records, items, KEYS[kind], lookup.existing) + errors
    return lookup, errors


def refuse_existing(records: list[Record], items: list[dict], key: str, existing: dict) -> list[KeyTaken]:
    """A `KeyTaken` for each record whose key is among the `existing` rows' keys."""
    return [KeyTaken(*record.locate([key]), item[key])
            for record, item in zip(records, items, strict=True) if item[key] in existing]


def taken_keys(session, shop_id: int, kind: str, records: list[Record], items: list[dict]) -> list[KeyTaken]:
    """A `KeyTaken` for each record whose key the shop holds now (after a concurrent insert)."""
    if kind not in KEYS:
        return []
    key = KEYS[kind]
    existing = fetch(session, MODELS[kind], key, shop_id, (item[key] for item in items))
    return refuse_existing(records, items, key, existing)


def check_products(session, shop_id, records, items, lookup) -> list[RowError]:
    """A sku may stay with its product or be new; taking one from another product is refused
    (it would silently empty that product's variant list)."""
    claims = {variant["sku"]: (record, index, item["handle"])
              for record, item in zip(records, items, strict=True) for index, variant in enumerate(item["variants"])}
    errors = []
    for sku, variant in fetch(session, Variant, "sku", shop_id, claims, selectinload(Variant.product)).items():
        record, index, handle = claims[sku]
        if variant.product.handle != handle:
            errors.append(RowError(*record.locate(["variants", index, "sku"]),
                                   f"sku {sku!r} belongs to another product in this shop, {variant.product.handle!r}"))
    return errors


def check_customers(session, shop_id, records, items, lookup) -> list[RowError]:
    return []


def check_orders(session, shop_id, records, items, lookup) -> list[RowError]:
    lookup.currency = session.get(Shop, shop_id).currency
    lookup.customers = fetch(session, Customer, "email", shop_id, (item["customer_email"] for item in items))
    lookup.variants = fetch(session, Variant, "sku", shop_id, (line["sku"] for item in items for line in item["lines"]))
    errors = missing(records, items, "customer_email", lookup.customers, "no customer with this email in the shop")
    for record, item in zip(records, items, strict=True):
        for index, line in enumerate(item["lines"]):
            if line["sku"] not in lookup.variants:
                message = f"no variant with sku {line['sku']!r} in the shop"
                errors.append(RowError(*record.locate(["lines", index, "sku"]), message))
    return errors


def check_reviews(session, shop_id, records, items, lookup) -> list[RowError]:
    return check_product_and_customer(session, shop_id, records, items, lookup)


def check_events(session, shop_id, records, items, lookup) -> list[RowError]:
    return check_product_and_customer(session, shop_id, records, items, lookup)


def check_product_and_customer(session, shop_id, records, items, lookup) -> list[RowError]:
    """Reviews and events name a product by handle and, optionally, a customer by email."""
    handles = (item["product_handle"] for item in items if item.get("product_handle"))
    emails = (item["customer_email"] for item in items if item.get("customer_email"))
    lookup.products = fetch(session, Product, "handle", shop_id, handles)
    lookup.customers = fetch(session, Customer, "email", shop_id, emails)
    return (missing(records, items, "product_handle", lookup.products, "no product with this handle in the shop")
            + missing(records, items, "customer_email", lookup.customers, "no customer with this email in the shop"))


def missing(records, items, field_name: str, found: dict, message: str) -> list[RowError]:
    pairs = zip(records, items, strict=True)
    return [RowError(*record.locate([field_name]), message)
            for record, item in pairs if item.get(field_name) and item[field_name] not in found]


MODELS = {"products": Product, "customers": Customer, "orders": Order, "reviews": Review}
LOADED = {"products": (selectinload(Product.variants),), "orders": (selectinload(Order.lines),),
          "customers": (), "reviews": ()}
CHECKS = {"products": check_products, "customers": check_customers, "orders": check_orders,
          "reviews": check_reviews, "events": check_events}
