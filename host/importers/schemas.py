"""Marshmallow schemas for each import kind: the one place that says what a valid record is.

Fields are lenient about representation (CSV cells arrive as text, so "12", "true" and "a, b"
are read as a number, a boolean and a list) and strict about meaning (no 5.5 items, no negative
prices, no `javascript:` image links, no fields the format does not define).
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from host.models import EVENT_TYPES, Customer, Order, Product, Review, Variant

HANDLE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_MONEY = Decimal("9999999999.99")  # Numeric(12, 2)


def fits(model, column: str) -> validate.Length:
    """The column's own length limit, so the schema and the table cannot disagree."""
    return validate.Length(max=model.__table__.c[column].type.length)


class WholeNumber(fields.Integer):
    """An integer, or text of one; never a bool and never a fraction silently cut off."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("must be a whole number")
        return value


class Money(fields.Decimal):
    """A price: a decimal ≥ 0 with at most two places, given as text or a number."""

    def __init__(self, **kwargs):
        super().__init__(validate=[validate.Range(min=0, error="must not be negative"),
                                   validate.Range(max=MAX_MONEY, error="must be at most {max}")], **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("must be a price such as 49.00")
        amount = super()._deserialize(value, attr, data, **kwargs)
        if amount.as_tuple().exponent < -2:
            raise ValidationError("must have at most two decimal places")
        return amount


class TextList(fields.List):
    """A list of strings; text is split on commas (how CSV cells hold lists)."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


class JsonObject(fields.Dict):
    """An object, or text holding one in JSON (how a CSV cell carries event data)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValidationError(f"must be a JSON object ({exc})") from exc
        return super()._deserialize(value, attr, data, **kwargs)


class EmailAddress(fields.Email):
    """Stored trimmed and lower-cased: shops match customers by email, whatever the casing."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip().lower()
        return super()._deserialize(value, attr, data, **kwargs)


class Key(fields.String):
    """A record's identifying text (sku, order number, ...): surrounding spaces dropped."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Code(fields.String):
    """A country or currency code, stored upper-case."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()


def moment(**kwargs) -> fields.AwareDateTime:
    """An ISO 8601 date-time; one without a zone is taken as UTC."""
    return fields.AwareDateTime(format="iso", default_timezone=UTC, **kwargs)


def attribute_values(attributes: dict) -> None:
    for name, value in attributes.items():
        is_text_list = isinstance(value, list) and all(isinstance(item, str) for item in value)
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (isinstance(value, str) or is_number or is_text_list):
            raise ValidationError(f"attribute {name!r} must be text, a number or a list of text")


class ImportSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "unknown field: the import format has no such field"}


class VariantSchema(ImportSchema):
    sku = Key(required=True, validate=[validate.Length(min=1), fits(Variant, "sku")])
    title = fields.String(validate=fits(Variant, "title"))
    options = fields.Dict(keys=fields.String(), values=fields.String())
    price = Money(required=True)
    compare_at_price = Money(allow_none=True)
    inventory_qty = WholeNumber()
    grams = WholeNumber(validate=validate.Range(min=0))


class ProductSchema(ImportSchema):
    handle = Key(required=True, validate=[fits(Product, "handle"), validate.Regexp(
        HANDLE, error="must be lowercase letters, digits, dashes and underscores")])
    title = fields.String(required=True, validate=[validate.Length(min=1), fits(Product, "title")])
    description_html = fields.String()
    vendor = fields.String(validate=fits(Product, "vendor"))
    category = fields.String(validate=fits(Product, "category"))
    tags = TextList()
    attributes = fields.Dict(keys=fields.String(), validate=attribute_values)
    images = fields.List(fields.Url(schemes={"http", "https"}, require_tld=False,
                                    error_messages={"invalid": "must be an http or https URL"}))
    status = fields.String(validate=validate.OneOf(("active", "draft")))
    variants = fields.List(fields.Nested(VariantSchema), required=True,
                           validate=validate.Length(min=1, error="a product needs at least one variant"))


class CustomerSchema(ImportSchema):
    email = EmailAddress(required=True, validate=fits(Customer, "email"))
    first_name = fields.String(validate=fits(Customer, "first_name"))
    last_name = fields.String(validate=fits(Customer, "last_name"))
    phone = fields.String(allow_none=True, validate=fits(Customer, "phone"))
    address1 = fields.String(validate=fits(Customer, "address1"))
    city = fields.String(validate=fits(Customer, "city"))
    region = fields.String(validate=fits(Customer, "region"))
    postal_code = fields.String(validate=fits(Customer, "postal_code"))
    country = Code(validate=validate.Regexp(r"^([A-Za-z]{2})?$", error="must be a two-letter country code"))
    accepts_marketing = fields.Boolean()
    created_at = moment()


class OrderLineSchema(ImportSchema):
    sku = Key(required=True, validate=[validate.Length(min=1), fits(Variant, "sku")])
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, error="must be at least 1"))
    unit_price = Money()  # left out: the variant's current price


class OrderSchema(ImportSchema):
    number = Key(required=True, validate=[validate.Length(min=1), fits(Order, "number")])
    customer_email = EmailAddress(required=True)
    placed_at = moment()
    currency = Code(validate=validate.Regexp(r"^[A-Za-z]{3}$", error="must be a three-letter currency code"))
    status = fields.String(validate=validate.OneOf(("paid", "fulfilled", "refunded", "cancelled")))
    lines = fields.List(fields.Nested(OrderLineSchema), required=True,
                        validate=validate.Length(min=1, error="an order needs at least one line"))


class ReviewSchema(ImportSchema):
    external_id = Key(required=True, validate=[validate.Length(min=1), fits(Review, "external_id")])
    product_handle = Key(required=True)
    customer_email = EmailAddress(allow_none=True)
    author_name = fields.String(validate=fits(Review, "author_name"))
    rating = WholeNumber(required=True, validate=validate.Range(min=1, max=5, error="must be from 1 to 5"))
    title = fields.String(validate=fits(Review, "title"))
    body = fields.String()
    verified_purchase = fields.Boolean()
    created_at = moment()


class EventSchema(ImportSchema):
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    product_handle = Key(allow_none=True)
    customer_email = EmailAddress(allow_none=True)
    session_id = fields.String(validate=validate.Length(max=128))
    occurred_at = moment()
    widget = fields.String(allow_none=True, validate=validate.Length(max=128))
    data = JsonObject(keys=fields.String())


SCHEMAS: dict[str, type[ImportSchema]] = {
    "products": ProductSchema,
    "customers": CustomerSchema,
    "orders": OrderSchema,
    "reviews": ReviewSchema,
    "events": EventSchema,
}

#: The field that identifies a record within a shop (events have none: they are appended).
KEYS = {"products": "handle", "customers": "email", "orders": "number", "reviews": "external_id"}
