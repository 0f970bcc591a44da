"""The test kit plugin authors use: fixture shop helpers, widget helpers, storefront and admin
clients, and the fake model fixtures."""

import pytest

from shopwright import PluginMeta, hookimpl
from shopwright.host.settings import SettingsError
from shopwright.host.testing import Storefront, add_fixture_shop, admin_client, render_widget, widget_data


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
