"""Widgets on an external storefront, in Chromium: the embed script fills placeholders from
another origin, and impressions and clicks come back as events. And the shop's own storefront with
its widgets under the real Content-Security-Policy: nothing of the theme or the widgets is
blocked, pictures from other sites show, and a theme's inline script would not run."""

from __future__ import annotations

import base64
import time

import pytest
from flask import Flask, Response
from playwright.sync_api import expect
from sqlalchemy import select, update

import tests.widget_doubles as shelf
from shopwright.host.models import Event, Product, Shop
from shopwright.host.testing import add_fixture_shop
from tests.browser_kit import live_server
from tests.csp_watch import settle, watch_csp

pytestmark = pytest.mark.browser

EXTERNAL_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Elsewhere</title></head>
<body><h1>An external shop</h1>
<div id="shelf" data-sw-widget="shelf.list" data-limit="2"></div>
<div id="gone" data-sw-widget="shelf.broken"></div>
<script src="{server}/embed.js" data-shop="acme" async></script></body></html>"""


#: A 1×1 PNG: the product pictures, served by another site as a shop's CDN would.
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E"
                         "rkJggg==")
#: An instance theme that breaks the storefront's rules: inline script, handler and style.
INLINE_HOME = """{% extends "default:home.html" %}
{% block content %}{{ super() }}
<p id="inline-style" style="color: rgb(255, 0, 0)">styled inline</p>
<script>document.title = "inline script ran";</script>
<button type="button" id="inline-handler" onclick="document.title = 'inline handler ran'">Try</button>
{% endblock %}"""


def external_site(server: str) -> Flask:
    site = Flask("elsewhere")
    site.add_url_rule("/", "home", lambda: EXTERNAL_PAGE.format(server=server))
    site.add_url_rule("/pixel.png", "pixel", lambda: Response(PIXEL, mimetype="image/png"))
    return site


@pytest.fixture
def shop(sw_app_factory):
    app = sw_app_factory(plugins=[shelf])
    fixture = add_fixture_shop(app)
    fixture.enable("shelf")
    return fixture


def allow(shop, origin: str) -> None:
    with shop.state.db.session() as session:
        session.get(Shop, shop.id).allowed_origins = [origin]
    shop.state.shops.forget(shop.slug)


def events_of(shop, type_: str) -> list[Event]:
    with shop.state.db.session() as session:
        return list(session.scalars(select(Event).where(Event.shop_id == shop.id, Event.type == type_)))


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    return condition()


def test_embed_script_fills_placeholders_and_reports_impressions_and_clicks(page, shop):
    with live_server(shop.app) as server, live_server(external_site(server)) as external:
        external = external.replace("127.0.0.1", "localhost")  # another origin than the server's
        allow(shop, external)
        page.goto(external + "/")
        page.locator("#shelf ul.shelf li").first.wait_for()
        assert page.locator("#shelf li").count() == 2
        assert page.inner_html("#gone") == ""  # a failing widget leaves its placeholder empty
        impressions = wait_for(lambda: events_of(shop, "widget_impression"))
        assert [e.widget for e in impressions] == ["shelf.list"]
        link = page.locator("#shelf a").first
        clicked = int(link.get_attribute("data-sw-product"))
        link.click()
        clicks = wait_for(lambda: events_of(shop, "widget_click"))
        assert (clicks[0].widget, clicks[0].product_id) == ("shelf.list", clicked)
        assert clicks[0].session_id == impressions[0].session_id != ""
    assert page.js_errors == []


def test_an_origin_the_shop_did_not_allow_gets_no_widgets(page, shop):
    with live_server(shop.app) as server, live_server(external_site(server)) as external:
        allow(shop, "https://somewhere-else.example")
        page.goto(external.replace("127.0.0.1", "localhost") + "/")
        page.wait_for_load_state("networkidle")
        assert page.inner_html("#shelf") == ""
    assert events_of(shop, "widget_impression") == []


# -- the storefront under its Content-Security-Policy ----------------------------------------
@pytest.fixture
def storefront(sw_app_factory, tmp_path):
    inline = tmp_path / "instance" / "themes" / "inline" / "templates"
    inline.mkdir(parents=True)
    (inline / "home.html").write_text(INLINE_HOME)
    app = sw_app_factory(plugins=[shelf], INSTANCE_PATH=str(tmp_path / "instance"))
    fixture = add_fixture_shop(app)
    for plugin in ("shelf", "bestsellers", "ratings"):
        fixture.enable(plugin)
    fixture.add_order({"merino-crew": 1})  # a bestseller to show on the mug's page
    return fixture


def set_shop(shop, **values) -> None:
    with shop.state.db.session() as session:
        session.execute(update(Shop).where(Shop.id == shop.id).values(**values))
    shop.state.shops.forget(shop.slug)


def picture_loaded(locator) -> bool:
    return locator.evaluate("image => image.complete && image.naturalWidth > 0")


def test_the_storefront_and_its_widgets_work_under_the_storefront_csp(page, storefront, tmp_path):
    violations = watch_csp(page)
    with live_server(storefront.app) as server, live_server(external_site(server)) as pictures:
        cdn = pictures.replace("127.0.0.1", "localhost")  # another origin, plain http
        with storefront.state.db.session() as session:
            session.execute(update(Product).where(Product.shop_id == storefront.id)
                            .values(images=[f"{cdn}/pixel.png"]))
        for theme in ("default", "linen"):
            set_shop(storefront, theme=theme)
            for path in ("/shop/acme/", "/shop/acme/c/apparel", "/shop/acme/search?q=mug", "/shop/acme/p/nothing"):
                page.goto(server + path)
                settle(page)
            page.goto(server + "/shop/acme/p/enamel-camp-mug")
            expect(page.locator('[data-sw-widget="bestsellers.top"] li').first).to_be_visible()
            expect(page.locator('[data-sw-widget="ratings.stars"]')).to_be_visible()
            settle(page)
            assert picture_loaded(page.locator("img.product-image"))
            assert picture_loaded(page.locator('[data-sw-widget="bestsellers.top"] img').first)
            heading = page.locator('[data-sw-widget="bestsellers.top"] h2')
            assert heading.evaluate("e => getComputedStyle(e).display") != "none"
            if theme == "default":
                page.screenshot(path=str(tmp_path / "storefront-product.png"), full_page=True)
        # The embed script ran on the shop's own pages: it reported the product views.
        assert wait_for(lambda: len(events_of(storefront, "view")) >= 2)
    assert violations == []
    assert page.js_errors == []


def test_a_themes_inline_script_handler_and_style_are_blocked_and_reported(page, storefront):
    violations = watch_csp(page)
    set_shop(storefront, theme="inline")
    with live_server(storefront.app) as server:
        page.goto(server + "/shop/acme/")
        page.locator("#inline-handler").click()
        settle(page)
        assert page.title() != "inline script ran" and "handler" not in page.title()
        assert page.locator("#inline-style").evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    blocked = " ".join(violations)
    for directive in ("script-src-elem", "script-src-attr", "style-src-attr"):
        assert directive in blocked

