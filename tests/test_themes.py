"""Themes: each shop picks one, the second built-in theme reuses the default's pages, static files
are served, a theme can override a widget's template, and a broken widget never breaks a page."""

from __future__ import annotations

import textwrap
import threading
import types
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from shopwright import PluginMeta, hookimpl
from shopwright.host.app import state_of
from shopwright.host.models import Product, Shop, Variant
from shopwright.host.testing import add_fixture_shop, build_app

BUILTIN_THEMES = ["default", "linen"]
PAGES = ["/shop/acme/", "/shop/acme/c/apparel", "/shop/acme/p/merino-crew", "/shop/acme/search?q=mug",
         "/shop/acme/search", "/shop/acme/p/missing"]


def use_theme(shop, theme: str) -> None:
    with shop.state.db.session() as session:
        session.execute(update(Shop).where(Shop.id == shop.id).values(theme=theme))
    shop.state.shops.forget(shop.slug)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


# -- the built-in themes ------------------------------------------------------------------
def test_builtin_themes_are_discovered_with_their_titles(sw_app):
    themes = state_of(sw_app).themes.available()
    assert [t.name for t in themes][:1] == ["default"]
    assert {"default": "Default", "linen": "Linen"}.items() <= {t.name: t.title for t in themes}.items()
    assert all(t.description for t in themes if t.name in BUILTIN_THEMES)


@pytest.mark.parametrize("theme", BUILTIN_THEMES)
def test_every_page_renders_in_every_builtin_theme(sw_shop, theme):
    use_theme(sw_shop, theme)
    client = sw_shop.app.test_client()
    for path in PAGES:
        answer = client.get(path)
        html = answer.get_data(as_text=True)
        assert answer.status_code == (404 if path.endswith("missing") else 200), path
        assert html.count("<h1") == 1, path
        assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html, path
        assert 'data-shop="acme" async></script>' in html, path


def test_linen_restyles_the_default_pages(sw_shop):
    use_theme(sw_shop, "linen")
    client = sw_shop.app.test_client()
    product = client.get("/shop/acme/p/merino-crew").get_data(as_text=True)
    assert "/themes/linen/static/linen.css" in product and "theme.css" not in product
    assert '<header class="masthead">' in product  # linen's base.html
    assert '<p class="linen-kicker">' in product and 'href="/shop/acme/c/apparel">Apparel</a></p>' in product
    assert '<table class="variants">' in product and 'id="reviews"' in product  # default's page, extended
    assert "Only 3 left" in product

    listing = client.get("/shop/acme/c/apparel").get_data(as_text=True)
    assert '<header class="linen-listing">' in listing and "1 piece" in listing
    assert 'class="card-title">Merino Crew Sweater<' in listing  # default's grid

    home = client.get("/shop/acme/").get_data(as_text=True)
    assert 'class="linen-hero"' in home and "Lately arrived" in home and 'class="hero"' not in home

    search = client.get("/shop/acme/search").get_data(as_text=True)  # no search.html in linen
    assert "Search the shop" in search and '<header class="masthead">' in search


def test_switching_the_theme_changes_the_next_page(sw_shop):
    client = sw_shop.app.test_client()
    assert "theme.css" in client.get("/shop/acme/").get_data(as_text=True)
    use_theme(sw_shop, "linen")
    assert "linen.css" in client.get("/shop/acme/").get_data(as_text=True)
    use_theme(sw_shop, "default")
    assert "theme.css" in client.get("/shop/acme/").get_data(as_text=True)


def test_a_missing_theme_falls_back_to_default(sw_shop, caplog):
    use_theme(sw_shop, "gone")
    answer = sw_shop.app.test_client().get("/shop/acme/")
    assert answer.status_code == 200 and "/themes/default/static/theme.css" in answer.get_data(as_text=True)
    assert "not installed" in caplog.text


# -- static files -------------------------------------------------------------------------
def test_theme_static_files_are_served_with_long_cache_headers(sw_shop):
    client = sw_shop.app.test_client()
    html = client.get("/shop/acme/").get_data(as_text=True)
    url = html.split('<link rel="stylesheet" href="')[1].split('"')[0]
    assert url.startswith("/themes/default/static/theme.css?v=")
    with client.get(url) as answer:
        assert answer.status_code == 200 and answer.mimetype == "text/css"
        assert answer.cache_control.max_age == 365 * 24 * 3600 and answer.cache_control.immutable
        assert b"prefers-reduced-motion" in answer.data and b":focus-visible" in answer.data
    with client.get("/themes/linen/static/linen.css") as unversioned:
        assert unversioned.status_code == 200 and unversioned.cache_control.max_age == 3600


