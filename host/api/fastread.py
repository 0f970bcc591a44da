"""Product reads for the hot API paths, on SQLAlchemy Core instead of the ORM.

The ORM's identity map and loader machinery cost more than the query itself here; these read
plain rows (two statements per page: products, then their variants) into light objects that
`host.serialize.product_dict` serializes exactly as it does ORM rows.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, select

from host.models import Product, Variant

PRODUCTS = Product.__table__
VARIANTS = Variant.__table__


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
