"""The built-in ratings plugin: the summary of genuine reviews, settings, cache, scopes, storefront."""

from datetime import timedelta

import pytest

from shopwright.host.models import utcnow
from shopwright.host.settings import SettingsError
from shopwright.host.testing import render_widget, widget_data
from shopwright.plugins.ratings import summary

STARS = "ratings.stars"
PAYLOAD = '<script>alert(1)</script>" onmouseover="alert(2)'


@pytest.fixture
def shop(sw_shop):
    sw_shop.enable("ratings")
    sw_shop.configure("ratings", cache_seconds=3600)  # long enough that only invalidation refreshes it
    return sw_shop


def test_loaded_from_the_manifest_with_only_read_reviews(sw_shop):
    row = sw_shop.plugin_state("ratings")
    assert (row["source"], row["permissions"]) == ("builtin", ["read:reviews"])


def test_average_count_and_accessible_label(shop):
    for rating in (4, 4, 5):
        shop.add_review("enamel-camp-mug", rating, "Fine.")
    data = widget_data(shop, STARS, product="enamel-camp-mug")
    assert (data["average"], data["count"]) == (4.5, 4)
    assert data["label"] == "4.5 out of 5 stars, 4 reviews"
    assert data["stars"] == ["full", "full", "full", "full", "half"]


@pytest.mark.parametrize("average, bar", [
    (1.0, ["full", "empty", "empty", "empty", "empty"]),
    (3.2, ["full", "full", "full", "empty", "empty"]),
    (3.3, ["full", "full", "full", "half", "empty"]),
    (4.8, ["full"] * 5),
])
def test_star_bar_rounds_to_half_stars(average, bar):
    assert summary.star_bar(average) == bar


def test_label_says_one_review_and_whole_numbers_plainly():
    assert summary.label(5.0, 1) == "5 out of 5 stars, 1 review"
    assert summary.label(4.25, 12) == "4.2 out of 5 stars, 12 reviews"


def test_quotes_are_the_latest_verified_reviews_as_written(shop):
    now = utcnow()
    shop.add_review("enamel-camp-mug", 2, "Unverified rant.", verified_purchase=False, created_at=now)
    shop.add_review("enamel-camp-mug", 4, "Older but verified.", created_at=now - timedelta(days=3))
    shop.add_review("enamel-camp-mug", 5, "Newest verified.", created_at=now - timedelta(days=1))
    quoted = widget_data(shop, STARS, product="enamel-camp-mug", quotes=5)["reviews"]
    # the fixture shop's own review was written just now, so it comes first
    assert [r["body"] for r in quoted] == ["Sturdy and light.", "Newest verified.", "Older but verified."]
    assert all(r["verified_purchase"] for r in quoted)


def test_long_reviews_are_shortened_never_rewritten():
    body = "word " * 100
    quoted = summary.shorten(body)
    assert quoted.endswith("…") and len(quoted) <= summary.QUOTE_CHARS + 1
    assert body.startswith(quoted.removesuffix("…"))


def test_quotes_setting_and_parameter(shop):
    shop.configure("ratings", quotes=0)
    assert widget_data(shop, STARS, product="enamel-camp-mug")["reviews"] == []
    assert len(widget_data(shop, STARS, product="enamel-camp-mug", quotes="1")["reviews"]) == 1


def test_min_reviews_hides_products_with_too_few(shop):
    shop.configure("ratings", min_reviews=2)
    assert widget_data(shop, STARS, product="enamel-camp-mug") is None
    shop.add_review("enamel-camp-mug", 3, "Okay.")
    assert widget_data(shop, STARS, product="enamel-camp-mug")["count"] == 2


def test_products_without_reviews_or_no_product_show_nothing(shop):
    assert widget_data(shop, STARS, product="merino-crew") is None
    assert widget_data(shop, STARS) is None


def test_the_summary_is_cached_and_a_new_review_refreshes_it(shop):
    assert widget_data(shop, STARS, product="enamel-camp-mug")["count"] == 1
    shop.add_review("enamel-camp-mug", 1, "Chipped.", notify=False)  # e.g. written by another process
    assert widget_data(shop, STARS, product="enamel-camp-mug")["count"] == 1, "served from the cache"
    shop.add_review("enamel-camp-mug", 3, "Fine.")  # on_review_created drops this product's summary
    assert widget_data(shop, STARS, product="enamel-camp-mug")["count"] == 3


@pytest.mark.parametrize("settings, field", [
    ({"min_reviews": 0}, "min_reviews"),
    ({"quotes": 6}, "quotes"),
    ({"cache_seconds": "soon"}, "cache_seconds"),
])
def test_bad_settings_are_refused(shop, settings, field):
    with pytest.raises(SettingsError) as refused:
        shop.configure("ratings", **settings)
    assert field in refused.value.messages


def test_without_read_reviews_it_shows_nothing_and_reads_nothing(sw_shop):
    sw_shop.enable("ratings", grant=[])
    assert widget_data(sw_shop, STARS, product="enamel-camp-mug") is None
    assert sw_shop.plugin_state("ratings")["failure_count"] == 0


def test_disabled_shows_nothing(shop):
    shop.disable("ratings")
    assert widget_data(shop, STARS, product="enamel-camp-mug") is None


def test_review_text_renders_inert(sw_app, shop):
    shop.add_review("enamel-camp-mug", 5, PAYLOAD, title=PAYLOAD, author_name=PAYLOAD)
    html = render_widget(sw_app, shop, STARS, product="enamel-camp-mug")
    assert "<script>" not in html and '" onmouseover="' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_product_page_shows_the_stars_until_disabled(shop, sw_storefront):
    page = sw_storefront.product_page("enamel-camp-mug").get_data(as_text=True)
    assert 'aria-label="5 out of 5 stars, 1 review"' in page
    shop.disable("ratings")
    page = sw_storefront.product_page("enamel-camp-mug").get_data(as_text=True)
    assert 'data-sw-widget="ratings.stars"' not in page


def test_its_stylesheet_is_served_and_linked(sw_app, shop):
    response = sw_app.test_client().get("/plugins/ratings/static/ratings.css")
    assert response.status_code == 200 and b".sw-ratings" in response.data
    response.close()
