"""The product page with copy published from a draft, in Chromium, on a desktop and a phone: the
highlights show as a list beside the price, the SEO title is the page's title, and the Details
table holds only the product's own attributes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_kit import live_server
from tests.test_storefront import DRAFT_KINDS, THEMES, publish_draft, use_theme

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)


def test_published_copy_reads_well_on_desktop_and_phone(sw_shop, page):
    copy = DRAFT_KINDS["description"]
    publish_draft(sw_shop, copy, "description")
    with live_server(sw_shop.app) as server:
        for theme in THEMES:
            use_theme(sw_shop, theme)
            for width in WIDTHS:
                where = f"{theme} at {width}px"
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(server + "/shop/acme/p/merino-crew")
                assert page.title() == copy["seo_title"], where
                highlights = page.locator("ul.highlights")
                expect(highlights).to_be_visible()
                expect(highlights.locator("li")).to_have_text(copy["highlights"])
                box = highlights.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, where
                rows = page.locator("table.attributes th")
                expect(rows.filter(has_text="Material")).to_have_count(1)
                expect(rows.filter(has_text="Seo")).to_have_count(0)
                expect(rows.filter(has_text="Highlights")).to_have_count(0)
                expect(page.locator("table.attributes")).not_to_contain_text("{")
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), where
    assert page.js_errors == []
