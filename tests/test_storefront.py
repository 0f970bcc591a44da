"""The storefront as a shopper uses it: home, category listings, product pages, search, 404s."""

from __future__ import annotations

import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from markupsafe import Markup
from sqlalchemy import event, select, update

from shopwright import PluginMeta, hookimpl
from shopwright.host import drafts
from shopwright.host.inference import FakeTextBackend
from shopwright.host.models import GeneratedContent, Product, Review, Shop, Variant
from shopwright.host.shops import create_shop
from shopwright.host.storefront.pagination import Page, PageOutOfRange, page_number
from shopwright.host.testing import use_fake_models

THEMES = ["default", "linen"]
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAKOUT = '" onmouseover="alert(1)'


# -- helpers ------------------------------------------------------------------------------
def add_products(shop, count: int, category: str = "Bulk", prefix: str = "Bulk item", **fields) -> list[str]:
    handles = [f"{prefix.lower().replace(' ', '-')}-{n:02d}" for n in range(1, count + 1)]
    with shop.state.db.session() as session:
        for n, handle in enumerate(handles, 1):
            session.add(Product(shop_id=shop.id, handle=handle, title=f"{prefix} {n:02d}", category=category,
                                variants=[Variant(shop_id=shop.id, sku=f"{handle}-sku", price=Decimal("5.00"),
                                                  inventory_qty=10)], **fields))
    forget_categories(shop)
    return handles


def update_product(shop, handle: str, **values) -> None:
    with shop.state.db.session() as session:
        session.execute(update(Product).where(Product.shop_id == shop.id, Product.handle == handle).values(**values))
    forget_categories(shop)


def forget_categories(shop) -> None:
    shop.app.extensions["storefront"].categories.forget(shop.id)


def card_titles(html: str) -> list[str]:
    return re.findall(r'class="card-title">([^<]*)<', html)


