"""The storefront's reads: categories, listings, search and review summaries, on SQLAlchemy Core.

Only `active` products are ever shown. Every statement is parameterised (search words included)
and each page costs a fixed number of statements whatever its size: products, then their
variants in one more (`fetch_products`), never one per product.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import String, and_, bindparam, case, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from shopwright.host.api.fastread import PRODUCTS, fetch_products, product_select
from shopwright.host.models import Review

REVIEWS = Review.__table__
ACTIVE = PRODUCTS.c.status == "active"
FEATURED_TAGS = ("featured", "staff pick")
MAX_SEARCH_WORDS = 6
CATEGORY_TTL_S = 5.0


@dataclass(frozen=True)
class Category:
    name: str
    slug: str
    count: int  # active products in it


@dataclass(frozen=True)
class ReviewSummary:
    count: int
    average: float | None  # None when there are no reviews
    recent: list[SimpleNamespace]


def slugify(text: str) -> str:
    """`Home & Kitchen` → `home-and-kitchen`; the category's address in the storefront."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and")).strip("-")


def active_products(shop_id: int):
    return product_select(shop_id).where(ACTIVE)


# -- categories ---------------------------------------------------------------------------
def load_categories(engine, shop_id: int) -> list[Category]:
    """Every non-empty category of active products, by name, with its product count."""
    query = (select(PRODUCTS.c.category, func.count())
             .where(PRODUCTS.c.shop_id == shop_id, ACTIVE, PRODUCTS.c.category != "")
             .group_by(PRODUCTS.c.category).order_by(PRODUCTS.c.category))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [Category(name, slugify(name), count) for name, count in rows if slugify(name)]


class CategoryCache:
    """Categories per shop, kept a few seconds: every page's navigation needs them, and they
    change only when the catalogue does (the same trade as `host.shopcache`)."""

    def __init__(self, engine, ttl: float = CATEGORY_TTL_S):
        self.engine = engine
        self.ttl = ttl
        self._entries: dict[int, tuple[float, list[Category]]] = {}
        self._lock = threading.Lock()

    def of(self, shop_id: int) -> list[Category]:
        now = time.monotonic()
        entry = self._entries.get(shop_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        categories = load_categories(self.engine, shop_id)
        with self._lock:
            self._entries[shop_id] = (now + self.ttl, categories)
        return categories

    def forget(self, shop_id: int) -> None:
        with self._lock:
            self._entries.pop(shop_id, None)


def find_category(categories: list[Category], slug: str) -> Category | None:
    return next((c for c in categories if c.slug == slug), None)


# -- listings -----------------------------------------------------------------------------
def in_category(engine, shop_id: int, name: str, offset: int, limit: int) -> list[SimpleNamespace]:
    query = (active_products(shop_id).where(PRODUCTS.c.category == name)
             .order_by(PRODUCTS.c.title, PRODUCTS.c.id).offset(offset).limit(limit))
    return fetch_products(engine, query)


def newest(engine, shop_id: int, limit: int) -> list[SimpleNamespace]:
    query = active_products(shop_id).order_by(PRODUCTS.c.created_at.desc(), PRODUCTS.c.id.desc()).limit(limit)
    return fetch_products(engine, query)


def featured(engine, shop_id: int, limit: int) -> list[SimpleNamespace]:
    """Products the shop tagged `featured` (or `staff pick`), newest first."""
    tags = cast(PRODUCTS.c.tags, String)
    # Tags are stored as a JSON list, so the quoted tag matches a whole tag, not part of one.
    wanted = or_(*(tags.like(f'%"{tag}"%') for tag in FEATURED_TAGS))
    query = active_products(shop_id).where(wanted).order_by(PRODUCTS.c.created_at.desc(), PRODUCTS.c.id.desc())
    return fetch_products(engine, query.limit(limit))


# -- search -------------------------------------------------------------------------------
def search_words(query: str) -> list[str]:
    return query.split()[:MAX_SEARCH_WORDS]


def _like_pattern(word: str) -> str:
    """The word as a LIKE pattern that matches it literally: % and _ in it are not wildcards."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(word: str) -> ColumnElement[bool]:
    pattern = _like_pattern(word)
    fields = (PRODUCTS.c.title, PRODUCTS.c.vendor, PRODUCTS.c.category,
              cast(PRODUCTS.c.tags, String), PRODUCTS.c.description_html)
    return or_(*(field.ilike(pattern, escape="\\") for field in fields))


def search_condition(words: list[str]) -> ColumnElement[bool]:
    """Every word must appear in at least one searched field."""
    return and_(*(_matches(word) for word in words))


def count_matches(engine, shop_id: int, words: list[str]) -> int:
    query = select(func.count()).select_from(PRODUCTS).where(
        PRODUCTS.c.shop_id == shop_id, ACTIVE, search_condition(words))
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def search(engine, shop_id: int, words: list[str], offset: int, limit: int) -> list[SimpleNamespace]:
    """Matching products, those with the first word in their title first."""
    in_title = case((PRODUCTS.c.title.ilike(_like_pattern(words[0]), escape="\\"), 0), else_=1)
    query = (active_products(shop_id).where(search_condition(words))
             .order_by(in_title, PRODUCTS.c.title, PRODUCTS.c.id).offset(offset).limit(limit))
    return fetch_products(engine, query)


# -- reviews ------------------------------------------------------------------------------
# Built once, like host.api.fastread's: on the product page, building it would cost more than running it.
# The window aggregates cover every review of the product; the LIMIT then keeps the newest.
_REVIEWS = (
    select(REVIEWS.c.author_name, REVIEWS.c.rating, REVIEWS.c.title, REVIEWS.c.body,
           REVIEWS.c.verified_purchase, REVIEWS.c.created_at,
           func.count().over().label("total"), func.avg(REVIEWS.c.rating).over().label("average"))
    .where(REVIEWS.c.shop_id == bindparam("shop_id"), REVIEWS.c.product_id == bindparam("product_id"))
    .order_by(REVIEWS.c.created_at.desc(), REVIEWS.c.id.desc())
    .limit(bindparam("limit"))
)
_REVIEW_FIELDS = ("author_name", "rating", "title", "body", "verified_purchase", "created_at")


def review_summary(engine, shop_id: int, product_id: int, limit: int = 5) -> ReviewSummary:
    """Count, average and the newest few reviews, in one statement."""
    with engine.connect() as conn:
        rows = conn.execute(_REVIEWS, {"shop_id": shop_id, "product_id": product_id, "limit": limit}).all()
    if not rows:
        return ReviewSummary(0, None, [])
    recent = [SimpleNamespace(**{field: getattr(row, field) for field in _REVIEW_FIELDS}) for row in rows]
    return ReviewSummary(rows[0].total, round(float(rows[0].average), 1), recent)
