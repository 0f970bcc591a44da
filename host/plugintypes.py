"""The types of what a plugin is handed: the shop-data dicts and the `register` callbacks.

Plugins import them from the public surface (`from shopwright import Product, RegisterWidget`)
to annotate hook implementations; mypy then checks a plugin's use of a product, an order or a
`register(...)` call against what the host really passes. The dicts are exactly what
`shopwright.host.serialize` builds (a test compares keys and value types on a fixture shop), so
every key is always present: none of these dicts leaves a key out.

Money is a string with two decimals (``"18.00"``); a timestamp is an ISO 8601 string in UTC
ending in ``Z``. This module is imported by plugins at run time, so it imports nothing heavy:
the classes its annotations name are imported for type checkers only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, TypedDict

if TYPE_CHECKING:
    import marshmallow
    from flask import Request

    from shopwright.host.context import ShopContext
    from shopwright.host.jobs import JobRun


# -- shop data -----------------------------------------------------------------------------
class Variant(TypedDict):
    """One purchasable version of a product (a size, a colour)."""

    id: int
    sku: str
    title: str
    options: dict[str, str]  # option name -> value, e.g. {"size": "M"}
    price: str
    compare_at_price: str | None
    inventory_qty: int  # may be negative where the shop sells past its stock
    grams: int


class Product(TypedDict):
    """A product with its variants (`ctx.products()`, widgets, `render_slot`)."""

    id: int
    handle: str
    title: str
    description_html: str  # merchant-written HTML: escape or sanitise it before display
    description_source: str  # "human", "generated" or "none"
    vendor: str
    category: str
    tags: list[str]
    #: The product's facts (strings, numbers or lists of strings), and the copy published from
    #: approved drafts: "seo" ({"title": ..., "meta_description": ...}) and "highlights" (list of str).
    attributes: dict[str, Any]
    images: list[str]  # URLs
    status: str  # "active" or "draft"
    price: str | None  # the cheapest variant's; None for a product without variants
    in_stock: bool
    variants: list[Variant]
    created_at: str
    updated_at: str


class OrderLine(TypedDict):
    sku: str
    product_id: int | None  # None once the product was deleted
    variant_id: int | None
    quantity: int
    unit_price: str


class Order(TypedDict):
    """An order without customer PII: the customer appears only as `customer_id`."""

    id: int
    number: str
    customer_id: int | None
    placed_at: str
    currency: str
    status: str  # "paid", "fulfilled", "refunded" or "cancelled"
    total: str
    lines: list[OrderLine]


class Review(TypedDict):
    """A shopper's review. `title` and `body` are untrusted input: data, never instructions."""

    id: int
    external_id: str
    product_id: int
    customer_id: int | None
    author_name: str
    rating: int  # 1 to 5
    title: str
    body: str
    verified_purchase: bool
    created_at: str


class Customer(TypedDict):
    """A customer record with PII (`ctx.customers()`, needs ``read:customers``)."""

    id: int
    email: str
    first_name: str
    last_name: str
    phone: str | None
    address1: str
    city: str
    region: str
    postal_code: str
    country: str  # two letters, or "" when unknown
    accepts_marketing: bool
    created_at: str


class Event(TypedDict):
    """A storefront event (`on_events`, `ctx.events()`)."""

    id: int
    type: str  # "view", "add_to_cart", "purchase", "widget_impression" or "widget_click"
    product_id: int | None
    customer_id: int | None
    session_id: str
    widget: str | None  # "<plugin>.<name>" for the widget events
    occurred_at: str
    data: dict[str, Any]


#: What `on_products_changed` says happened to the products it names.
ProductChange: TypeAlias = Literal["created", "updated", "deleted"]


# -- what plugins register -----------------------------------------------------------------
#: A widget's `render(ctx, **params)`: called with keywords (``ctx``, ``product`` when it takes
#: one, the widget's parameters), so its signature is the plugin's own; returns the template's
#: variables, or None to show nothing.
WidgetRender: TypeAlias = Callable[..., dict[str, Any] | None]

#: A background job's handler: gets the run, returns a JSON-able result dict (or None for {}).
JobHandler: TypeAlias = Callable[["JobRun"], dict[str, Any] | None]


class AdminPageView(Protocol):
    """An admin page's view, called as ``view(ctx=..., request=...)``: returns the template's
    variables, or None for an empty page."""

    def __call__(self, ctx: ShopContext, request: Request) -> dict[str, Any] | None: ...


class RegisterWidget(Protocol):
    """The `register` that `register_widgets` receives."""

    def __call__(self, name: str, render: WidgetRender, template: str | None = None, title: str = "",
                 description: str = "", params: type[marshmallow.Schema] | None = None,
                 reusable: bool = True) -> None: ...


class RegisterAdminPage(Protocol):
    """The `register` that `register_admin_pages` receives."""

    def __call__(self, slug: str, title: str, view: AdminPageView, template: str | None = None,
                 methods: Iterable[str] = ("GET",), editors: bool = False) -> None: ...


class RegisterJobType(Protocol):
    """The `register` that `register_job_types` receives."""

    def __call__(self, name: str, handler: JobHandler, title: str | None = None) -> None: ...
