"""The shop context a plugin receives: its shop, its settings, and data accessors that honour the
permissions the owner granted.

This is a contract and an audit trail, not a sandbox: plugin code runs in the host's process and
could import anything. What the context guarantees is that the host never hands a plugin data it
was not granted, and that every denied access and every write is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from shopwright.host import plugintypes, serialize
from shopwright.host.models import AuditEntry, Customer, Event, GeneratedContent, Order, Product, Review, Shop

if TYPE_CHECKING:  # for annotations only: the app's state imports this module
    from shopwright.host.db import Database
    from shopwright.host.inference.backend import EmbeddingBackend, TextBackend
    from shopwright.host.plugincache import ShopCacheView
    from shopwright.host.state import AppState

Row = TypeVar("Row")
audit_log = logging.getLogger("shopwright.audit")


class PermissionDenied(PermissionError):
    """The plugin asked for data outside the scopes the owner granted."""


@dataclass(frozen=True)
class ShopInfo:
    id: int
    slug: str
    name: str
    currency: str


class ShopContext:
    """What a hook, widget, admin page or job of one plugin gets for one shop (`ctx`)."""

    def __init__(self, state: AppState, shop: ShopInfo, plugin: str, granted: Iterable[str],
                 settings: dict[str, Any]):
        self._state = state
        self._db = state.db
        self.shop: ShopInfo = shop
        self.plugin: str = plugin
        self.granted: frozenset[str] = frozenset(granted)
        #: The plugin's validated settings for this shop, defaults filled in.
        self.settings: dict[str, Any] = settings
        self.log: logging.Logger = logging.getLogger(f"shopwright.plugin.{plugin}")
        #: What this plugin keeps for this shop between calls (`host.plugincache.ShopCacheView`);
        #: emptied by the host when the owner enables, disables or reconfigures the plugin.
        self.cache: ShopCacheView = state.plugin_cache.view(plugin, shop.id)

    # -- catalogue -----------------------------------------------------------------------
    def products(self, ids: list[int] | None = None, category: str | None = None,
                 limit: int | None = None) -> list[plugintypes.Product]:
        self.require("read:catalog")
        query = select(Product).where(Product.shop_id == self.shop.id).options(selectinload(Product.variants))
        if ids is not None:
            query = query.where(Product.id.in_(ids))
        if category is not None:
            query = query.where(Product.category == category)
        return self._rows(query.order_by(Product.id).limit(limit), serialize.product_dict)

    def product(self, product_id: int) -> plugintypes.Product | None:
        found = self.products(ids=[product_id])
        return found[0] if found else None

    def reviews(self, product_id: int | None = None, limit: int | None = None) -> list[plugintypes.Review]:
        self.require("read:reviews")
        query = select(Review).where(Review.shop_id == self.shop.id)
        if product_id is not None:
            query = query.where(Review.product_id == product_id)
        return self._rows(query.order_by(Review.id).limit(limit), serialize.review_dict)

    # -- orders and people ---------------------------------------------------------------
    def orders(self, since: datetime | None = None, limit: int | None = None) -> list[plugintypes.Order]:
        """Orders with lines; the customer appears only as `customer_id` (no PII)."""
        self.require("read:orders")
        query = select(Order).where(Order.shop_id == self.shop.id).options(selectinload(Order.lines))
        if since is not None:
            query = query.where(Order.placed_at >= since)
        return self._rows(query.order_by(Order.placed_at, Order.id).limit(limit), serialize.order_dict)

    def customers(self, ids: list[int] | None = None, limit: int | None = None) -> list[plugintypes.Customer]:
        """Customer records with PII; needs `read:customers`."""
        self.require("read:customers")
        query = select(Customer).where(Customer.shop_id == self.shop.id)
        if ids is not None:
            query = query.where(Customer.id.in_(ids))
        audit_log.info("plugin %s read customers of shop %s", self.plugin, self.shop.slug)
        return self._rows(query.order_by(Customer.id).limit(limit), serialize.customer_dict)

    def events(self, types: list[str] | None = None, since: datetime | None = None,
               limit: int | None = None) -> list[plugintypes.Event]:
        self.require("read:events")
        query = select(Event).where(Event.shop_id == self.shop.id)
        if types:
            query = query.where(Event.type.in_(types))
        if since is not None:
            query = query.where(Event.occurred_at >= since)
        return self._rows(query.order_by(Event.occurred_at, Event.id).limit(limit), serialize.event_dict)

    # -- writing -------------------------------------------------------------------------
    def save_draft(self, kind: str, content: dict[str, Any], product_id: int | None = None,
                   meta: dict[str, Any] | None = None) -> int:
        """Store generated content as a draft for a person to review; never published here."""
        self.require("write:content")
        with self._db.session() as session:
            if product_id is not None and not _owned(session, Product, self.shop.id, product_id):
                raise PermissionDenied(f"product {product_id} is not in shop {self.shop.slug}")
            draft = GeneratedContent(shop_id=self.shop.id, plugin=self.plugin, kind=kind, product_id=product_id,
                                     status="draft", content=content, meta=meta or {})
            session.add(draft)
            session.flush()
            session.add(AuditEntry(shop_id=self.shop.id, content_id=draft.id, actor=f"plugin:{self.plugin}",
                                   action="drafted", details={"kind": kind}))
            return draft.id

    def queue_job(self, name: str, params: dict[str, Any] | None = None) -> int:
        """Queue one of this plugin's job types (registered as `name`) for this shop."""
        return self._state.jobs.enqueue(self.shop.id, f"{self.plugin}.{name}", params or {},
                                        created_by=f"plugin:{self.plugin}")

    # -- models --------------------------------------------------------------------------
    def text_model(self) -> TextBackend:
        """The shop's text model, a `shopwright.host.inference.TextBackend`: ``.generate([GenerationRequest,
        ...])`` (one Generation each, batched with other callers), ``.complete(prompt, **options)``,
        ``.name`` (embedded, hf_folder, openai or fake) and ``.model``. Tokens count against the
        shop's daily cap. Raises `shopwright.host.inference.InferenceError`: `QuotaExceeded`, `Overloaded`
        (also `GenerationTimeout`), `BackendUnavailable`."""
        return self._state.inference.text_model(self.shop.id, plugin=self.plugin)

    def embedder(self) -> EmbeddingBackend:
        """The sentence embedder, a `shopwright.host.inference.EmbeddingBackend`: ``.embed(texts)`` gives a
        float32 array of unit rows (``.dim`` wide); not counted against the token cap."""
        return self._state.inference.embedder(self.shop.id)

    # -- permissions ---------------------------------------------------------------------
    def can(self, scope: str) -> bool:
        return scope in self.granted

    def require(self, scope: str) -> None:
        if scope in self.granted:
            return
        self._record_denied(scope)
        raise PermissionDenied(f"plugin {self.plugin} was not granted {scope} for shop {self.shop.slug}")

    def _record_denied(self, scope: str) -> None:
        audit_log.warning("plugin %s denied %s for shop %s", self.plugin, scope, self.shop.slug)
        with self._db.session() as session:
            session.add(AuditEntry(shop_id=self.shop.id, actor=f"plugin:{self.plugin}", action="denied",
                                   details={"scope": scope}))

    def _rows(self, query: Select[Any], to_dict: Callable[[Any], Row]) -> list[Row]:
        with self._db.session() as session:
            return [to_dict(row) for row in session.scalars(query)]


def _owned(session: Session, model: type[Product], shop_id: int, row_id: int) -> list[Product]:
    return list(session.scalars(select(model).where(model.shop_id == shop_id, model.id == row_id)))


def shop_info(db: Database, shop_id: int) -> ShopInfo:
    with db.session() as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise LookupError(f"no shop with id {shop_id}")
        return ShopInfo(id=shop.id, slug=shop.slug, name=shop.name, currency=shop.currency)
