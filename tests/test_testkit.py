"""The test kit plugin authors use: fixture shop helpers, widget helpers, storefront and admin
clients, and the fake model fixtures."""

import pytest

import tests.widget_doubles as shelf
from shopwright import PermanentError, PluginMeta, hookimpl
from shopwright.host.settings import SettingsError
from shopwright.host.testing import (
    ProgressReport,
    Storefront,
    add_fixture_shop,
    admin_client,
    product_page_with_widget,
    render_widget,
    run_job,
    widget_data,
)


class Listener:
    """Records the order and review hooks it hears."""

    plugin_meta = PluginMeta(name="listener", version="1.0", permissions=("read:orders", "read:reviews"))

    def __init__(self):
        self.heard = []

    @hookimpl
    def on_order_created(self, order):
        self.heard.append(("order", order["lines"][0]["quantity"]))

    @hookimpl
    def on_review_created(self, review):
        self.heard.append(("review", review["rating"]))


@pytest.fixture
def listener():
    return Listener()


@pytest.fixture
def shop(sw_app_factory, listener):
    return add_fixture_shop(sw_app_factory([listener]))


def test_fixture_shop_products_are_what_widgets_receive(sw_shop):
    sweater = sw_shop.product("merino-crew")
    assert [v["inventory_qty"] for v in sweater["variants"]] == [3, 0, 5]
    assert sweater["category"] == "Apparel" and sweater["price"] == "89.00"
    assert sw_shop.info.slug == "acme" and sw_shop.theme == "default"
    with pytest.raises(LookupError):
        sw_shop.product("no-such-thing")


def test_add_order_tells_plugins_that_hold_read_orders(shop, listener):
    shop.enable("listener")
    order = shop.add_order({"merino-crew": 2})
    assert order["total"] == "178.00" and order["lines"][0]["sku"] == "MER-S"
    assert listener.heard == [("order", 2)]
    shop.add_order({"merino-crew": 1}, notify=False)
    assert listener.heard == [("order", 2)]


def test_plugins_without_the_scope_hear_nothing(shop, listener):
    shop.enable("listener", grant=["read:reviews"])
    shop.add_order({"enamel-camp-mug": 1})
    shop.add_review("enamel-camp-mug", 4, "Good mug.")
    assert listener.heard == [("review", 4)]


def test_add_review_records_a_genuine_review(shop):
    review = shop.add_review("merino-crew", 3, "Itchy at first.", author_name="Sam", verified_purchase=False)
    assert (review["rating"], review["body"], review["verified_purchase"]) == (3, "Itchy at first.", False)


def test_configure_validates_and_keeps_the_old_settings(sw_shop):
    sw_shop.configure("ratings", min_reviews=3)
    with pytest.raises(SettingsError) as refused:
        sw_shop.configure("ratings", min_reviews=0)
    assert "min_reviews" in refused.value.messages
    assert sw_shop.state.lifecycle.stored_settings(sw_shop.id, "ratings")["min_reviews"] == 3


def test_enable_disable_and_plugin_state(sw_shop):
    assert sw_shop.plugin_state("ratings")["state"] == "installed"
    sw_shop.enable("ratings")
    assert sw_shop.plugin_state("ratings")["granted"] == ["read:reviews"]
    sw_shop.disable("ratings")
    assert sw_shop.plugin_state("ratings")["state"] == "disabled"


def test_widget_helpers_give_the_data_and_the_html(sw_app, sw_shop):
    sw_shop.enable("ratings")
    assert widget_data(sw_shop, "ratings.stars", product="enamel-camp-mug")["count"] == 1
    assert 'aria-label="5 out of 5 stars, 1 review"' in render_widget(sw_app, sw_shop, "ratings.stars",
                                                                      product="enamel-camp-mug")
    sw_shop.disable("ratings")
    assert widget_data(sw_shop, "ratings.stars", product="enamel-camp-mug") is None
    assert render_widget(sw_app, sw_shop, "ratings.stars", product="enamel-camp-mug") == ""


def test_storefront_fetches_product_pages_and_widget_endpoints(sw_storefront, sw_shop):
    assert isinstance(sw_storefront, Storefront)
    sw_shop.enable("ratings")
    page = sw_storefront.product_page("enamel-camp-mug")
    assert page.status_code == 200 and "Enamel Camp Mug" in page.get_data(as_text=True)
    assert sw_storefront.product_page("no-such-thing").status_code == 404
    fragment = sw_storefront.widget_html("ratings.stars", product="enamel-camp-mug")
    assert fragment.status_code == 200 and "5 out of 5 stars" in fragment.get_data(as_text=True)
    assert sw_storefront.widget_json("ratings.stars", product="enamel-camp-mug").get_json()["data"]["count"] == 1


def test_admin_client_signs_in_and_posts_with_the_csrf_token(sw_app, sw_shop):
    owner = admin_client(sw_app, sw_shop)
    assert owner.get("/admin/dashboard").status_code == 200
    response = owner.post("/admin/plugins/ratings/enable", {"grant": ["read:reviews"]})
    assert response.status_code == 302
    assert sw_shop.plugin_state("ratings")["state"] == "enabled"
    assert owner.client.post("/admin/plugins/ratings/disable").status_code in (400, 403)  # no token


