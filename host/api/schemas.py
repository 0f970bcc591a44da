"""marshmallow schemas: what the API accepts (`*In`, `*Query`) and what it returns (`*Out`).

The same classes validate requests and generate the OpenAPI document. Responses are built by the
fast hand-written serializers in `shopwright.host.serialize`; the `*Out` schemas describe those dicts, and a
test validates real responses against them so the documentation cannot drift from the code.
Every schema raises on unknown fields (marshmallow's default), which is what the API wants.
"""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from shopwright.host.importers.schemas import IMAGE_URL, MAX_INT, SPACE, attribute_values
from shopwright.host.models import EVENT_TYPES, JOB_STATES
from shopwright.host.pluginmeta import PERMISSIONS

# These mirror the import format (shopwright.host.importers.schemas), which validates every API write again.
PRODUCT_STATUSES = ("active", "draft")
ORDER_STATUSES = ("paid", "fulfilled", "refunded", "cancelled")
MONEY = r"^-?\d+\.\d{2}$"
MONEY_IN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"  # what Numeric(12, 2) holds, as text: no float rounding
NO_NUL = r"^[^\x00]*$"  # NUL is not text: PostgreSQL refuses it in text columns
# A key: no NUL, and something besides the spaces the importer trims off.
KEY = rf"^[^\x00]*[^\x00{SPACE}][^\x00]*$"
CURSOR = r"^[0-9]{1,18}$"
MAX_PAGE = 200
MAX_BATCH = 500


class Pattern(validate.Regexp):
    """A regex the whole value must match, in a dialect that means the same to JSON Schema
    validators (ECMA 262): no `\\d`/`\\s`, and `$` may not match before a final newline."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


IMAGE = Pattern(IMAGE_URL, error="must be an http or https URL")
HANDLE = Pattern(r"^[a-z0-9][a-z0-9_-]*$", error="must be lowercase letters, digits, dashes and underscores")


class MoneyIn(fields.String):
    """An amount as text ("19.99"): JSON numbers are binary floats, and prices must be exact."""

    default_error_messages = {"invalid": 'must be an amount as a string, such as "19.99" (a JSON number could '
                                         'round: 0.1 + 0.2 is 0.30000000000000004)'}

    def __init__(self, **kw):
        metadata = {"pattern": MONEY_IN, "example": "19.99", **kw.pop("metadata", {})}
        super().__init__(metadata=metadata, **kw)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        text = super()._deserialize(value, attr, data, **kwargs)
        if re.fullmatch(MONEY_IN, text) is None:
            raise ValidationError("must be an amount such as \"19.99\": digits, at most two decimals")
        return Decimal(text)


def _int(minimum: int = 0, maximum: int = MAX_INT, **kw) -> fields.Integer:
    """A JSON integer within what the database's Integer columns hold (no OverflowError, no 500)."""
    return fields.Integer(strict=True, validate=validate.Range(minimum, maximum), **kw)


class Text(fields.String):
    """Text without NUL characters, which the document states as a `pattern`."""

    def __init__(self, **kw):
        validators = kw.pop("validate", [])
        validators = validators if isinstance(validators, list) else [validators]
        if not any(isinstance(v, validate.Regexp) for v in validators):  # one pattern per property
            validators.append(Pattern(NO_NUL, error="must not contain NUL characters"))
        super().__init__(validate=validators, **kw)


def _key(max_len: int, **kw) -> Text:
    return Text(validate=[validate.Length(1, max_len), Pattern(KEY, error="must not be blank or hold NUL")], **kw)


def _text(max_len: int, min_len: int = 0, **kw) -> Text:
    return Text(validate=validate.Length(min_len, max_len), **kw)


# -- queries -------------------------------------------------------------------------------
class PageQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_INT))
    cursor = fields.String(validate=Pattern(CURSOR, error="not a cursor this API gave out"),
                           metadata={"description": "next_cursor of the previous page (ignores offset)"})


class ProductQuery(PageQuery):
    category = _text(255)
    status = fields.String(validate=validate.OneOf(PRODUCT_STATUSES))
    q = _text(255, metadata={"description": "title contains (case-insensitive)"})


class JobQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_INT))
    status = fields.String(validate=validate.OneOf(JOB_STATES))


class ImportQuery(Schema):
    filename = _text(255, metadata={"description": "name of a raw-body upload; its extension picks the format"})
    background = fields.Boolean(load_default=False, metadata={"description": "queue a job instead of waiting"})


# -- request bodies ------------------------------------------------------------------------
class VariantIn(Schema):
    sku = _text(128, 1, required=True)
    title = _text(255)
    options = fields.Dict(keys=fields.String(), values=Text())
    price = MoneyIn(required=True)
    compare_at_price = MoneyIn(allow_none=True)
    inventory_qty = _int(-MAX_INT)
    grams = _int()


