"""The built-in bestsellers plugin: ranking, settings, cache invalidation, scopes, storefront."""

from datetime import timedelta

import pytest

from shopwright.host.models import utcnow
from shopwright.host.settings import SettingsError
from shopwright.host.testing import add_fixture_shop, render_widget, widget_data
from shopwright.host.widgets import WidgetError

TOP = "bestsellers.top"


@pytest.fixture
def shop(sw_shop):
    sw_shop.enable("bestsellers")
    sw_shop.configure("bestsellers", cache_seconds=3600)  # long enough that only invalidation refreshes it
    return sw_shop


def titles(data):
    return [item["title"] for item in data["products"]] if data else []


def test_loaded_from_the_manifest_like_any_plugin(sw_shop):
    row = sw_shop.plugin_state("bestsellers")
    assert (row["source"], row["version"], row["state"]) == ("builtin", "0.1.0", "installed")
    assert row["permissions"] == ["read:catalog", "read:orders"]


def test_top_ranks_by_units_ordered_and_leaves_out_the_product_shown(shop):
    shop.add_order({"merino-crew": 3})
    assert titles(widget_data(shop, TOP)) == ["Merino Crew Sweater", "Enamel Camp Mug 350 ml"]
    assert titles(widget_data(shop, TOP, product="merino-crew")) == ["Enamel Camp Mug 350 ml"]
    assert widget_data(shop, TOP, product="merino-crew")["heading"] == "Bestsellers"


def test_the_widget_json_carries_no_sales_figures(shop):
    [item] = widget_data(shop, TOP, product="merino-crew")["products"]
    assert set(item) == {"id", "handle", "title", "category", "price", "image", "in_stock"}


def test_limit_is_a_checked_parameter(shop):
    shop.add_order({"merino-crew": 1})
    assert len(widget_data(shop, TOP, limit="1")["products"]) == 1
    for bad in ("0", "13", "many"):
        with pytest.raises(WidgetError) as refused:
            widget_data(shop, TOP, limit=bad)
        assert "limit" in refused.value.fields


def test_orders_outside_the_window_do_not_count(shop):
    shop.add_order({"merino-crew": 5}, placed_at=utcnow() - timedelta(days=40))
    shop.configure("bestsellers", window_days=30)
    assert titles(widget_data(shop, TOP)) == ["Enamel Camp Mug 350 ml"]
    shop.configure("bestsellers", window_days=60)
    assert titles(widget_data(shop, TOP))[0] == "Merino Crew Sweater"


def test_same_category_keeps_to_the_products_category(shop):
    shop.configure("bestsellers", same_category=True)
    assert widget_data(shop, TOP, product="merino-crew") is None  # nothing else in Apparel sells
    assert titles(widget_data(shop, TOP)) == ["Enamel Camp Mug 350 ml"]


def test_the_ranking_is_cached_and_a_new_order_refreshes_it(shop):
    assert titles(widget_data(shop, TOP)) == ["Enamel Camp Mug 350 ml"]
    shop.add_order({"merino-crew": 4}, notify=False)  # e.g. written by another process
    assert titles(widget_data(shop, TOP)) == ["Enamel Camp Mug 350 ml"], "served from the cache"
    shop.add_order({"merino-crew": 1})  # on_order_created drops the shop's ranking
    assert titles(widget_data(shop, TOP)) == ["Merino Crew Sweater", "Enamel Camp Mug 350 ml"]


def test_cache_seconds_zero_recounts_on_every_view(shop):
    shop.configure("bestsellers", cache_seconds=0)
    widget_data(shop, TOP)
    shop.add_order({"merino-crew": 4}, notify=False)
    assert titles(widget_data(shop, TOP))[0] == "Merino Crew Sweater"


def test_one_shops_ranking_never_shows_in_another(shop):
    other = add_fixture_shop(shop.app, slug="other", name="Other Shop")
    other.enable("bestsellers")
    shop.add_order({"merino-crew": 9})
    assert titles(widget_data(shop, TOP))[0] == "Merino Crew Sweater"
    assert titles(widget_data(other, TOP)) == ["Enamel Camp Mug 350 ml"]


@pytest.mark.parametrize("settings, field", [
    ({"window_days": 0}, "window_days"),
    ({"limit": 3}, "limit"),
    ({"cache_seconds": -1}, "cache_seconds"),
    ({"heading": ""}, "heading"),
])
def test_bad_settings_are_refused(shop, settings, field):
    with pytest.raises(SettingsError) as refused:
        shop.configure("bestsellers", **settings)
    assert field in refused.value.messages


def test_without_read_orders_it_shows_nothing_and_fails_nothing(sw_shop):
    sw_shop.enable("bestsellers", grant=["read:catalog"])
    assert widget_data(sw_shop, TOP) is None
    assert sw_shop.plugin_state("bestsellers")["failure_count"] == 0


def test_disabled_shows_nothing(shop):
    shop.disable("bestsellers")
    assert widget_data(shop, TOP) is None


def test_html_lists_linked_products_and_escapes_the_heading(sw_app, shop):
    shop.configure("bestsellers", heading="<Top> picks")
    html = render_widget(sw_app, shop, TOP, product="merino-crew")
    assert "&lt;Top&gt; picks" in html and "<Top>" not in html
    assert 'href="/shop/acme/p/enamel-camp-mug"' in html and "$18.00" in html


def test_product_page_shows_the_widget_until_disabled(shop, sw_storefront):
    page = sw_storefront.product_page("merino-crew").get_data(as_text=True)
    assert 'data-sw-widget="bestsellers.top"' in page and "Enamel Camp Mug 350 ml" in page
    shop.disable("bestsellers")
    page = sw_storefront.product_page("merino-crew").get_data(as_text=True)
    assert 'data-sw-widget="bestsellers.top"' not in page


def test_its_stylesheet_is_served_and_linked(sw_app, shop):
    response = sw_app.test_client().get("/plugins/bestsellers/static/bestsellers.css")
    assert response.status_code == 200 and b".sw-bestsellers" in response.data
    response.close()
