"""Product reads for the hot API paths, on SQLAlchemy Core instead of the ORM.

The ORM's identity map and loader machinery cost more than the query itself here; these read
plain rows (two statements per page: products, then their variants) into light objects that
`shopwright.host.serialize.product_dict` serializes exactly as it does ORM rows.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, select

from shopwright.host.models import Product, Variant

PRODUCTS = Product.__table__
VARIANTS = Variant.__table__


# Built once: constructing a statement costs more than SQLite takes to run this one.
_ONE_PRODUCT_WITH_VARIANTS = {
    column: (
        select(PRODUCTS, VARIANTS)
        .outerjoin(VARIANTS, VARIANTS.c.product_id == PRODUCTS.c.id)
        .where(PRODUCTS.c.shop_id == bindparam("shop_id"), column == bindparam("value"))
        .order_by(VARIANTS.c.position, VARIANTS.c.id)
    )
    for column in (PRODUCTS.c.id, PRODUCTS.c.handle)
}
_PRODUCT_FIELDS = [c.name for c in PRODUCTS.columns]
_VARIANT_FIELDS = [c.name for c in VARIANTS.columns]


def fetch_one(engine, shop_id: int, by: str, value: Any) -> SimpleNamespace | None:
    """One product with its variants in one statement, by `id` or `handle`, within the shop."""
    query = _ONE_PRODUCT_WITH_VARIANTS[PRODUCTS.c[by]]
    with engine.connect() as conn:
        rows = conn.execute(query, {"shop_id": shop_id, "value": value}).all()
    if not rows:
        return None
    width = len(_PRODUCT_FIELDS)
    product = SimpleNamespace(**dict(zip(_PRODUCT_FIELDS, rows[0][:width], strict=True)), variants=[])
    for row in rows:
        if row[width] is not None:  # the outer join gives one all-NULL row for a product without variants
            product.variants.append(SimpleNamespace(**dict(zip(_VARIANT_FIELDS, row[width:], strict=True))))
    return product


def product_select(shop_id: int) -> Select:
    return select(PRODUCTS).where(PRODUCTS.c.shop_id == shop_id)


def fetch_products(engine, query: Select) -> list[SimpleNamespace]:
    """Run a products SELECT and attach each product's variants, in position order."""
    with engine.connect() as conn:
        products = [SimpleNamespace(**row._mapping, variants=[]) for row in conn.execute(query)]
        if products:
            _attach_variants(conn, products)
    return products


def _attach_variants(conn, products: list[SimpleNamespace]) -> None:
    by_id: dict[int, Any] = {p.id: p for p in products}
    shop_id = products[0].shop_id
    rows = conn.execute(
        select(VARIANTS).where(VARIANTS.c.shop_id == shop_id, VARIANTS.c.product_id.in_(list(by_id)))
        .order_by(VARIANTS.c.product_id, VARIANTS.c.position, VARIANTS.c.id))
    for row in rows:
        by_id[row.product_id].variants.append(SimpleNamespace(**row._mapping))
