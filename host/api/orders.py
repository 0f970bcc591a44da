"""/orders: orders without customer PII (the customer is an id)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shopwright.host.api import schemas as s
from shopwright.host.api.auth import current_key
from shopwright.host.api.errors import ApiError
from shopwright.host.api.pagination import page, paged
from shopwright.host.api.records import as_list, create
from shopwright.host.api.routing import api, json_body, operation
from shopwright.host.models import Order
from shopwright.host.serialize import order_dict
from shopwright.host.state import current_state

TAG = "orders"


def _orders():
    return select(Order).options(selectinload(Order.lines))


@api.get("/orders")
@operation("List orders", tag=TAG, scope="read:orders", query=s.PageQuery, responses={200: s.OrderPage})
def list_orders(query: dict[str, Any]):
    base = _orders().where(Order.shop_id == current_key().shop_id)
    with current_state().db.session() as session:
        return jsonify(page(list(session.scalars(paged(base, Order.id, query))), query, order_dict))


@api.get("/orders/<int:order_id>")
@operation("Get an order", tag=TAG, scope="read:orders", responses={200: s.OrderOut, 404: "no such order"})
def get_order(order_id: int):
    with current_state().db.session() as session:
        order = session.scalar(_orders().where(Order.shop_id == current_key().shop_id, Order.id == order_id))
        if order is None:
            raise ApiError(404, "no such order")
        return jsonify(order_dict(order))


@api.post("/orders")
@operation("Record orders (one object or a list)", tag=TAG, scope="write:orders", body=s.OrderIn, many=True,
           responses={201: (s.OrderOut, s.OrderList), 409: "an order number exists already; nothing was written",
                      422: "validation failed"})
def create_orders(body: Any):
    records, single = as_list(json_body())
    numbers = [record["number"] for record in records]
    return create(current_key().shop_id, "orders", _orders(), Order.number, numbers, records, single,
                  order_dict, "an order numbered")
