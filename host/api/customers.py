"""/customers: shoppers. Everything but id, created_at and accepts_marketing is PII, shown only
to keys holding read:customers; a key that may only write gets the PII-free reference back."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select

from shopwright.host.api import schemas as s
from shopwright.host.api.auth import current_key
from shopwright.host.api.errors import ApiError
from shopwright.host.api.pagination import page, paged
from shopwright.host.api.records import as_list, create
from shopwright.host.api.routing import api, json_body, operation
from shopwright.host.models import Customer
from shopwright.host.serialize import customer_dict
from shopwright.host.state import current_state

TAG = "customers"


def customer_ref(c: Customer) -> dict[str, Any]:
    return {"id": c.id, "accepts_marketing": c.accepts_marketing, "created_at": customer_dict(c)["created_at"]}


@api.get("/customers")
@operation("List customers", tag=TAG, scope="read:customers", query=s.PageQuery, responses={200: s.CustomerPage})
def list_customers(query: dict[str, Any]):
    base = select(Customer).where(Customer.shop_id == current_key().shop_id)
    with current_state().db.session() as session:
        return jsonify(page(list(session.scalars(paged(base, Customer.id, query))), query, customer_dict))


@api.get("/customers/<int:customer_id>")
@operation("Get a customer", tag=TAG, scope="read:customers", responses={200: s.CustomerOut, 404: "no such customer"})
def get_customer(customer_id: int):
    with current_state().db.session() as session:
        customer = session.scalar(
            select(Customer).where(Customer.shop_id == current_key().shop_id, Customer.id == customer_id))
        if customer is None:
            raise ApiError(404, "no such customer")
        return jsonify(customer_dict(customer))


@api.post("/customers")
@operation("Create customers (one object or a list)", tag=TAG, scope="write:customers", body=s.CustomerIn, many=True,
           responses={201: (s.CustomerOut, s.CustomerRef, s.CustomerOutList, s.CustomerList),
                      409: "an email exists already; nothing was written", 422: "validation failed"})
def create_customers(body: Any):
    """The answer carries PII only when the key also holds read:customers (else `CustomerRef`)."""
    key = current_key()
    records, single = as_list(json_body())
    emails = [record["email"] for record in records]
    serialize = customer_dict if "read:customers" in key.scopes else customer_ref
    return create(key.shop_id, "customers", select(Customer), Customer.email, emails, records, single,
                  serialize, "a customer with email")