@contextmanager
def counted_statements(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def client(sw_shop):
    return sw_shop.app.test_client()


# -- pages --------------------------------------------------------------------------------
def test_home_shows_hero_categories_and_new_products(sw_shop, client):
    page = client.get("/shop/acme/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert html.count("<h1") == 1 and "Acme Outfitters</h1>" in html
    assert 'href="/shop/acme/c/outdoor"' in html and 'href="/shop/acme/c/apparel"' in html
    assert {"Enamel Camp Mug 350 ml", "Merino Crew Sweater"} <= set(card_titles(html))
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert 'data-shop="acme" async></script>' in html


def test_root_redirects_to_the_only_shop(sw_shop, client):
    answer = client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/shop/acme/")


def test_root_lists_shops_when_there_are_several(sw_shop, client):
    with sw_shop.state.db.session() as session:
        create_shop(session, "zeta", "Zeta Goods")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/shop/acme/"' in html and 'href="/shop/zeta/"' in html


def test_root_explains_how_to_start_without_shops(sw_app):
    answer = sw_app.test_client().get("/")
    assert answer.status_code == 200 and "shopwright demo load" in answer.get_data(as_text=True)


def test_product_page_shows_price_variants_description_attributes_and_reviews(sw_shop, client):
    page = client.get("/shop/acme/p/merino-crew")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<h1") == 1
    assert "<h1>Merino Crew Sweater</h1>" in html and "$89.00" in html
    assert "Only 3 left" in html and "Sold out" in html and "Only 5 left" in html  # S: 3, M: 0, L: 5
    assert '<th scope="row">Material</th><td>merino wool</td>' in html
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in html and 'href="/shop/acme/c/apparel"' in html
    assert "No reviews yet." in html
    assert re.search(r'<article class="product" data-sw-view-product="\d+">', html)  # the embed script's view event

    mug = client.get("/shop/acme/p/enamel-camp-mug").get_data(as_text=True)
    assert "<p>A steel mug with an enamel coat.</p>" in mug and "In stock" in mug  # 12 of them
    assert "<td>white, blue</td>" in mug and '<th scope="row">Capacity ml</th>' in mug
    assert "5.0 out of 5" in mug and "Sturdy and light." in mug and "Verified purchase" in mug


def test_product_page_embeds_the_widgets_and_slot(sw_shop, client, monkeypatch):
    asked = []
    renderer = sw_shop.state.widget_renderer
    original = renderer.html
    monkeypatch.setattr(renderer, "html", lambda shop, theme, name, params, enabled=None, budget=None: (
        asked.append((name, params)) or original(shop, theme, name, params, enabled)))
    assert client.get("/shop/acme/p/enamel-camp-mug").status_code == 200
    names = {name for name, _ in asked}
    assert {"bestsellers.top", "ratings.stars", "low_stock.badge"} <= names
    assert all(params["product"]["handle"] == "enamel-camp-mug" for _, params in asked)
    assert ("bestsellers.top", 4) in {(name, params.get("limit")) for name, params in asked}


def test_product_images_have_alt_text_defaulting_to_the_title(sw_shop, client):
    update_product(sw_shop, "enamel-camp-mug", images=["https://cdn.example.com/mug.jpg",
                                                       {"src": "https://cdn.example.com/mug-2.jpg", "alt": "Mug, side"},
                                                       "javascript:alert(1)"])
    html = client.get("/shop/acme/p/enamel-camp-mug").get_data(as_text=True)
    assert 'src="https://cdn.example.com/mug.jpg" alt="Enamel Camp Mug 350 ml"' in html
    assert 'alt="Mug, side"' in html and "javascript:" not in html


def test_sale_price_shows_the_compare_at_price_struck_through(sw_shop, client):
    with sw_shop.state.db.session() as session:
        session.execute(update(Variant).where(Variant.sku == "MUG-W").values(compare_at_price=Decimal("24.00")))
    html = client.get("/shop/acme/p/enamel-camp-mug").get_data(as_text=True)
    assert re.search(r'<s class="price-was">.*\$24\.00</s>', html)
    assert "badge-sale" in client.get("/shop/acme/c/outdoor").get_data(as_text=True)


def test_category_listing_paginates_24_a_page(sw_shop, client):
    add_products(sw_shop, 30)
    first = client.get("/shop/acme/c/bulk").get_data(as_text=True)
    second = client.get("/shop/acme/c/bulk?page=2").get_data(as_text=True)
    assert len(card_titles(first)) == 24 and len(card_titles(second)) == 6
    assert not set(card_titles(first)) & set(card_titles(second))
    assert 'href="/shop/acme/c/bulk?page=2" rel="next"' in first and 'rel="prev"' not in first.split("<main")[1]
    assert 'href="/shop/acme/c/bulk" rel="prev"' in second
    assert 'aria-current="page" aria-label="Page 2, current page">2</a>' in second
    assert "30 products" in first and "page 1 of 2" in first


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1.5"])
def test_category_page_out_of_range_is_404(sw_shop, client, page):
    add_products(sw_shop, 30)
    assert client.get(f"/shop/acme/c/bulk?page={page}").status_code == 404


def test_category_with_one_page_has_no_pager(sw_shop, client):
    html = client.get("/shop/acme/c/outdoor").get_data(as_text=True)
    assert card_titles(html) == ["Enamel Camp Mug 350 ml"] and 'aria-label="Pagination"' not in html


def test_category_slug_is_made_from_its_name(sw_shop, client):
    add_products(sw_shop, 2, category="Home & Kitchen")
    assert 'href="/shop/acme/c/home-and-kitchen"' in client.get("/shop/acme/").get_data(as_text=True)
    assert len(card_titles(client.get("/shop/acme/c/home-and-kitchen").get_data(as_text=True))) == 2


@pytest.mark.parametrize("path, message", [
    ("/shop/nowhere/", "There is no shop here"),
    ("/shop/nowhere/p/enamel-camp-mug", "There is no shop here"),
    ("/shop/acme/p/no-such-thing", "This product is not available"),
    ("/shop/acme/c/no-such-category", "There is no such category"),
    ("/shop/acme/no/such/page", "Page not found"),
])
def test_unknown_addresses_get_the_themed_404(sw_shop, client, path, message):
    answer = client.get(path)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404 and message in html
    assert "/themes/default/static/theme.css" in html and "<h1>" in html


def test_inactive_products_are_hidden_everywhere(sw_shop, client):
    update_product(sw_shop, "enamel-camp-mug", status="draft")
    assert client.get("/shop/acme/p/enamel-camp-mug").status_code == 404
    assert "Enamel Camp Mug" not in client.get("/shop/acme/").get_data(as_text=True)
    assert "Enamel Camp Mug" not in client.get("/shop/acme/search?q=mug").get_data(as_text=True)
    assert client.get("/shop/acme/c/outdoor").status_code == 404  # its only product is gone


def test_shops_see_only_their_own_products(sw_shop, client):
    with sw_shop.state.db.session() as session:
        other = create_shop(session, "zeta", "Zeta Goods")
        session.add(Product(shop_id=other.id, handle="secret", title="Zeta Secret", category="Outdoor",
                            variants=[Variant(shop_id=other.id, sku="Z-1", price=Decimal("1.00"))]))
    assert client.get("/shop/acme/p/secret").status_code == 404
    assert "Zeta Secret" not in client.get("/shop/acme/search?q=secret").get_data(as_text=True)
    assert "Zeta Secret" not in client.get("/shop/acme/c/outdoor").get_data(as_text=True)
    assert client.get("/shop/zeta/p/secret").status_code == 200


# -- search -------------------------------------------------------------------------------
@pytest.mark.parametrize("query, expected", [
    ("mug", ["Enamel Camp Mug 350 ml"]),
    ("MERINO", ["Merino Crew Sweater"]),
    ("apparel", ["Merino Crew Sweater"]),  # category
    ("enamel coat", ["Enamel Camp Mug 350 ml"]),  # both words, from title and description
    ("mug sweater", []),  # every word must match
])
def test_search_finds_by_title_category_and_description(sw_shop, client, query, expected):
    html = client.get("/shop/acme/search", query_string={"q": query}).get_data(as_text=True)
    assert card_titles(html) == expected


def test_search_finds_by_vendor_and_tag(sw_shop, client):
    update_product(sw_shop, "merino-crew", vendor="Fernhill Knitworks", tags=["gift idea"])
    assert card_titles(client.get("/shop/acme/search?q=fernhill").get_data(as_text=True)) == ["Merino Crew Sweater"]
    assert card_titles(client.get("/shop/acme/search?q=gift").get_data(as_text=True)) == ["Merino Crew Sweater"]


@pytest.mark.parametrize("query", ["%", "_", "\\", "' OR 1=1 --", "%mug%"])
def test_search_treats_the_query_as_literal_text(sw_shop, client, query):
    answer = client.get("/shop/acme/search", query_string={"q": query})
    assert answer.status_code == 200 and card_titles(answer.get_data(as_text=True)) == []


def test_search_finds_literal_percent_signs(sw_shop, client):
    update_product(sw_shop, "merino-crew", title="Merino Crew Sweater 100% wool")
    html = client.get("/shop/acme/search", query_string={"q": "100%"}).get_data(as_text=True)
    assert card_titles(html) == ["Merino Crew Sweater 100% wool"]


def test_search_escapes_the_query_in_the_page(sw_shop, client):
    html = client.get("/shop/acme/search", query_string={"q": SCRIPT}).get_data(as_text=True)
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = client.get("/shop/acme/search", query_string={"q": ATTRIBUTE_BREAKOUT}).get_data(as_text=True)
    assert ATTRIBUTE_BREAKOUT not in html and "&#34; onmouseover=&#34;alert(1)" in html


def test_empty_search_is_a_helpful_page(sw_shop, client):
    html = client.get("/shop/acme/search?q=+++").get_data(as_text=True)
    assert "Search the shop" in html and 'href="/shop/acme/c/outdoor"' in html
    assert card_titles(html) == []


def test_search_paginates_and_keeps_the_query(sw_shop, client):
    add_products(sw_shop, 26, prefix="Canvas tote")
    first = client.get("/shop/acme/search?q=canvas").get_data(as_text=True)
    second = client.get("/shop/acme/search?q=canvas&page=2").get_data(as_text=True)
    assert len(card_titles(first)) == 24 and len(card_titles(second)) == 2
    assert 'href="/shop/acme/search?q=canvas&amp;page=2" rel="next"' in first
    assert client.get("/shop/acme/search?q=canvas&page=3").status_code == 404


# -- untrusted text -----------------------------------------------------------------------
@pytest.mark.parametrize("payload", [SCRIPT, ATTRIBUTE_BREAKOUT])
def test_product_fields_render_inert_on_every_page(sw_shop, client, payload):
    update_product(sw_shop, "merino-crew", title=f"Sweater {payload}", vendor=f"Vendor {payload}",
                   attributes={"material": payload, payload: "x"}, tags=["sweater"])
    with sw_shop.state.db.session() as session:
        product_id = session.scalar(select(Product.id).where(Product.handle == "merino-crew"))
        session.add(Review(shop_id=sw_shop.id, external_id="xss", product_id=product_id, rating=1,
                           author_name=payload, title=payload, body=f"Body {payload}"))
    pages = ["/shop/acme/p/merino-crew", "/shop/acme/c/apparel", "/shop/acme/search?q=sweater", "/shop/acme/"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert payload not in html, path
        assert "alert(1)" in html, path  # shown, as text
    product = client.get("/shop/acme/p/merino-crew").get_data(as_text=True)
    assert "onmouseover=" not in product.replace("onmouseover=&#34;", "")


def test_description_html_is_sanitised(sw_shop, client):
    update_product(sw_shop, "merino-crew", description_html=(
        '<p onclick="alert(1)">Soft <strong>merino</strong></p><script>alert(1)</script>'
        '<a href="javascript:alert(1)">bad link</a><img src=x onerror="alert(1)"><h1>Big</h1>'))
    html = client.get("/shop/acme/p/merino-crew").get_data(as_text=True)
    description = html.split('<div class="prose">')[1].split("</div>")[0]
    # the rest of the sanitiser's cases are in test_sanitize.py
    assert description == ('<p>Soft <strong>merino</strong></p><a rel="nofollow noopener">bad link</a>'
                           '<img loading="lazy"><h2>Big</h2>')
    assert html.count("<h1") == 1


# -- slots --------------------------------------------------------------------------------
class SlotPlugin:
    plugin_meta = PluginMeta(name="slotty", version="1.0")

    def __init__(self, value):
        self.value = value

    @hookimpl
    def render_slot(self, ctx, slot, product):
        if slot == "product.below_description" and product:
            return self.value(product)


@pytest.mark.parametrize("value, expected", [
    (lambda product: Markup("<p class='ship'>Ships {}</p>").format(product["handle"]),
     "<p class='ship'>Ships merino-crew</p>"),
    (lambda product: f"<b>{product['title']}</b>", "&lt;b&gt;Merino Crew Sweater&lt;/b&gt;"),
])
def test_slot_shows_plugin_html_and_escapes_plain_strings(sw_app_factory, value, expected):
    from shopwright.host.testing import add_fixture_shop

    app = sw_app_factory(plugins=[SlotPlugin(value)])
    shop = add_fixture_shop(app)
    client = app.test_client()
    assert 'class="sw-slot"' not in client.get("/shop/acme/p/merino-crew").get_data(as_text=True)  # disabled
    shop.enable("slotty")
    html = client.get("/shop/acme/p/merino-crew").get_data(as_text=True)
    assert f'<div class="sw-slot" data-sw-slot="product.below_description">{expected}</div>' in html


# -- speed: a fixed, small number of statements per page -----------------------------------
def test_product_page_runs_three_statements(sw_shop, client):
    client.get("/shop/acme/p/enamel-camp-mug")  # shop and categories are cached after this
    with counted_statements(sw_shop.state.db.engine) as statements:
        assert client.get("/shop/acme/p/enamel-camp-mug").status_code == 200
    assert len(statements) <= 3, statements  # product with variants, reviews, enabled plugins


def test_listing_statements_do_not_grow_with_the_page(sw_shop, client):
    add_products(sw_shop, 24)
    counts = []
    for path in ("/shop/acme/c/outdoor", "/shop/acme/c/bulk"):  # 1 product, then 24
        client.get(path)
        with counted_statements(sw_shop.state.db.engine) as statements:
            client.get(path)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 3


def test_category_cache_sees_new_products_after_forget(sw_shop, client):
    client.get("/shop/acme/")
    add_products(sw_shop, 1, category="Garden")
    assert 'href="/shop/acme/c/garden"' in client.get("/shop/acme/").get_data(as_text=True)


# -- pagination unit ----------------------------------------------------------------------
def test_page_numbers_show_a_window_with_gaps():
    assert Page(5, total=240).numbers() == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert Page(1, total=30).numbers() == [1, 2]
    assert Page(1, total=0).pages == 1 and Page(1, total=0).first_item == 0


def test_page_number_parsing():
    assert page_number(None) == 1 and page_number("") == 1 and page_number("7") == 7
    for bad in ("0", "-2", "x", "2.0"):
        with pytest.raises(PageOutOfRange):
            page_number(bad)
    with pytest.raises(PageOutOfRange):
        Page.checked(3, total=48)


def test_theme_lookup_uses_the_shop_column(sw_shop, client):
    with sw_shop.state.db.session() as session:
        assert session.scalar(select(Shop.theme).where(Shop.id == sw_shop.id)) == "default"
    assert "/themes/default/static/theme.css" in client.get("/shop/acme/").get_data(as_text=True)


# -- copy published from drafts -----------------------------------------------------------
SWEATER = "/shop/acme/p/merino-crew"  # no description of its own: every text below comes from a draft
SWEATER_TITLE = "Merino Crew Sweater · Acme Outfitters"
#: What a draft may publish onto a product, one case per kind of draft: the description writer's
#: (all four fields), and drafts carrying some of the fields only (see `host.drafts`).
DRAFT_KINDS = {
    "description": {"description_html": "<p>A soft <strong>merino</strong> crew for cold mornings.</p>",
                    "seo_title": "Merino Crew Sweater – soft wool", "meta_description": "A soft merino crew sweater.",
                    "highlights": ["Merino wool", "Sizes S, M and L", "Hand wash cold"]},
    "seo": {"seo_title": "Soft merino crew", "meta_description": "Warm merino wool, three sizes."},
    "highlights": {"highlights": "Merino wool\n\n  Sizes S, M and L  "},  # text with one item a line, as edited
    "description_only": {"description_html": "<p>Knitted from merino wool.</p>"},
}


def use_theme(shop, theme: str) -> None:
    with shop.state.db.session() as session:
        session.execute(update(Shop).where(Shop.id == shop.id).values(theme=theme))
    shop.state.shops.forget(shop.slug)


def publish_draft(shop, content: dict, kind: str, handle: str = "merino-crew") -> None:
    """Save a draft the way a plugin does and approve it through the drafts service."""
    with shop.state.db.session() as session:
        draft = GeneratedContent(shop_id=shop.id, plugin="writer", kind=kind, product_id=shop.product(handle)["id"],
                                 status="draft", content=content, meta={})
        session.add(draft)
        session.flush()
        draft_id = draft.id
    assert drafts.publish(shop.state, shop.id, draft_id, "user:owner@example.com")["status"] == "published"


def head_title(html: str) -> str:
    return re.search(r"<title>([^<]*)</title>", html).group(1)


def meta_description(html: str) -> str | None:
    found = re.findall(r'<meta name="description" content="([^"]*)">', html)
    assert len(found) <= 1
    return found[0] if found else None


def highlight_items(html: str) -> list[str] | None:
    found = re.findall(r'<ul class="highlights"[^>]*>(.*?)</ul>', html, re.S)
    assert len(found) <= 1
    return re.findall(r"<li>([^<]*)</li>", found[0]) if found else None


def details_rows(html: str) -> list[tuple[str, str]]:
    table = re.search(r'<table class="attributes">(.*?)</table>', html, re.S)
    return re.findall(r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td></tr>', table.group(1)) if table else []


def assert_no_copy_in_details(html: str) -> None:
    rows = details_rows(html)
    assert ("Material", "merino wool") in rows
    assert not {"Seo", "Highlights"} & {label for label, _ in rows}
    assert not any(mark in text for _, text in rows for mark in ("{", "}", "[", "]", "&#39;"))


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("kind", DRAFT_KINDS)
def test_published_copy_goes_to_the_title_meta_and_highlights_never_the_details(sw_shop, client, theme, kind):
    use_theme(sw_shop, theme)
    content = DRAFT_KINDS[kind]
    publish_draft(sw_shop, content, kind)
    page = client.get(SWEATER)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<h1") == 1
    assert head_title(html) == content.get("seo_title", SWEATER_TITLE)
    described = {"description": "A soft merino crew for cold mornings.",
                 "description_only": "Knitted from merino wool."}
    assert meta_description(html) == content.get("meta_description", described.get(kind))  # else the description
    expected = {"description": content.get("highlights"), "highlights": ["Merino wool", "Sizes S, M and L"]}.get(kind)
    assert highlight_items(html) == expected
    assert_no_copy_in_details(html)
    assert "No description yet" not in html


@pytest.mark.parametrize("theme", THEMES)
def test_a_product_without_copy_shows_no_placeholder(sw_shop, client, theme):
    use_theme(sw_shop, theme)
    html = client.get(SWEATER).get_data(as_text=True)
    assert "No description yet" not in html and 'id="description-heading"' not in html
    assert head_title(html) == SWEATER_TITLE and meta_description(html) is None and highlight_items(html) is None
    assert '<h2 id="details-heading">Details</h2>' in html  # the rest of the page is still there
    mug = client.get("/shop/acme/p/enamel-camp-mug").get_data(as_text=True)
    assert "<p>A steel mug with an enamel coat.</p>" in mug and 'id="description-heading"' in mug


def test_published_copy_renders_inert(sw_shop, client):
    publish_draft(sw_shop, {"seo_title": f"Sweater {SCRIPT}", "meta_description": ATTRIBUTE_BREAKOUT,
                            "highlights": [SCRIPT, "Wool"]}, "seo")
    html = client.get(SWEATER).get_data(as_text=True)
    assert SCRIPT not in html and ATTRIBUTE_BREAKOUT not in html
    assert head_title(html) == "Sweater &lt;script&gt;alert(1)&lt;/script&gt;"
    assert highlight_items(html) == ["&lt;script&gt;alert(1)&lt;/script&gt;", "Wool"]


def test_the_description_writers_draft_reaches_page_and_api_once_approved(sw_shop, client):
    answer = ("DESCRIPTION:\nA soft merino wool crew sweater for cold days.\nHIGHLIGHTS:\n- Merino wool\n"
              "- Sizes S, M and L\nSEO TITLE: Merino Crew Sweater in soft wool\n"
              "META DESCRIPTION: A soft merino wool crew sweater.")
    use_fake_models(sw_shop.app, text=FakeTextBackend(lambda request: answer, model="fake-writer"))
    sw_shop.enable("description_writer")
    job_id = sw_shop.state.jobs.enqueue(sw_shop.id, "description_writer.generate", {"all": True})
    sw_shop.state.jobs.run_pending()
    assert sw_shop.state.jobs.get(sw_shop.id, job_id).status == "succeeded"
    [draft] = drafts.pending(sw_shop.state, sw_shop.id)
    drafts.publish(sw_shop.state, sw_shop.id, draft.id, "user:owner@example.com", override=True)
    content = draft.content
    assert {"seo_title", "meta_description", "highlights"} <= set(content)  # every field the plugin can publish
    for theme in THEMES:
        use_theme(sw_shop, theme)
        html = client.get(SWEATER).get_data(as_text=True)
        assert head_title(html) == content["seo_title"] and meta_description(html) == content["meta_description"]
        assert highlight_items(html) == content["highlights"] and len(content["highlights"]) >= 2
        assert_no_copy_in_details(html)
    # a headless shop reads the same texts from the product's JSON, under attributes
    key = sw_shop.api_key("read:catalog")
    api = client.get(f"/api/v1/products/{draft.product_id}", headers={"Authorization": f"Bearer {key}"}).json
    assert api["attributes"]["seo"] == {"title": content["seo_title"], "meta_description": content["meta_description"]}
    assert api["attributes"]["highlights"] == content["highlights"]
