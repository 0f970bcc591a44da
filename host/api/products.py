"""/products: the catalogue. Reads are the hottest API path: one SELECT per page (plus one for
variants via selectinload), a cached key check, no writes, the hand-written serializer."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shopwright.host.api import schemas as s
from shopwright.host.api.auth import current_key
from shopwright.host.api.errors import ApiError
from shopwright.host.api.fastread import PRODUCTS, fetch_one, fetch_products, product_select
from shopwright.host.api.pagination import page, paged
from shopwright.host.api.records import as_list, create
from shopwright.host.api.routing import api, json_body, operation
from shopwright.host.models import Product, Variant
from shopwright.host.serialize import product_dict
from shopwright.host.state import current_state

TAG = "products"
SIMPLE_FIELDS = ("handle", "title", "description_html", "vendor", "category", "tags", "attributes", "images", "status")
PUT_DEFAULTS: dict[str, Any] = {"description_html": "", "vendor": "", "category": "", "tags": [],
                                "attributes": {}, "images": [], "status": "active", "variants": []}
VARIANT_FIELDS = ("title", "options", "price", "compare_at_price", "inventory_qty", "grams")


def _products_any():
    return select(Product).options(selectinload(Product.variants))


def _products(shop_id: int):
    return _products_any().where(Product.shop_id == shop_id)


def _one(session, shop_id: int, **where) -> Product:
    query = _products(shop_id).filter_by(**where)
    product = session.scalars(query).first()
    if product is None:
        raise ApiError(404, "no such product")
    return product


@api.get("/products")
@operation("List products", tag=TAG, scope="read:catalog", query=s.ProductQuery, responses={200: s.ProductPage})
def list_products(query: dict[str, Any]):
    select_ = product_select(current_key().shop_id)
    for name in ("category", "status"):
        if query.get(name):
            select_ = select_.where(PRODUCTS.c[name] == query[name])
    if query.get("q"):
        select_ = select_.where(PRODUCTS.c.title.icontains(query["q"], autoescape=True))
    rows = fetch_products(current_state().db.engine, paged(select_, PRODUCTS.c.id, query))
    return jsonify(page(rows, query, product_dict))


@api.get("/products/<int:product_id>")
@operation("Get a product by id", tag=TAG, scope="read:catalog", responses={200: s.ProductOut, 404: "no such product"})
def get_product(product_id: int):
    return jsonify(product_dict(_read_one("id", product_id)))


@api.get("/products/by-handle/<handle>")
@operation("Get a product by handle", tag=TAG, scope="read:catalog",
           responses={200: s.ProductOut, 404: "no such product"})
def get_product_by_handle(handle: str):
    return jsonify(product_dict(_read_one("handle", handle)))


def _read_one(by: str, value):
    found = fetch_one(current_state().db.engine, current_key().shop_id, by, value)
    if found is None:
        raise ApiError(404, "no such product")
    return found


@api.post("/products")
@operation("Create products (one object or a list)", tag=TAG, scope="write:catalog", body=s.ProductIn, many=True,
           responses={201: (s.ProductOut, s.ProductList), 409: "a handle exists already; nothing was written",
                      422: "validation failed"})
def create_products(body: Any):
    """A list body answers `{"items": [...]}`; a single object answers the product."""
    records, single = as_list(json_body())
    handles = [record["handle"] for record in records]
    return create(current_key().shop_id, "products", _products_any(), Product.handle, handles, records, single,
                  product_dict, "a product with handle")


@api.put("/products/<int:product_id>")
@operation("Replace a product", tag=TAG, scope="write:catalog", body=s.ProductIn,
           responses={200: s.ProductOut, 404: "no such product", 409: "handle or SKU taken", 422: "validation failed"})
def replace_product(product_id: int, body: dict[str, Any]):
    """Fields left out return to their defaults; `variants` replaces the variant list."""
    return _update(product_id, {**PUT_DEFAULTS, **body})


@api.patch("/products/<int:product_id>")
@operation("Update some fields of a product", tag=TAG, scope="write:catalog", body=s.ProductIn, partial=True,
           responses={200: s.ProductOut, 404: "no such product", 409: "handle or SKU taken", 422: "validation failed"})
def patch_product(product_id: int, body: dict[str, Any]):
    return _update(product_id, body)


@api.delete("/products/<int:product_id>")
@operation("Delete a product", tag=TAG, scope="write:catalog", responses={204: "deleted", 404: "no such product"})
def delete_product(product_id: int):
    shop_id = current_key().shop_id
    with current_state().db.session() as session:
        session.delete(_one(session, shop_id, id=product_id))
    current_state().dispatcher.call("on_products_changed", shop_id, product_ids=[product_id], change="deleted")
    return "", 204


def _update(product_id: int, data: dict[str, Any]):
    shop_id = current_key().shop_id
    try:
        with current_state().db.session() as session:
            product = _one(session, shop_id, id=product_id)
            _check_handle_free(session, product, data.get("handle"))
            _apply(product, data)
            session.flush()
            result = product_dict(product)
    except IntegrityError as exc:
        raise ApiError(409, "a variant SKU is used by another product of this shop") from exc
    current_state().dispatcher.call("on_products_changed", shop_id, product_ids=[product_id], change="updated")
    return jsonify(result)


def _check_handle_free(session, product: Product, handle: str | None) -> None:
    if handle is None or handle == product.handle:
        return
    taken = session.scalar(select(Product.id).where(Product.shop_id == product.shop_id, Product.handle == handle))
    if taken is not None:
        raise ApiError(409, f"a product with handle {handle!r} exists already", fields={"handle": ["exists already"]})


def _apply(product: Product, data: dict[str, Any]) -> None:
    for name in SIMPLE_FIELDS:
        if name in data:
            setattr(product, name, data[name])
    if "description_html" in data:
        product.description_source = "human"  # written by a person through the API
    if "variants" in data:
        _replace_variants(product, data["variants"])


def _replace_variants(product: Product, variants: list[dict[str, Any]]) -> None:
    """Keep variants whose SKU is sent again (their ids stay), add new ones, drop the rest."""
    existing = {v.sku: v for v in product.variants}
    kept = []
    for position, data in enumerate(variants):
        variant = existing.get(data["sku"]) or Variant(shop_id=product.shop_id, sku=data["sku"], price=data["price"])
        for name in VARIANT_FIELDS:
            if name in data:
                setattr(variant, name, data[name])
        variant.position = position
        kept.append(variant)
    product.variants = kept
