"""The plugin's own tests, run offline against the host's test kit; no install needed."""

import pytest
from shopwright.host.settings import SettingsError
from shopwright.host.testing import (
    add_fixture_shop,
    admin_client,
    product_page_with_widget,
    render_widget,
    widget_data,
)

import shopwright_low_stock


@pytest.fixture
def app(sw_app_factory):
    return sw_app_factory(plugins=[shopwright_low_stock])


@pytest.fixture
def shop(app):
    shop = add_fixture_shop(app)
    shop.enable("low_stock")
    return shop


def test_badge_shows_the_units_left_when_at_or_under_the_threshold(shop):
    shop.configure("low_stock", threshold=10)  # the fixture sweater has 3 + 0 + 5 left
    assert widget_data(shop, "low_stock.badge", product="merino-crew") == {"left": 8, "text": "Only 8 left"}


def test_no_badge_above_the_threshold_or_when_sold_out(shop):
    assert widget_data(shop, "low_stock.badge", product="merino-crew") is None  # 8 > 5, the default
    sold_out = {"id": 1, "variants": [{"inventory_qty": 0}]}
    assert widget_data(shop, "low_stock.badge", product=sold_out) is None


def test_badge_html_uses_the_shops_message(app, shop):
    shop.configure("low_stock", threshold=8, message="Hurry: {left} in stock")
    html = render_widget(app, shop, "low_stock.badge", product="merino-crew")
    assert '<p class="sw-low-stock" role="status">Hurry: 8 in stock</p>' in html


@pytest.mark.parametrize("settings, field", [
    ({"threshold": 0}, "threshold"),
    ({"threshold": "many"}, "threshold"),
    ({"message": "Only a few left"}, "message"),
    ({"message": "Only {left.__class__} left"}, "message"),
    ({"message": "{left} of {total}"}, "message"),
])
def test_bad_settings_are_refused_and_the_old_ones_kept(shop, settings, field):
    with pytest.raises(SettingsError) as refused:
        shop.configure("low_stock", **settings)
    assert field in refused.value.messages
    assert shop.state.lifecycle.stored_settings(shop.id, "low_stock") == {"threshold": 5, "message": "Only {left} left"}


def test_the_badge_appears_on_a_real_product_page(shop):
    shop.configure("low_stock", threshold=10)
    page = product_page_with_widget(shop, "low_stock.badge", "merino-crew")
    assert 'data-sw-widget="low_stock.badge"' in page and "Only 8 left" in page


def test_only_owners_open_the_overview(app, shop):
    assert admin_client(app, shop, role="owner").get("/admin/plugins/low_stock/overview").status_code == 200
    assert admin_client(app, shop, role="editor").get("/admin/plugins/low_stock/overview").status_code == 403


def test_disabled_plugin_shows_no_badge(shop):
    shop.configure("low_stock", threshold=10)
    shop.disable("low_stock")
    assert widget_data(shop, "low_stock.badge", product="merino-crew") is None


def test_overview_lists_low_products_fewest_first(shop):
    ctx = shop.state.context_for_name(shop.id, "low_stock")
    page = shopwright_low_stock.overview(ctx, request=None)
    assert page["threshold"] == 5 and page["products"] == []
    shop.configure("low_stock", threshold=20)
    ctx = shop.state.context_for_name(shop.id, "low_stock")
    titles = [row["title"] for row in shopwright_low_stock.overview(ctx, request=None)["products"]]
    assert titles == ["Merino Crew Sweater", "Enamel Camp Mug 350 ml"]