class ProductIn(Schema):
    handle = fields.String(required=True, validate=[validate.Length(1, 255), HANDLE])
    title = _text(255, 1, required=True)
    description_html = Text()
    vendor = _text(255)
    category = _text(255)
    tags = fields.List(_text(100))
    attributes = fields.Dict(keys=fields.String(), validate=attribute_values, metadata={"additionalProperties": {
        "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "array", "items": {"type": "string"}}]}})
    images = fields.List(fields.String(validate=[validate.Length(max=2000), IMAGE]))
    status = fields.String(validate=validate.OneOf(PRODUCT_STATUSES))
    variants = fields.List(fields.Nested(VariantIn), required=True, validate=validate.Length(min=1))


class CustomerIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    first_name = _text(100)
    last_name = _text(100)
    phone = _text(40, allow_none=True)
    address1 = _text(255)
    city = _text(100)
    region = _text(100)
    postal_code = _text(20)
    country = fields.String(validate=Pattern(r"^([A-Za-z]{2})?$", error="must be a two-letter country code"))
    accepts_marketing = fields.Boolean()
    created_at = fields.AwareDateTime(default_timezone=None)


class OrderLineIn(Schema):
    sku = _text(128, 1, required=True)
    quantity = _int(1, required=True)
    unit_price = MoneyIn(metadata={"description": "left out: the variant's current price"})


class OrderIn(Schema):
    number = _key(64, required=True)
    customer_email = fields.Email(required=True, metadata={"description": "a customer of this shop"})
    placed_at = fields.AwareDateTime(default_timezone=None)
    currency = fields.String(validate=Pattern(r"^[A-Za-z]{3}$", error="must be a three-letter currency code"))
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    lines = fields.List(fields.Nested(OrderLineIn), required=True, validate=validate.Length(min=1))


class ReviewIn(Schema):
    external_id = _key(128, metadata={"description": "your id for the review; generated when left out"})
    customer_email = fields.Email(allow_none=True)
    author_name = _text(100)
    rating = _int(1, 5, required=True)
    title = _text(255)
    body = Text()
    verified_purchase = fields.Boolean()
    created_at = fields.AwareDateTime(default_timezone=None)


class EventIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    product_id = _int(allow_none=True)
    customer_id = _int(allow_none=True)
    session_id = _text(128)
    widget = _text(128, allow_none=True)
    occurred_at = fields.AwareDateTime(default_timezone=None)
    data = fields.Dict(keys=fields.String())


class EventBatchIn(Schema):
    events = fields.List(fields.Nested(EventIn), required=True, validate=validate.Length(1, MAX_BATCH))


class EnableIn(Schema):
    grant = fields.List(fields.String(validate=validate.OneOf(sorted(PERMISSIONS))), load_default=None,
                        metadata={"description": "permissions to grant; all the plugin asks for when left out"})


class SettingsIn(Schema):
    """Documented as a free-form object: each plugin's own schema validates it."""

    class Meta:
        unknown = "include"


class JobIn(Schema):
    type = _text(100, 1, required=True)
    params = fields.Dict(keys=fields.String(), load_default=dict)
    max_attempts = _int(1, 10)


# -- responses -----------------------------------------------------------------------------
def _money_out(description: str = "an amount with two decimals", **kw) -> fields.String:
    metadata = {"example": "19.99", "description": description}
    return fields.String(validate=validate.Regexp(MONEY), metadata=metadata, **kw)


class VariantOut(Schema):
    id = fields.Integer(required=True)
    sku = fields.String(required=True)
    title = fields.String()
    options = fields.Dict()
    price = _money_out(allow_none=True)
    compare_at_price = _money_out(allow_none=True)
    inventory_qty = fields.Integer()
    grams = fields.Integer()


class ProductOut(Schema):
    id = fields.Integer(required=True)
    handle = fields.String(required=True)
    title = fields.String(required=True)
    description_html = fields.String(metadata={"description": "untrusted HTML: escape or sanitise before display"})
    description_source = fields.String(validate=validate.OneOf(("human", "generated", "none")))
    vendor = fields.String()
    category = fields.String()
    tags = fields.List(fields.String())
    attributes = fields.Dict(metadata={"description": (
        "the product's facts (strings, numbers, lists of strings), plus the copy published from approved drafts: "
        "seo ({title, meta_description}: for <title> and <meta name=description>) and highlights (a list of "
        "short strings)")})
    images = fields.List(fields.String())
    status = fields.String()
    price = _money_out("lowest variant price", allow_none=True)
    in_stock = fields.Boolean()
    variants = fields.List(fields.Nested(VariantOut))
    created_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


class PageOut(Schema):
    limit = fields.Integer()
    offset = fields.Integer()
    next_cursor = fields.String(allow_none=True, validate=Pattern(CURSOR),
                                metadata={"description": "send as ?cursor= for the next page; null on the last"})


class ProductPage(PageOut):
    items = fields.List(fields.Nested(ProductOut), required=True)


class ProductList(Schema):
    items = fields.List(fields.Nested(ProductOut), required=True)


class CustomerOut(Schema):
    id = fields.Integer(required=True)
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    phone = fields.String(allow_none=True)
    address1 = fields.String()
    city = fields.String()
    region = fields.String()
    postal_code = fields.String()
    country = fields.String()
    accepts_marketing = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)


class CustomerRef(Schema):
    """A customer as shown to a key without read:customers: no PII."""

    id = fields.Integer(required=True)
    accepts_marketing = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)


class CustomerPage(PageOut):
    items = fields.List(fields.Nested(CustomerOut), required=True)


class CustomerList(Schema):
    """Created customers, as a key without read:customers sees them."""

    items = fields.List(fields.Nested(CustomerRef), required=True)


class CustomerOutList(Schema):
    """Created customers."""

    items = fields.List(fields.Nested(CustomerOut), required=True)


class OrderLineOut(Schema):
    sku = fields.String()
    product_id = fields.Integer(allow_none=True)
    variant_id = fields.Integer(allow_none=True)
    quantity = fields.Integer()
    unit_price = _money_out(allow_none=True)


class OrderOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    customer_id = fields.Integer(allow_none=True)
    placed_at = fields.DateTime(allow_none=True)
    currency = fields.String()
    status = fields.String()
    total = _money_out(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineOut))


