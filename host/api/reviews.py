"""/products/<id>/reviews: genuine shopper reviews. Only people and shops send reviews here; no
plugin writes text shown as a review (16 CFR 465), and the text is stored exactly as sent."""

from __future__ import annotations

import uuid
from typing import Any

from flask import jsonify
from sqlalchemy import select

from shopwright.host.api import schemas as s
from shopwright.host.api.auth import current_key
from shopwright.host.api.errors import ApiError
from shopwright.host.api.pagination import page, paged
from shopwright.host.api.records import as_list, create
from shopwright.host.api.routing import api, json_body, operation
from shopwright.host.models import Product, Review
from shopwright.host.serialize import review_dict
from shopwright.host.state import current_state

TAG = "reviews"


def _product_handle(shop_id: int, product_id: int) -> str:
    with current_state().db.session() as session:
        handle = session.scalar(select(Product.handle).where(Product.shop_id == shop_id, Product.id == product_id))
    if handle is None:
        raise ApiError(404, "no such product")
    return handle


@api.get("/products/<int:product_id>/reviews")
@operation("List a product's reviews", tag=TAG, scope="read:reviews", query=s.PageQuery,
           responses={200: s.ReviewPage, 404: "no such product"})
def list_reviews(product_id: int, query: dict[str, Any]):
    shop_id = current_key().shop_id
    _product_handle(shop_id, product_id)
    base = select(Review).where(Review.shop_id == shop_id, Review.product_id == product_id)
    with current_state().db.session() as session:
        return jsonify(page(list(session.scalars(paged(base, Review.id, query))), query, review_dict))


@api.post("/products/<int:product_id>/reviews")
@operation("Add reviews of a product (one object or a list)", tag=TAG, scope="write:reviews", body=s.ReviewIn,
           many=True, responses={201: (s.ReviewOut, s.ReviewList), 404: "no such product",
                                 409: "an external_id exists already; nothing was written", 422: "validation failed"})
def create_reviews(product_id: int, body: Any):
    shop_id = current_key().shop_id
    handle = _product_handle(shop_id, product_id)
    records, single = as_list(json_body())
    for record in records:
        record.setdefault("external_id", f"api-{uuid.uuid4().hex}")
        record["product_handle"] = handle
    ids = [record["external_id"] for record in records]
    return create(shop_id, "reviews", select(Review), Review.external_id, ids, records, single,
                  review_dict, "a review with external_id")