def test_admin_client_as_editor_cannot_reach_plugin_settings(sw_app, sw_shop):
    editor = admin_client(sw_app, sw_shop, role="editor")
    assert editor.get("/admin/plugins/ratings/settings").status_code == 403


def test_fake_model_fixtures_are_fresh_per_test(sw_fake_text_model, sw_fake_embedder):
    assert sw_fake_text_model.requests == [] and sw_fake_embedder.calls == 0
    assert sw_fake_text_model.complete("hi").text == "echo: hi"


class Counter:
    """A job that counts products (and fails when told to), and an owner-only admin page."""

    plugin_meta = PluginMeta(name="counter", version="1.0", permissions=("read:catalog",))

    def __init__(self):
        self.failures_left = 0

    def count(self, job):
        if job.params.get("refuse"):
            raise PermanentError("nothing to count")
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("the database blinked")
        products = job.ctx.products()
        for done, product in enumerate(products, 1):
            job.check_cancelled()
            job.progress(done, len(products), product["handle"])
        return {"products": len(products)}

    @hookimpl
    def register_job_types(self, register):
        register("count", self.count, title="Count products")

    @hookimpl
    def register_admin_pages(self, register):
        register("totals", "Totals", lambda ctx, request: None)


@pytest.fixture
def counter():
    return Counter()


@pytest.fixture
def counter_shop(sw_app_factory, counter):
    shop = add_fixture_shop(sw_app_factory([counter, shelf]))
    shop.enable("counter")
    return shop


def test_run_job_runs_a_job_to_its_end_and_returns_result_and_progress(counter_shop):
    outcome = run_job(counter_shop, "counter.count")
    assert (outcome.status, outcome.result, outcome.attempts) == ("succeeded", {"products": 2}, 1)
    assert outcome.succeeded and outcome.error == "" and outcome.progress == 1.0
    assert outcome.reports == [ProgressReport(1, 2, "enamel-camp-mug"), ProgressReport(2, 2, "merino-crew")]


def test_run_job_retries_at_once_and_reports_failures(counter_shop, counter):
    counter.failures_left = 1
    retried = run_job(counter_shop, "counter.count")
    assert (retried.status, retried.attempts, retried.result) == ("succeeded", 2, {"products": 2})
    refused = run_job(counter_shop, "counter.count", {"refuse": True})
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert refused.error == "PermanentError: nothing to count"
    counter.failures_left = 5
    spent = run_job(counter_shop, "counter.count", max_attempts=2)
    assert (spent.status, spent.attempts) == ("failed", 2) and "the database blinked" in spent.error


def test_run_job_needs_the_plugin_enabled_as_a_server_does(counter_shop):
    counter_shop.disable("counter")
    outcome = run_job(counter_shop, "counter.count", max_attempts=1)
    assert outcome.status == "failed" and "not enabled" in outcome.error


def test_product_page_with_widget_places_it_on_the_real_page(counter_shop):
    page = product_page_with_widget(counter_shop, "shelf.echo", "merino-crew", note="<hi>")
    assert 'data-sw-widget="shelf.echo"' not in page, "not enabled: the page shows nothing in its place"
    assert "Merino Crew Sweater" in page
    counter_shop.enable("shelf")
    page = product_page_with_widget(counter_shop, "shelf.echo", "merino-crew", note="<hi>")
    assert 'data-sw-widget="shelf.echo"' in page and "&lt;hi&gt; Merino Crew Sweater" in page
    assert '<h1>Merino Crew Sweater</h1>' in page  # the default theme's page around it
    assert counter_shop.theme == "default"


def test_an_editor_gets_403_on_an_owner_only_plugin_page_and_no_link(counter_shop):
    editor = admin_client(counter_shop.app, counter_shop, role="editor")
    assert editor.get("/admin/plugins/counter/totals").status_code == 403
    assert "/admin/plugins/counter/totals" not in editor.get("/admin/dashboard").get_data(as_text=True)
    owner = admin_client(counter_shop.app, counter_shop)
    assert owner.get("/admin/plugins/counter/totals").status_code == 200


def test_a_fixture_shop_hands_out_the_ctx_its_plugins_get(sw_app_factory):
    from decimal import Decimal

    import marshmallow

    class Priced:
        class Settings(marshmallow.Schema):
            minimum = marshmallow.fields.Decimal(load_default=Decimal("50.00"))

        plugin_meta = PluginMeta(name="priced", version="1.0", permissions=("read:catalog",), settings=Settings)

    shop = add_fixture_shop(sw_app_factory([Priced()]))
    shop.enable("priced")
    shop.configure("priced", minimum="19.90")
    ctx = shop.context("priced")
    assert ctx.settings == {"minimum": Decimal("19.90")} and ctx.can("read:catalog")
    assert ctx.product(shop.product("merino-crew")["id"])["handle"] == "merino-crew"
