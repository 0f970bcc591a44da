"""Shops as the storefront and the embed endpoints see them, looked up by slug and kept briefly.

Every storefront and widget request starts by finding its shop; reading the row each time would
cost more than rendering a fragment. Entries live a few seconds, so an owner's change of theme or
allowed origins reaches every server process almost at once without any cross-process signal.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from shopwright.host.context import ShopInfo
from shopwright.host.models import Shop

TTL_S = 5.0


@dataclass(frozen=True)
class PublicShop:
    info: ShopInfo
    theme: str
    allowed_origins: tuple[str, ...]

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def slug(self) -> str:
        return self.info.slug

    @property
    def name(self) -> str:
        return self.info.name

    def allows_origin(self, origin: str) -> bool:
        return origin.rstrip("/") in self.allowed_origins


class ShopCache:
    def __init__(self, db, ttl: float = TTL_S):
        self.db = db
        self.ttl = ttl
        self._entries: dict[str, tuple[float, PublicShop | None]] = {}
        self._lock = threading.Lock()

    def by_slug(self, slug: str) -> PublicShop | None:
        now = time.monotonic()
        entry = self._entries.get(slug)
        if entry is not None and entry[0] > now:
            return entry[1]
        shop = self._load(slug)
        with self._lock:
            if len(self._entries) > 10_000:  # unknown slugs from crawlers must not grow it forever
                self._entries.clear()
            self._entries[slug] = (now + self.ttl, shop)
        return shop

    def forget(self, slug: str) -> None:
        """Drop a shop after this process changed it, so its own next request sees the change."""
        with self._lock:
            self._entries.pop(slug, None)

    def _load(self, slug: str) -> PublicShop | None:
        with self.db.session() as session:
            shop = session.scalar(select(Shop).where(Shop.slug == slug))
            if shop is None:
                return None
            info = ShopInfo(id=shop.id, slug=shop.slug, name=shop.name, currency=shop.currency)
            origins = tuple(o.rstrip("/") for o in shop.allowed_origins or ())
            return PublicShop(info=info, theme=shop.theme or "default", allowed_origins=origins)
