"""The shop store: every table Shopwright keeps, each row owned by exactly one shop.

Every table except `shops` carries `shop_id`; every query the host makes filters on it, which is
what keeps shops apart on one server (see `host.db.scoped`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

MAX_INT = 2**31 - 1  # Integer columns (ids too) are 32-bit on PostgreSQL: the largest storable


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, hands back aware UTC: SQLite keeps no time zone of its own."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


Money = Numeric(12, 2, asdecimal=True)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list: JSON}


class ShopOwned:
    """Mixin for rows that belong to a shop."""

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)


class Shop(Base):
    __tablename__ = "shops"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    theme: Mapped[str] = mapped_column(String(64), default="default")
    allowed_origins: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdminUser(ShopOwned, Base):
    __tablename__ = "admin_users"
    __table_args__ = (UniqueConstraint("shop_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="editor")  # owner | editor
    # Part of every admin session cookie; bumped on sign-out, so a copied cookie dies with it.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(default=None)
    # Failed sign-ins on this account before the last successful one ({"failures", "addresses",
    # "first_at", "last_at"}), shown on the dashboard until dismissed; None: nothing to tell.
    sign_in_notice: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class SignInFailure(ShopOwned, Base):
    """Failed sign-ins on one account from one client address (IPv4, or an IPv6 /64) since its last
    successful sign-in: what the dashboard's notice counts. One row per address (not per attempt),
    so a flood of guesses cannot grow the table past the number of addresses it comes from."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (UniqueConstraint("admin_user_id", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    admin_user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)  # wrong passwords
    refused: Mapped[int] = mapped_column(default=0, server_default="0")  # turned away unchecked: over a limit
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)


class Product(ShopOwned, Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("shop_id", "handle"), Index("ix_products_shop_category", "shop_id", "category"))
    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    description_html: Mapped[str] = mapped_column(Text, default="")
    # "human" (hand-written: never overwritten unless the owner says so), "generated", "none"
    description_source: Mapped[str] = mapped_column(String(16), default="none")
    vendor: Mapped[str] = mapped_column(String(255), default="")
    category: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    images: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )


class Variant(ShopOwned, Base):
    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("shop_id", "sku"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    sku: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(255), default="")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    price: Mapped[Decimal] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money, default=None)
    inventory_qty: Mapped[int] = mapped_column(default=0)
    grams: Mapped[int] = mapped_column(default=0)
    product: Mapped[Product] = relationship(back_populates="variants")


class Customer(ShopOwned, Base):
    """A shopper. Everything but id, created_at and accepts_marketing is PII."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("shop_id", "email"),)
    PII_FIELDS = ("email", "first_name", "last_name", "phone", "address1", "city", "region", "postal_code")
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    address1: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    accepts_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(ShopOwned, Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "number"), Index("ix_orders_shop_placed", "shop_id", "placed_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(String(16), default="paid")
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    customer: Mapped[Customer | None] = relationship()


class OrderLine(ShopOwned, Base):
    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id", ondelete="SET NULL"))
    sku: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    order: Mapped[Order] = relationship(back_populates="lines")


class Review(ShopOwned, Base):
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("shop_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(100), default="")
    rating: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    verified_purchase: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


EVENT_TYPES = ("view", "add_to_cart", "purchase", "widget_impression", "widget_click")


class Event(ShopOwned, Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_shop_type_time", "shop_id", "type", "occurred_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    session_id: Mapped[str] = mapped_column(String(128), default="")
    widget: Mapped[str | None] = mapped_column(String(128), default=None)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IdempotencyKey(ShopOwned, Base):
    """A batch already accepted: a retry with the same key gets the first answer, not a recount."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("shop_id", "scope", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GeneratedContent(ShopOwned, Base):
    """A plugin's output (draft copy, summary) waiting for, or past, a person's review."""

    __tablename__ = "generated_content"
    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|approved|rejected|published
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # backend, model, prompt version, checks
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    audit: Mapped[list[AuditEntry]] = relationship(
        back_populates="content", cascade="all, delete-orphan", order_by="AuditEntry.id"
    )


class AuditEntry(ShopOwned, Base):
    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int | None] = mapped_column(ForeignKey("generated_content.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(254))  # "plugin:<name>", "user:<email>", "api:<key name>"
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    content: Mapped[GeneratedContent | None] = relationship(back_populates="audit")


class PluginState(ShopOwned, Base):
    __tablename__ = "plugin_states"
    __table_args__ = (UniqueConstraint("shop_id", "plugin"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default="disabled")  # enabled|disabled|quarantined
    granted: Mapped[list] = mapped_column(JSON, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    failure_count: Mapped[int] = mapped_column(default=0)  # all failures, for the admin
    consecutive_failures: Mapped[int] = mapped_column(default=0)  # drives quarantine
    last_error: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why quarantined
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiKey(ShopOwned, Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # public part, to find the row
    key_hash: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written behind the requests, at most once a minute per server process (host.api.keyusage).
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str] = mapped_column(String(254), default="", server_default="")  # "user:...", "api:...", "cli"


JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")


class Job(ShopOwned, Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status", "status", "run_after"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    interrupted: Mapped[int] = mapped_column(default=0)  # times a crash cut it short
    worker: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class ModelSettings(ShopOwned, Base):
    """A shop's choice of text model and its daily token cap (see `shopwright.host.inference.settings`)."""

    __tablename__ = "model_settings"
    __table_args__ = (UniqueConstraint("shop_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ModelUsage(ShopOwned, Base):
    """Text generated for a shop on one UTC day: what its daily token cap is checked against."""

    __tablename__ = "model_usage"
    __table_args__ = (UniqueConstraint("shop_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    requests: Mapped[int] = mapped_column(default=0)
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
