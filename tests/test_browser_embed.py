"""Widgets on an external storefront, in Chromium: the embed script fills placeholders from
another origin, and impressions and clicks come back as events."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import select

import tests.widget_doubles as shelf
from host.models import Event, Shop
from host.testing import add_fixture_shop
from tests.browser_kit import live_server

pytestmark = pytest.mark.browser

EXTERNAL_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Elsewhere</title></head>
<body><h1>An external shop</h1>
<div id="shelf" data-sw-widget="shelf.list" data-limit="2"></div>
<div id="gone" data-sw-widget="shelf.broken"></div>
<script src="{server}/embed.js" data-shop="acme" async></script></body></html>"""


def external_site(server: str) -> Flask:
    site = Flask("elsewhere")
    site.add_url_rule("/", "home", lambda: EXTERNAL_PAGE.format(server=server))
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
