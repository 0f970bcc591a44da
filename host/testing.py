"""The test kit for plugin authors (and the host's own tests).

Use it from a plugin package's tests with ``pytest_plugins = ["host.testing"]`` in conftest.py.
Fixtures:

- ``sw_app_factory(plugins=[...], **config)``: build an isolated app in a temporary instance
  folder, with your plugin objects or modules registered directly (no install needed).
- ``sw_app``: an app with no extra plugins; ``sw_shop``: a fixture shop ("acme") with a few
  products, customers, orders and reviews, as a ``FixtureShop``; ``sw_client``: a Flask test client.
- ``FixtureShop.api_key(*scopes)`` makes an API key; ``FixtureShop.enable(name)`` enables a
  plugin with every permission it asks for.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from host.apikeys import API_SCOPES, create_key
from host.app import AppState, create_app, state_of
from host.config import INSTANCE_FILE
from host.models import Customer, Order, OrderLine, Product, Review, Variant, utcnow
from host.shops import create_shop


@dataclass
class FixtureShop:
    app: Any
    state: AppState
    id: int
    slug: str

    def api_key(self, *scopes: str, name: str = "test") -> str:
        with self.state.db.session() as session:
            return create_key(session, self.id, name, list(scopes or API_SCOPES))

    def enable(self, plugin: str, grant: list[str] | None = None) -> dict:
        return self.state.enable_plugin(self.id, plugin, grant)

    def call(self, hook: str, **kwargs: Any):
        return self.state.dispatcher.call(hook, self.id, **kwargs)


def build_app(tmp_path, plugins: list | None = None, **config: Any):
    """An isolated app; with SHOPWRIGHT_TEST_POSTGRES set (a server URL), on a new PostgreSQL database."""
    settings = {
        "INSTANCE_PATH": str(tmp_path),
        "JOB_WORKERS": 0,
        "LOAD_ENTRY_POINTS": False,
        "EXTRA_PLUGINS": list(plugins or []),
        "STOREFRONT_HOOK_BUDGET_MS": 200,
        "BACKGROUND_HOOK_BUDGET_MS": 2000,
        "API_RATE_LIMIT": "100000 per minute",
        "TESTING": True,
    }
    if os.environ.get("SHOPWRIGHT_TEST_POSTGRES") and "DATABASE_URL" not in config:
        settings["DATABASE_URL"] = _fresh_postgres_database(os.environ["SHOPWRIGHT_TEST_POSTGRES"], tmp_path)
    settings.update(config)
    return create_app(settings)


def _fresh_postgres_database(server_url: str, tmp_path) -> str:
    """Create a database of its own for one app; the instance file keeps its URL, so a restarted
    app, the CLI and a server started on the same instance folder all find it."""
    instance_file = Path(tmp_path) / INSTANCE_FILE
    if instance_file.exists():
        return tomllib.loads(instance_file.read_text())["database_url"]
    from sqlalchemy import create_engine, text

    name = f"sw_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))  # name is generated above, not input
    engine.dispose()
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    instance_file.write_text(f'database_url = "{url}"\n')
    return url


def add_fixture_shop(app, slug: str = "acme", name: str = "Acme Outfitters") -> FixtureShop:
    """A small shop with real-looking rows, enough for any plugin's tests."""
    state = state_of(app)
    with state.db.session() as session:
        shop = create_shop(session, slug, name)
        _seed(session, shop.id)
        shop_id = shop.id
    return FixtureShop(app=app, state=state, id=shop_id, slug=slug)


def _seed(session, shop_id: int) -> None:
    mug = Product(shop_id=shop_id, handle="enamel-camp-mug", title="Enamel Camp Mug 350 ml", category="Outdoor",
                  description_html="<p>A steel mug with an enamel coat.</p>", description_source="human",
                  attributes={"material": "enamelled steel", "capacity_ml": 350, "colour": ["white", "blue"]},
                  variants=[Variant(shop_id=shop_id, sku="MUG-W", title="White", options={"colour": "white"},
                                    price=Decimal("18.00"), inventory_qty=12)])
    sweater = Product(shop_id=shop_id, handle="merino-crew", title="Merino Crew Sweater", category="Apparel",
                      attributes={"material": "merino wool", "care": "hand wash cold"},
                      variants=[Variant(shop_id=shop_id, sku=f"MER-{size}", title=size, options={"size": size},
                                        price=Decimal("89.00"), inventory_qty=qty, position=i)
                                for i, (size, qty) in enumerate([("S", 3), ("M", 0), ("L", 5)])])
    customer = Customer(shop_id=shop_id, email="dana@example.com", first_name="Dana", last_name="Reyes",
                        city="Portland", country="US")
    session.add_all([mug, sweater, customer])
    session.flush()
    order = Order(shop_id=shop_id, number="#1001", customer_id=customer.id, placed_at=utcnow(), total=Decimal("18.00"),
                  lines=[OrderLine(shop_id=shop_id, sku="MUG-W", product_id=mug.id, variant_id=mug.variants[0].id,
                                   quantity=1, unit_price=Decimal("18.00"))])
    review = Review(shop_id=shop_id, external_id="rev-1", product_id=mug.id, customer_id=customer.id,
                    author_name="Dana R.", rating=5, title="Keeps coffee hot", body="Sturdy and light.",
                    verified_purchase=True)
    session.add_all([order, review])


@pytest.fixture
def sw_app_factory(tmp_path_factory) -> Callable[..., Any]:
    apps = []

    def factory(plugins: list | None = None, **config: Any):
        app = build_app(tmp_path_factory.mktemp("instance"), plugins, **config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        state_of(app).close()


@pytest.fixture
def sw_app(sw_app_factory):
    return sw_app_factory()


@pytest.fixture
def sw_shop(sw_app) -> FixtureShop:
    return add_fixture_shop(sw_app)


@pytest.fixture
def sw_client(sw_app):
    return sw_app.test_client()
