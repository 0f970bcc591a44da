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

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from shopwright.host.models import EVENT_TYPES, MAX_INT, Customer, Order, Product, Review, Variant

HANDLE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_MONEY = Decimal("9999999999.99")  # Numeric(12, 2)
#: What `str.strip()` drops, as one explicit class, so the API's JSON Schema pattern for keys
#: (`host.api.schemas`) means exactly what this module strips: no regex engine's `\s` differs.
SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


#: An image link: http(s), a host, then only characters a URL may hold (no spaces, quotes or
#: angle brackets). The API documents the same pattern, so what it lets through, imports.
IMAGE_URL = (r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?"
             r"([/?#][A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*)?$")


def image_url(value: str) -> None:
    if re.fullmatch(IMAGE_URL, value) is None:
        raise ValidationError("must be an http or https URL")


def normal_key(value: str, *, email: bool = False) -> str:
    """A key as stored and looked up: trimmed, and lower-cased for emails.

    The importer's fields and the API's "exists already" check both use it, so a key sent with
    spaces around it can neither slip past the check nor overwrite another record.
    """
    value = value.strip()
    return value.lower() if email else value


def has_nul(value) -> bool:
    """Whether a value, or any text nested in it (keys too), holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False


def fits(model, column: str) -> validate.Length:
    """The column's own length limit, so the schema and the table cannot disagree."""
    return validate.Length(max=model.__table__.c[column].type.length)


class WholeNumber(fields.Integer):
    """An integer, or text of one; never a bool and never a fraction silently cut off."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
            # Past 20 digits it is out of range anyway, and int() refuses 4,300 digits or more.
            value = int(value) if len(value.strip().lstrip("+-").lstrip("0")) <= 20 else MAX_INT + 1
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("must be a whole number")
        if not -MAX_INT <= value <= MAX_INT:
            raise ValidationError(f"must be between {-MAX_INT} and {MAX_INT}")
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
            value = normal_key(value, email=True)
        return super()._deserialize(value, attr, data, **kwargs)


class Key(fields.String):
    """A record's identifying text (sku, order number, ...): surrounding spaces dropped."""

    def _deserialize(self, value, attr, data, **kwargs):
        return normal_key(super()._deserialize(value, attr, data, **kwargs))


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

    @pre_load
    def refuse_nul(self, data, **kwargs):
        # NUL is not text: PostgreSQL refuses it, and C-based tools cut strings short at it.
        if isinstance(data, dict):  # nested records (variants, lines) check their own fields, more precisely
            bad = {name: ["must not contain NUL characters"] for name, value in data.items()
                   if not self._holds_records(name) and has_nul(value)}
            if bad:
                raise ValidationError(bad)
        return data

    def _holds_records(self, name: str) -> bool:
        field = self.fields.get(name)
        return isinstance(field, fields.List) and isinstance(field.inner, fields.Nested)


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
    images = fields.List(fields.String(validate=image_url))
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