def test_a_theme_uses_default_static_files_it_does_not_have(sw_app):
    with sw_app.test_client().get("/themes/linen/static/theme.css") as answer:
        assert answer.status_code == 200 and b"Shopwright default theme" in answer.data


@pytest.mark.parametrize("path", [
    "/themes/nope/static/theme.css", "/themes/default/static/missing.css",
    "/themes/default/static/../theme.toml", "/themes/default/static/..%2Ftheme.toml",
    "/themes/default/static/%2e%2e/templates/base.html",
])
def test_static_files_outside_a_theme_are_not_served(sw_app, path):
    assert sw_app.test_client().get(path).status_code == 404


# -- widget templates, overrides and failures ----------------------------------------------
def make_widget_plugin(folder: Path) -> types.ModuleType:
    """A plugin package on disk (its templates/ beside it) with widgets that work, fail and hang."""
    release = threading.Event()
    write(folder / "templates" / "tplug" / "box.html", '<p class="plugin-box">Box for {{ title }}</p>\n')
    module = types.ModuleType("tplug")
    module.__file__ = str(folder / "__init__.py")
    module.plugin_meta = PluginMeta(name="tplug", version="1.0", permissions=("read:catalog",))
    module.release = release

    def box(ctx, product=None):
        return {"title": product["title"] if product else "nobody"}

    def boom(ctx, product=None):
        raise RuntimeError("widget exploded")

    def slow(ctx, product=None):
        release.wait(5)
        return {"title": "too late"}

    @hookimpl
    def register_widgets(register):
        register("box", box)
        register("boom", boom, template="tplug/box.html")
        register("slow", slow, template="tplug/box.html")

    module.register_widgets = register_widgets
    return module


@pytest.fixture
def widget_app(tmp_path):
    """An app whose instance has its own theme `custom`: it overrides the plugin's widget
    template (extending it through `default:`) and adds the test widgets to the product page."""
    plugin = make_widget_plugin(tmp_path / "tplug")
    instance = tmp_path / "instance"
    write(instance / "themes" / "custom" / "templates" / "tplug" / "box.html", """
        <div class="custom-box">{% include "default:tplug/box.html" %}</div>
    """)
    write(instance / "themes" / "custom" / "templates" / "product.html", """
        {% extends "default:product.html" %}
        {% block recommendations %}
        {{ super() }}
        <div id="test-widgets">
        {{ widget("tplug.box", product=product) }}
        {{ widget("tplug.boom", product=product) }}
        {{ widget("tplug.slow", product=product) }}
        {{ widget("tplug.missing") }}
        </div><!-- /test-widgets -->
        {% endblock %}
    """)
    app = build_app(instance, plugins=[plugin], STOREFRONT_HOOK_BUDGET_MS=100)
    shop = add_fixture_shop(app)
    yield app, shop, plugin
    plugin.release.set()
    state_of(app).close()


def test_instance_themes_are_found_first(widget_app):
    app, _shop, _plugin = widget_app
    assert "custom" in {t.name for t in state_of(app).themes.available()}


def render_box(app, shop, theme: str) -> str:
    with app.test_request_context():
        product = {"id": 1, "title": "Mug"}
        return str(state_of(app).widget_renderer.html(shop.state.shops.by_slug("acme").info, theme, "tplug.box",
                                                      {"product": product}))


def test_theme_widget_template_overrides_the_plugins(widget_app):
    app, shop, plugin = widget_app
    shop.enable("tplug")
    assert render_box(app, shop, "default") == '<p class="plugin-box">Box for Mug</p>'  # the plugin's own
    assert render_box(app, shop, "custom").startswith('<div class="custom-box"><p class="plugin-box">Box for Mug')
    use_theme(shop, "custom")
    html = app.test_client().get("/shop/acme/p/merino-crew").get_data(as_text=True)
    assert '<div class="sw-widget" data-sw-widget="tplug.box" data-sw-product="' in html
    assert '<div class="custom-box"><p class="plugin-box">Box for Merino Crew Sweater</p>' in html


