"""The test kit for plugin authors (and the host's own tests).

Use it from a plugin package's tests with ``pytest_plugins = ["shopwright.host.testing"]`` in conftest.py.
Everything runs offline in a temporary instance folder; nothing needs the plugin to be installed.

Fixtures:

- ``sw_app_factory(plugins=[...], **config)``: build an isolated app in a temporary instance
  folder, with your plugin objects or modules registered directly (no install needed).
- ``sw_app``: an app with no extra plugins; ``sw_shop``: a fixture shop ("acme") with a few
  products, customers, orders and reviews, as a ``FixtureShop``; ``sw_client``: a Flask test client.
- ``sw_storefront``: a ``Storefront`` for ``sw_shop`` (product pages, widget endpoints).
- ``sw_fake_text_model``: a ``shopwright.host.inference.FakeTextBackend`` (echoes, or replies from a
  script you set on ``.replies``); ``sw_fake_embedder``: a ``shopwright.host.inference.FakeEmbeddingBackend``.

Apps built by the kit use the fake models (``TEXT_BACKEND = EMBEDDING_BACKEND = "fake"``), so
``ctx.text_model()`` and ``ctx.embedder()`` answer instantly; ``use_fake_models(app, text=...,
embedder=...)`` hands every shop of ``app`` fakes of your own (scripted replies) and returns them.

The fixture shop: "Enamel Camp Mug 350 ml" (handle ``enamel-camp-mug``, Outdoor, stock 12, one
order, one verified 5-star review) and "Merino Crew Sweater" (``merino-crew``, Apparel, sizes
S/M/L with stock 3, 0 and 5), one customer (Dana Reyes).

``FixtureShop`` methods:

- ``enable(name, grant=None)`` with every permission the plugin asks for (or only ``grant``);
  ``disable(name)``; ``configure(name, **settings)`` (raises ``shopwright.host.settings.SettingsError``
  with field errors); ``plugin_state(name)`` (state, granted, failure_count, last_error, ...).
- ``product(handle)`` the product dict a widget receives; ``add_order({handle: quantity})`` and
  ``add_review(handle, rating, body)`` record rows and tell enabled plugins
  (``on_order_created`` / ``on_review_created``) as an import does; ``call(hook, **kwargs)``
  calls a hook through the dispatcher; ``api_key(*scopes)`` (no scopes: every scope but the
  ``admin:*`` ones); ``add_user(email, password, role)``.

Helpers:

- ``widget_data(shop, name, **params)``: the dict a widget's render returns (None: shows nothing);
  ``render_widget(app, shop, name, **params)``: its HTML in the shop's theme ("" when nothing).
- ``Storefront(client, slug)``: ``product_page(handle)``, ``widget_html(name, **params)`` and
  ``widget_json(name, **params)`` (the embed endpoints).
- ``product_page_with_widget(shop, name, handle, **params)``: the shop's real product page with the
  widget placed in it as a theme places one; the HTML.
- ``run_job(shop, job_type, params)``: queue a job and run it to its end in the test (kit apps
  have no job workers); a ``JobOutcome`` with its status, result, error and progress reports.
- ``admin_client(app, shop, role="owner")``: a test client signed in to the admin, whose
  ``post`` adds the CSRF token for you; ``role="editor"`` for an editor, who gets 403 on
  owner-only pages.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from shopwright.host import plugintypes, serialize
from shopwright.host.api.fastread import fetch_one
from shopwright.host.apikeys import DEFAULT_SCOPES, create_key
from shopwright.host.app import AppState, create_app, state_of
from shopwright.host.config import INSTANCE_FILE
from shopwright.host.context import ShopContext, ShopInfo, shop_info
from shopwright.host.inference.fake import FakeEmbeddingBackend, FakeTextBackend
from shopwright.host.jobs import JobRun
from shopwright.host.models import Customer, Job, Order, OrderLine, Product, Review, Shop, Variant, utcnow
from shopwright.host.shops import create_shop, create_user
from shopwright.host.themes import Theme


@dataclass
class FixtureShop:
    app: Any
    state: AppState
    id: int
    slug: str

    def api_key(self, *scopes: str, name: str = "test") -> str:
        with self.state.db.session() as session:
            return create_key(session, self.id, name, list(scopes or DEFAULT_SCOPES))

    @property
    def info(self) -> ShopInfo:
        """What the host's widget renderer and contexts take as "the shop"."""
        return shop_info(self.state.db, self.id)

    @property
    def theme(self) -> str:
        with self.state.db.session() as session:
            row = session.get(Shop, self.id)
            return (row.theme if row is not None else "") or "default"

    def enable(self, plugin: str, grant: list[str] | None = None) -> dict:
        return self.state.enable_plugin(self.id, plugin, grant)

    def disable(self, plugin: str) -> dict:
        return self.state.disable_plugin(self.id, plugin)

    def configure(self, plugin: str, **settings: Any) -> dict:
        """Validate and store settings as the admin form does (text as typed in the form, or the
        loaded values: `Decimal("4.90")` and "4.90" alike); raises SettingsError, old kept."""
        return self.state.lifecycle.update_settings(self.id, plugin, settings)

    def context(self, plugin: str) -> ShopContext:
        """The `ctx` the plugin's hooks get in this shop: its granted scopes and its settings as
        `ctx.settings` holds them (a Decimal field as a Decimal), to test code that takes a ctx."""
        return self.state.context_for_name(self.id, plugin)

    def plugin_state(self, plugin: str) -> dict:
        return self.state.lifecycle.describe_one(self.id, plugin)

    def call(self, hook: str, **kwargs: Any):
        return self.state.dispatcher.call(hook, self.id, **kwargs)

    def product(self, handle: str) -> plugintypes.Product:
        """The product dict, exactly as a widget or hook receives it."""
        found = fetch_one(self.state.db.engine, self.id, "handle", handle)
        if found is None:
            raise LookupError(f"no product {handle!r} in shop {self.slug}")
        return serialize.product_dict(found)

    def add_order(self, lines: Mapping[str, int], placed_at: datetime | None = None,
                  notify: bool = True) -> plugintypes.Order:
        """Record an order of `{handle: quantity}` (each product's first variant); with `notify`,
        enabled plugins holding read:orders hear of it through `on_order_created`."""
        with self.state.db.session() as session:
            order = Order(shop_id=self.id, number=f"#T{uuid.uuid4().hex[:8]}", placed_at=placed_at or utcnow(),
                          lines=[self._order_line(session, handle, qty) for handle, qty in lines.items()])
            order.total = sum((line.unit_price * line.quantity for line in order.lines), Decimal("0"))
            session.add(order)
            session.flush()
            payload = serialize.order_dict(order)
        if notify:
            self.call("on_order_created", order=payload)
        return payload

    def add_review(self, handle: str, rating: int, body: str = "", title: str = "", author_name: str = "A shopper",
                   verified_purchase: bool = True, created_at: datetime | None = None,
                   notify: bool = True) -> plugintypes.Review:
        """Record a genuine review as an import would; `on_review_created` tells enabled plugins."""
        product_id = self.product(handle)["id"]
        with self.state.db.session() as session:
            review = Review(shop_id=self.id, external_id=f"test-{uuid.uuid4().hex[:12]}", product_id=product_id,
                            author_name=author_name, rating=rating, title=title, body=body,
                            verified_purchase=verified_purchase, created_at=created_at or utcnow())
            session.add(review)
            session.flush()
            payload = serialize.review_dict(review)
        if notify:
            self.call("on_review_created", review=payload)
        return payload

    def add_user(self, email: str, password: str, role: str = "owner") -> None:
        with self.state.db.session() as session:
            create_user(session, self.id, email, password, role)

    def _order_line(self, session, handle: str, quantity: int) -> OrderLine:
        product = session.scalar(select(Product).where(Product.shop_id == self.id, Product.handle == handle))
        if product is None or not product.variants:
            raise LookupError(f"no product {handle!r} with a variant in shop {self.slug}")
        variant = product.variants[0]
        return OrderLine(shop_id=self.id, sku=variant.sku, product_id=product.id, variant_id=variant.id,
                         quantity=quantity, unit_price=variant.price)


