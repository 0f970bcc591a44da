"""Rows to plain dicts, shared by the REST API and the plugin context.

Hand-written rather than marshmallow `dump` because these run on the hottest paths (product
API, widgets); `host.api.schemas` documents the same shapes and a test checks they agree. The
dicts plugins receive are typed in `host.plugintypes`, and tests/test_plugintypes.py checks them
against what these functions return.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, overload

from shopwright.host import plugintypes
from shopwright.host.models import Customer, Event, GeneratedContent, Job, Order, Product, Review, Variant


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@overload
def money(value: Decimal) -> str: ...
@overload
def money(value: None) -> None: ...
def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# Products and variants come as ORM rows or as the fast-read path's namespaces
# (`host.api.fastread`), which carry the same attributes.
def variant_dict(v: Variant | SimpleNamespace) -> plugintypes.Variant:
    return {
        "id": v.id,
        "sku": v.sku,
        "title": v.title,
        "options": v.options or {},
        "price": money(v.price),
        "compare_at_price": money(v.compare_at_price),
        "inventory_qty": v.inventory_qty,
        "grams": v.grams,
    }


def product_dict(p: Product | SimpleNamespace) -> plugintypes.Product:
    variants = [variant_dict(v) for v in p.variants]
    prices = [v.price for v in p.variants]
    return {
        "id": p.id,
        "handle": p.handle,
        "title": p.title,
        "description_html": p.description_html,
        "description_source": p.description_source,
        "vendor": p.vendor,
        "category": p.category,
        "tags": p.tags or [],
        "attributes": p.attributes or {},
        "images": p.images or [],
        "status": p.status,
        "price": money(min(prices)) if prices else None,
        "in_stock": any(v.inventory_qty > 0 for v in p.variants),
        "variants": variants,
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
    }


def customer_dict(c: Customer) -> plugintypes.Customer:
    return {
        "id": c.id,
        "email": c.email,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "phone": c.phone,
        "address1": c.address1,
        "city": c.city,
        "region": c.region,
        "postal_code": c.postal_code,
        "country": c.country,
        "accepts_marketing": c.accepts_marketing,
        "created_at": iso(c.created_at),
    }


def order_dict(o: Order) -> plugintypes.Order:
    """An order without customer PII: the customer appears only as an id."""
    return {
        "id": o.id,
        "number": o.number,
        "customer_id": o.customer_id,
        "placed_at": iso(o.placed_at),
        "currency": o.currency,
        "status": o.status,
        "total": money(o.total),
        "lines": [
            {
                "sku": line.sku,
                "product_id": line.product_id,
                "variant_id": line.variant_id,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price),
            }
            for line in o.lines
        ],
    }


def review_dict(r: Review) -> plugintypes.Review:
    return {
        "id": r.id,
        "external_id": r.external_id,
        "product_id": r.product_id,
        "customer_id": r.customer_id,
        "author_name": r.author_name,
        "rating": r.rating,
        "title": r.title,
        "body": r.body,
        "verified_purchase": r.verified_purchase,
        "created_at": iso(r.created_at),
    }


def event_dict(e: Event) -> plugintypes.Event:
    return {
        "id": e.id,
        "type": e.type,
        "product_id": e.product_id,
        "customer_id": e.customer_id,
        "session_id": e.session_id,
        "widget": e.widget,
        "occurred_at": iso(e.occurred_at),
        "data": e.data or {},
    }


#: Job parameters never shown (API, admin, CLI): where the server keeps an upload.
PRIVATE_PARAMS = {"host.import": ("upload", "path")}


def job_params(j: Job) -> dict[str, Any]:
    """A job's parameters as people and clients see them."""
    hidden = PRIVATE_PARAMS.get(j.type, ())
    return {key: value for key, value in (j.params or {}).items() if key not in hidden}


def job_dict(j: Job) -> dict[str, Any]:
    return {
        "id": j.id,
        "type": j.type,
        "params": job_params(j),
        "status": j.status,
        "progress": round(j.progress, 4),
        "message": j.message,
        "result": j.result or {},
        "error": j.error,
        "attempts": j.attempts,
        "max_attempts": j.max_attempts,
        "interrupted": j.interrupted,
        "cancel_requested": j.cancel_requested,
        "created_at": iso(j.created_at),
        "started_at": iso(j.started_at),
        "finished_at": iso(j.finished_at),
    }


def content_dict(c: GeneratedContent) -> dict[str, Any]:
    return {
        "id": c.id,
        "plugin": c.plugin,
        "kind": c.kind,
        "product_id": c.product_id,
        "status": c.status,
        "content": c.content or {},
        "meta": c.meta or {},
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    }