def test_failing_slow_and_unknown_widgets_leave_the_page_whole(widget_app):
    app, shop, plugin = widget_app
    shop.enable("tplug")
    use_theme(shop, "custom")
    answer = app.test_client().get("/shop/acme/p/merino-crew")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    widgets = html.split('<div id="test-widgets">')[1].split("<!-- /test-widgets -->")[0]
    assert widgets.count('class="sw-widget"') == 1 and "tplug.box" in widgets  # boom, slow, missing: nothing
    assert "too late" not in html and "exploded" not in html
    assert "</html>" in html and "Merino Crew Sweater</h1>" in html


def test_disabled_widget_renders_nothing(widget_app):
    app, shop, _plugin = widget_app
    use_theme(shop, "custom")
    client = app.test_client()
    html = client.get("/shop/acme/p/merino-crew").get_data(as_text=True)
    assert 'class="sw-widget"' not in html and "plugin-box" not in html  # installed, never enabled
    shop.enable("tplug")
    assert "plugin-box" in client.get("/shop/acme/p/merino-crew").get_data(as_text=True)
    shop.state.disable_plugin(shop.id, "tplug")
    answer = client.get("/shop/acme/p/merino-crew")
    assert answer.status_code == 200 and "plugin-box" not in answer.get_data(as_text=True)


def test_widget_output_is_escaped(widget_app):
    app, shop, _plugin = widget_app
    shop.enable("tplug")
    use_theme(shop, "custom")
    with shop.state.db.session() as session:
        session.execute(update(Product).where(Product.handle == "merino-crew")
                        .values(title='<script>alert(1)</script>" onmouseover="alert(1)'))
    html = app.test_client().get("/shop/acme/p/merino-crew").get_data(as_text=True)
    assert "<script>alert(1)" not in html and '" onmouseover="' not in html
    assert "Box for &lt;script&gt;alert(1)&lt;/script&gt;&#34; onmouseover=&#34;alert(1)" in html


def test_prices_are_shown_in_the_shops_currency(sw_shop):
    with sw_shop.state.db.session() as session:
        session.execute(update(Shop).where(Shop.id == sw_shop.id).values(currency="EUR"))
        session.add(Product(shop_id=sw_shop.id, handle="euro-thing", title="Euro Thing", category="Outdoor",
                            variants=[Variant(shop_id=sw_shop.id, sku="EU-1", price=Decimal("1234.50"))]))
    sw_shop.state.shops.forget("acme")
    html = sw_shop.app.test_client().get("/shop/acme/p/euro-thing").get_data(as_text=True)
    assert "€1,234.50" in html


# -- in a real browser --------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.parametrize("theme", BUILTIN_THEMES)
def test_pages_are_keyboard_navigable_and_fit_a_phone(sw_shop, page, theme):
    from tests.browser_kit import live_server

    use_theme(sw_shop, theme)
    with live_server(sw_shop.app) as server:
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto(server + "/shop/acme/p/merino-crew")
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        assert skip.evaluate("el => el === document.activeElement")
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0  # shown on focus, not left off screen
        assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")  # the first link inside main: the breadcrumb
        assert page.evaluate("document.activeElement.closest('nav')?.getAttribute('aria-label')") == "Breadcrumb"
        for path in ("/shop/acme/", "/shop/acme/c/apparel", "/shop/acme/p/merino-crew", "/shop/acme/search?q=mug"):
            page.goto(server + path)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    assert page.js_errors == []


@pytest.mark.browser
def test_reduced_motion_turns_transitions_off(sw_shop, browser):
    from tests.browser_kit import live_server

    with sw_shop.state.db.session() as session:  # a card needs an <img>; whether it loads does not matter
        session.execute(update(Product).where(Product.handle == "merino-crew").values(images=["/no-such.jpg"]))
    with live_server(sw_shop.app) as server:
        for motion, expected in (("no-preference", "0.25s"), ("reduce", "0s")):
            context = browser.new_context(reduced_motion=motion)
            page = context.new_page()
            page.goto(server + "/shop/acme/c/apparel")
            duration = page.locator(".media img").first.evaluate("el => getComputedStyle(el).transitionDuration")
            context.close()
            assert duration == expected, motion