def widget_data(shop: FixtureShop, name: str, **params: Any) -> dict | None:
    """What the widget's render returned, or None when it shows nothing (disabled, failed, ...).
    `product` may be a product dict, an id or a handle, as from a theme or the embed script."""
    return shop.state.widget_renderer.data(shop.info, name, params)


def render_widget(app, shop: FixtureShop, name: str, **params: Any) -> str:
    """The widget's HTML in the shop's theme, without the wrapper element; "" when it shows nothing."""
    with app.test_request_context():  # templates build links with url_for, as on a real page
        return str(state_of(app).widget_renderer.html(shop.info, shop.theme, name, params))


#: A theme of the kit's own: the default theme's product page with one more widget, named by the
#: `kit_placement` global, below the product's summary (the way a theme author places a widget).
PLACEMENT_THEME = "kit-placement"
PLACEMENT_TEMPLATE = """{% extends "default:product.html" %}
{% block summary %}{{ super() }}{{ widget(kit_placement.name, product=product, **kit_placement.params) }}{% endblock %}
"""


@dataclass(frozen=True)
class Placement:
    name: str
    params: dict[str, Any]


def product_page_with_widget(shop: FixtureShop, name: str, handle: str = "merino-crew", **params: Any) -> str:
    """The shop's real product page for `handle`, served by the storefront, with the widget `name`
    placed below the product's summary as `{{ widget(name, product=product, **params) }}` in a theme
    would place it; the page's HTML. The widget sits in a `data-sw-widget="<name>"` wrapper when it
    shows something. The page uses the default theme; the shop's own theme is kept for other tests."""
    environment = _placement_environment(shop.state, Path(shop.app.instance_path))
    environment.globals["kit_placement"] = Placement(name, params)
    with _shop_theme(shop, PLACEMENT_THEME):
        response = shop.app.test_client().get(f"/shop/{shop.slug}/p/{handle}")
    if response.status_code != 200:
        raise AssertionError(f"product page {handle!r} answered {response.status_code}")
    return response.get_data(as_text=True)