class OrderPage(PageOut):
    items = fields.List(fields.Nested(OrderOut), required=True)


class OrderList(Schema):
    items = fields.List(fields.Nested(OrderOut), required=True)


class ReviewOut(Schema):
    id = fields.Integer(required=True)
    external_id = fields.String()
    product_id = fields.Integer()
    customer_id = fields.Integer(allow_none=True)
    author_name = fields.String()
    rating = fields.Integer(validate=validate.Range(1, 5))
    title = fields.String()
    body = fields.String(metadata={"description": "untrusted shopper text"})
    verified_purchase = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)


class ReviewPage(PageOut):
    items = fields.List(fields.Nested(ReviewOut), required=True)


class ReviewList(Schema):
    items = fields.List(fields.Nested(ReviewOut), required=True)


class EventBatchOut(Schema):
    accepted = fields.Integer(required=True)


class JobOut(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True)
    params = fields.Dict()
    status = fields.String(validate=validate.OneOf(JOB_STATES))
    progress = fields.Float()
    message = fields.String()
    result = fields.Dict()
    error = fields.String()
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    interrupted = fields.Integer()
    cancel_requested = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class JobPage(Schema):
    items = fields.List(fields.Nested(JobOut), required=True)
    limit = fields.Integer()
    offset = fields.Integer()
    more = fields.Boolean(metadata={"description": "whether a next page (offset + limit) exists"})


class PluginOut(Schema):
    name = fields.String(required=True)
    version = fields.String(allow_none=True)
    description = fields.String()
    source = fields.String()
    requires_host = fields.String()
    permissions = fields.List(fields.String())
    granted = fields.List(fields.String())
    state = fields.String(validate=validate.OneOf(("installed", "enabled", "disabled", "quarantined", "incompatible")))
    incompatible_reason = fields.String()
    quarantine_reason = fields.String()
    failure_count = fields.Integer()
    last_error = fields.String()
    hooks = fields.List(fields.String())


class PluginList(Schema):
    items = fields.List(fields.Nested(PluginOut), required=True)


class SettingsFieldOut(Schema):
    name = fields.String(required=True)
    type = fields.String()
    required = fields.Boolean()
    default = fields.Raw(allow_none=True)
    choices = fields.List(fields.Raw(), allow_none=True)
    secret = fields.Boolean()
    help = fields.String()
    label = fields.String()


class PluginSettingsOut(Schema):
    values = fields.Dict(required=True, metadata={"description": "secrets appear only as set (••••••••) or ''"})
    fields_ = fields.List(fields.Nested(SettingsFieldOut), data_key="fields", attribute="fields", required=True)


class ImportReportOut(Schema):
    report = fields.Dict(required=True, metadata={"description": "counts and row-level errors"})


class JobAccepted(Schema):
    job = fields.Nested(JobOut, required=True)


class ErrorBody(Schema):
    status = fields.Integer(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", metadata={"description": "messages per field"})
    scope = fields.String(metadata={"description": "the scope a 403 is about"})
    report = fields.Dict(metadata={"description": "the import report of a rejected import"})
    known = fields.List(fields.String(), metadata={"description": "the values a 422 would have accepted"})


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody, required=True)
