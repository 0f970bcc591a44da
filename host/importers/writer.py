"""Writing validated records: upsert by key within one shop (events are appended).

Runs inside the caller's single transaction; it flushes every `FLUSH_EVERY` records to keep
memory flat, but nothing is committed until the whole import has been written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from shopwright.host.importers.references import Lookup
from shopwright.host.importers.report import Progress
from shopwright.host.importers.schemas import KEYS
from shopwright.host.models import Customer, Event, Order, OrderLine, Product, Review, Variant, utcnow

FLUSH_EVERY = 500
PRODUCT_FIELDS = ("title", "vendor", "category", "tags", "attributes", "images", "status")
VARIANT_FIELDS = ("title", "options", "price", "compare_at_price", "inventory_qty", "grams")
CUSTOMER_FIELDS = ("first_name", "last_name", "phone", "address1", "city", "region", "postal_code", "country",
                   "accepts_marketing", "created_at")
ORDER_FIELDS = ("placed_at", "currency", "status")
REVIEW_FIELDS = ("author_name", "rating", "title", "body", "verified_purchase", "created_at")


@dataclass
class Written:
    created: list[Any] = field(default_factory=list)
    updated: list[Any] = field(default_factory=list)


def write(session, shop_id: int, kind: str, items: list[dict], lookup: Lookup, progress: Progress) -> Written:
    if kind == "events":
        return append_events(session, shop_id, items, lookup, progress)
    written = Written()
    upsert = UPSERTS[kind]
    for done, item in enumerate(items, 1):
        row = lookup.existing.get(item[KEYS[kind]])
        is_new = row is None
        row = upsert(session, shop_id, item, row, lookup)
        (written.created if is_new else written.updated).append(row)
        if done % FLUSH_EVERY == 0:
            session.flush()
        progress.step(1, done)
    session.flush()  # ids for the hooks, and constraint errors surface here, inside the transaction
    return written


def assign(row: Any, item: dict, names: tuple[str, ...]) -> None:
    """Copy the fields the record gives; fields it leaves out keep their stored values."""
    for name in names:
        if name in item:
            setattr(row, name, item[name])


def upsert_product(session, shop_id: int, item: dict, product: Product | None, lookup: Lookup) -> Product:
    if product is None:
        product = Product(shop_id=shop_id, handle=item["handle"])
        session.add(product)
    assign(product, item, PRODUCT_FIELDS)
    if item.get("description_html"):  # given copy is hand-written; an empty one keeps what is there
        product.description_html = item["description_html"]
        product.description_source = "human"
    replace_variants(product, shop_id, item["variants"])
    return product


def replace_variants(product: Product, shop_id: int, variants: list[dict]) -> None:
    """Update variants by sku, add new ones; those the record no longer lists are deleted."""
    current = {variant.sku: variant for variant in product.variants}
    kept = []
    for position, data in enumerate(variants):
        variant = current.get(data["sku"]) or Variant(shop_id=shop_id, sku=data["sku"])
        variant.position = position
        assign(variant, data, VARIANT_FIELDS)
        kept.append(variant)
    product.variants = kept


def upsert_customer(session, shop_id: int, item: dict, customer: Customer | None, lookup: Lookup) -> Customer:
    if customer is None:
        customer = Customer(shop_id=shop_id, email=item["email"])
        session.add(customer)
    assign(customer, item, CUSTOMER_FIELDS)
    return customer


def upsert_order(session, shop_id: int, item: dict, order: Order | None, lookup: Lookup) -> Order:
    if order is None:
        order = Order(shop_id=shop_id, number=item["number"], currency=lookup.currency)
        session.add(order)
    assign(order, item, ORDER_FIELDS)
    order.customer_id = lookup.customers[item["customer_email"]].id
    order.lines = [order_line(shop_id, line, lookup.variants[line["sku"]]) for line in item["lines"]]
    order.total = sum((line.unit_price * line.quantity for line in order.lines), Decimal("0"))
    return order


def order_line(shop_id: int, line: dict, variant: Variant) -> OrderLine:
    return OrderLine(shop_id=shop_id, sku=line["sku"], quantity=line["quantity"],
                     unit_price=line.get("unit_price", variant.price),
                     variant_id=variant.id, product_id=variant.product_id)


def upsert_review(session, shop_id: int, item: dict, review: Review | None, lookup: Lookup) -> Review:
    if review is None:
        review = Review(shop_id=shop_id, external_id=item["external_id"])
        session.add(review)
    assign(review, item, REVIEW_FIELDS)
    review.product_id = lookup.products[item["product_handle"]].id
    email = item.get("customer_email")
    review.customer_id = lookup.customers[email].id if email else None
    return review


def append_events(session, shop_id: int, items: list[dict], lookup: Lookup, progress: Progress) -> Written:
    """Events are history, not entities: appended in bulk (one INSERT per chunk), never upserted."""
    for start in range(0, len(items), FLUSH_EVERY):
        chunk = items[start:start + FLUSH_EVERY]
        session.execute(insert(Event), [event_row(shop_id, item, lookup) for item in chunk])
        progress.step(1, start + len(chunk))
    return Written(created=[None] * len(items))


def event_row(shop_id: int, item: dict, lookup: Lookup) -> dict[str, Any]:
    product = lookup.products.get(item.get("product_handle") or "")
    customer = lookup.customers.get(item.get("customer_email") or "")
    return {"shop_id": shop_id, "type": item["type"], "product_id": product.id if product else None,
            "customer_id": customer.id if customer else None, "session_id": item.get("session_id", ""),
            "widget": item.get("widget"), "data": item.get("data", {}),
            "occurred_at": item.get("occurred_at") or utcnow()}  # every row the same keys: one batch


UPSERTS = {"products": upsert_product, "customers": upsert_customer, "orders": upsert_order, "reviews": upsert_review}