def _placement_environment(state: AppState, instance: Path):
    """The kit's theme, written into the instance folder and made known to the app once."""
    if PLACEMENT_THEME not in state.themes.themes:
        folder = instance / "themes" / PLACEMENT_THEME
        (folder / "templates").mkdir(parents=True, exist_ok=True)
        (folder / "templates" / "product.html").write_text(PLACEMENT_TEMPLATE, encoding="utf-8")
        state.themes.themes[PLACEMENT_THEME] = Theme(PLACEMENT_THEME, "Test kit placement", "", folder)
    return state.themes.environment(PLACEMENT_THEME)


@contextmanager
def _shop_theme(shop: FixtureShop, theme: str) -> Iterator[None]:
    """The shop uses `theme` inside the block and its own theme again after it."""
    kept = shop.theme
    _set_theme(shop, theme)
    try:
        yield
    finally:
        _set_theme(shop, kept)


def _set_theme(shop: FixtureShop, theme: str) -> None:
    with shop.state.db.session() as session:
        row = session.get(Shop, shop.id)
        if row is None:
            raise LookupError(f"no shop {shop.slug!r}")
        row.theme = theme
    shop.state.shops.forget(shop.slug)  # the storefront keeps shops a few seconds


@dataclass(frozen=True)
class ProgressReport:
    """One `job.progress(done, total, message)` call."""

    done: float
    total: float
    message: str


@dataclass(frozen=True)
class JobOutcome:
    """How a job run by `run_job` ended."""

    id: int
    status: str  # succeeded | failed | cancelled
    result: dict[str, Any]  # what the handler returned ({} unless it returned a dict)
    error: str  # the last attempt's exception, as "Type: message"
    attempts: int
    progress: float  # 0..1, as the Jobs page shows it at the end
    message: str
    reports: list[ProgressReport] = field(default_factory=list)  # every progress call, every attempt

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


ENDED = ("succeeded", "failed", "cancelled")


def run_job(shop: FixtureShop, job_type: str, params: dict[str, Any] | None = None,
            max_attempts: int | None = None) -> JobOutcome:
    """Queue `job_type` ("<plugin>.<name>") for `shop` and run it in this thread to its end, as the
    server's workers would: a failed attempt is retried at once (no backoff wait) while attempts are
    left. Other jobs already due (say, one queued by `on_enable`) run too. The plugin must be
    enabled for the shop, as in a server; the job's context carries its grant and settings."""
    queue = shop.state.jobs
    job_id = queue.enqueue(shop.id, job_type, params or {}, max_attempts=max_attempts, created_by="test")
    reports: list[ProgressReport] = []
    with _recording_progress(queue, job_type, job_id, reports):
        job = queue.get(shop.id, job_id)
        for _ in range(job.max_attempts + 1):  # + 1: a retry's backoff is skipped, never an attempt
            queue.run_pending()
            job = queue.get(shop.id, job_id)
            if job.status in ENDED:
                break
            _due_now(shop, job_id)
    if job.status not in ENDED:
        raise AssertionError(f"job {job_id} ({job_type}) did not end: {job.status}, {job.message}")
    return JobOutcome(id=job.id, status=job.status, result=dict(job.result or {}), error=job.error,
                      attempts=job.attempts, progress=job.progress, message=job.message, reports=reports)


@contextmanager
def _recording_progress(queue, job_type: str, job_id: int, reports: list[ProgressReport]) -> Iterator[None]:
    """While inside, the job's `progress` calls are also kept in `reports`, unthrottled."""
    registered = queue.types.get(job_type)
    if registered is None:
        yield  # unknown types fail at enqueue; this covers a type that went away meanwhile
        return

    def recording(run: JobRun):
        if run.id == job_id:
            writes = run.progress

            def progress(done: float, total: float = 1.0, message: str = "") -> None:
                reports.append(ProgressReport(done, total, message))
                writes(done, total, message)

            run.progress = progress  # type: ignore[method-assign]
        return registered.handler(run)

    queue.types[job_type] = dataclasses.replace(registered, handler=recording)
    try:
        yield
    finally:
        queue.types[job_type] = registered


def _due_now(shop: FixtureShop, job_id: int) -> None:
    """A queued retry runs now rather than after its backoff."""
    with shop.state.db.session() as session:
        session.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(run_after=utcnow()))


class Storefront:
    """A shopper's view of one shop through a Flask test client."""

    def __init__(self, client, slug: str):
        self.client = client
        self.slug = slug

    def product_page(self, handle: str):
        return self.client.get(f"/shop/{self.slug}/p/{handle}")

    def widget_html(self, name: str, **params: Any):
        """The HTML-fragment endpoint the embed script reads."""
        return self.client.get(f"/embed/{self.slug}/widgets/{name}.html", query_string=params)

    def widget_json(self, name: str, **params: Any):
        """The JSON endpoint for headless storefronts."""
        return self.client.get(f"/embed/{self.slug}/widgets/{name}.json", query_string=params)


CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]+)"')


class AdminClient:
    """A Flask test client for the admin; `post` fills in the CSRF token, read from a page's form
    (the sign-in page before signing in, the dashboard after)."""

    def __init__(self, client):
        self.client = client
        self.signed_in = False

    def get(self, path: str, **kwargs: Any):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs: Any):
        form = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.client.post(path, data=form, **kwargs)

    def csrf_token(self, page: str | None = None) -> str:
        page = page or ("/admin/dashboard" if self.signed_in else "/admin/login")
        html = self.client.get(page).get_data(as_text=True)
        field = CSRF_FIELD.search(html)
        token = VALUE.search(field.group(0)) if field else None
        if token is None:
            raise AssertionError(f"{page} has no csrf_token field")
        return token.group(1)


def admin_client(app, shop: FixtureShop, role: str = "owner") -> AdminClient:
    """A client signed in through the real login form as a new `role` of `shop`."""
    email, password = f"{role}-{uuid.uuid4().hex[:6]}@{shop.slug}.example", "correct horse battery"
    shop.add_user(email, password, role)
    client = AdminClient(app.test_client())
    response = client.post("/admin/login", {"shop": shop.slug, "email": email, "password": password})
    if response.status_code != 302:
        raise AssertionError(f"admin login failed with {response.status_code}")
    client.signed_in = True
    return client


def use_fake_models(app, text: FakeTextBackend | None = None,
                    embedder: FakeEmbeddingBackend | None = None) -> tuple[FakeTextBackend, FakeEmbeddingBackend]:
    """Every shop of `app` gets these fakes (new ones where None) from `ctx.text_model()` and
    `ctx.embedder()`, through the host's batching, token caps and usage counts; returns them."""
    text, embedder = text or FakeTextBackend(), embedder or FakeEmbeddingBackend()
    state_of(app).inference.use_fakes(text, embedder)
    return text, embedder


def build_app(tmp_path, plugins: list | None = None, **config: Any):
    """An isolated app; with SHOPWRIGHT_TEST_POSTGRES set (a server URL), on a new PostgreSQL database."""
    settings = {
        "INSTANCE_PATH": str(tmp_path),
        "JOB_WORKERS": 0,
        "LOAD_ENTRY_POINTS": False,
        "EXTRA_PLUGINS": list(plugins or []),
        # Roomy: a loaded 2-core CI machine, a first PostgreSQL query, must not fail good plugins.
        # A test about the budget itself sets its own (STOREFRONT_HOOK_BUDGET_MS=100).
        "STOREFRONT_HOOK_BUDGET_MS": 5000,
        "BACKGROUND_HOOK_BUDGET_MS": 10000,
        "API_RATE_LIMIT": "100000 per minute",
        "TESTING": True,
        "TEXT_BACKEND": "fake",  # ctx.text_model() answers instantly, offline
        "EMBEDDING_BACKEND": "fake",
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
def sw_app_factory(tmp_path_factory) -> Iterator[Callable[..., Any]]:
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


@pytest.fixture
def sw_storefront(sw_shop) -> Storefront:
    return Storefront(sw_shop.app.test_client(), sw_shop.slug)


@pytest.fixture
def sw_fake_text_model() -> FakeTextBackend:
    return FakeTextBackend()


@pytest.fixture
def sw_fake_embedder() -> FakeEmbeddingBackend:
    return FakeEmbeddingBackend()
