"""The storefront's pages: home, category listing, product, search, and the themes' static files.

Each page is rendered with the shop's theme (`Shop.theme`) and always gets `shop` (a
`host.shopcache.PublicShop`, which `widget()` and `slot()` read) and `categories` (for the
navigation). Anything not found, shop included, gets the theme's `404.html` with status 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request, send_from_directory, url_for
from sqlalchemy import select

from shopwright.host.api.fastread import fetch_one
from shopwright.host.models import Shop
from shopwright.host.serialize import product_dict
from shopwright.host.shopcache import PublicShop
from shopwright.host.storefront import catalog
from shopwright.host.storefront.helpers import attribute_rows, product_images, published_copy
from shopwright.host.storefront.pagination import Page, PageOutOfRange, page_number
from shopwright.host.storefront.sanitize import clean_html, plain_text
from shopwright.host.themes import DEFAULT_THEME

storefront = Blueprint("storefront", __name__)

HOME_PRODUCTS = 8
MAX_QUERY = 100
LONG_CACHE_S = 365 * 24 * 3600  # a versioned static URL changes whenever its file does
SHORT_CACHE_S = 3600


class NotInShop(Exception):
    """Nothing at this address; `shop` (None when the shop itself is unknown) picks the theme."""

    def __init__(self, shop: PublicShop | None, what: str = "page"):
        super().__init__(what)
        self.shop = shop
        self.what = what


def _storefront():
    return current_app.extensions["storefront"]  # host.storefront.Storefront


def _shop(slug: str) -> PublicShop:
    shop = _storefront().state.shops.by_slug(slug)
    if shop is None:
        raise NotInShop(None, "shop")
    return shop


def _engine():
    return _storefront().state.db.engine


def render(shop: PublicShop | None, template: str, status: int = 200, **context) -> Response:
    store = _storefront()
    categories = store.categories.of(shop.id) if shop is not None else []
    theme = shop.theme if shop is not None else DEFAULT_THEME
    html = store.state.themes.render(theme, template, shop=shop, categories=categories, **context)
    return Response(html, status=status, mimetype="text/html")


@storefront.errorhandler(NotInShop)
def not_found(error: NotInShop):
    return render(error.shop, "404.html", status=404, what=error.what)


def _page(shop: PublicShop, total: int) -> Page:
    try:
        return Page.checked(page_number(request.args.get("page")), total)
    except PageOutOfRange:
        raise NotInShop(shop, "page") from None


# -- pages --------------------------------------------------------------------------------
@storefront.get("/")
def index():
    """The only shop's storefront, or a list of the shops this server hosts."""
    with _storefront().state.db.session() as session:
        shops = [{"slug": s.slug, "name": s.name} for s in session.execute(
            select(Shop.slug, Shop.name).order_by(Shop.name).limit(500))]
    if len(shops) == 1:
        return redirect(url_for(".home", slug=shops[0]["slug"]))
    return render(None, "shops.html", shops=shops)


@storefront.get("/shop/<slug>/")
def home(slug: str):
    shop = _shop(slug)
    engine = _engine()
    featured = [product_dict(p) for p in catalog.featured(engine, shop.id, HOME_PRODUCTS)]
    new_arrivals = [product_dict(p) for p in catalog.newest(engine, shop.id, HOME_PRODUCTS)]
    return render(shop, "home.html", featured=featured, new_arrivals=new_arrivals)


@storefront.get("/shop/<slug>/c/<category>")
def category(slug: str, category: str):
    shop = _shop(slug)
    found = catalog.find_category(_storefront().categories.of(shop.id), category)
    if found is None:
        raise NotInShop(shop, "category")
    page = _page(shop, found.count)
    rows = catalog.in_category(_engine(), shop.id, found.name, page.offset, page.size)
    if not rows and page.number > 1:  # the cached count was ahead of the catalogue
        raise NotInShop(shop, "page")
    page.items = [product_dict(p) for p in rows]
    return render(shop, "category.html", category=found, page=page, products=page.items)


@storefront.get("/shop/<slug>/p/<handle>")
def product(slug: str, handle: str):
    shop = _shop(slug)
    engine = _engine()
    row = fetch_one(engine, shop.id, "handle", handle)
    if row is None or row.status != "active":
        raise NotInShop(shop, "product")
    item = product_dict(row)
    categories = _storefront().categories.of(shop.id)
    copy = published_copy(item)  # a published draft's SEO texts and highlights, when there are any
    return render(
        shop, "product.html", product=item,
        reviews=catalog.review_summary(engine, shop.id, row.id),
        images=product_images(item), attributes=attribute_rows(item),
        description=clean_html(item["description_html"]),
        summary=copy.meta_description or plain_text(item["description_html"]),
        seo_title=copy.seo_title, highlights=list(copy.highlights),
        category=catalog.find_category(categories, catalog.slugify(item["category"] or "")),
    )


@storefront.get("/shop/<slug>/search")
def search(slug: str):
    shop = _shop(slug)
    query = " ".join(request.args.get("q", "").split())[:MAX_QUERY]
    words = catalog.search_words(query)
    if not words:
        return render(shop, "search.html", query="", page=None, products=[])
    engine = _engine()
    page = _page(shop, catalog.count_matches(engine, shop.id, words))
    page.items = [product_dict(p) for p in catalog.search(engine, shop.id, words, page.offset, page.size)]
    return render(shop, "search.html", query=query, page=page, products=page.items)


@storefront.get("/shop/<slug>/<path:rest>")
def unknown(slug: str, rest: str):
    raise NotInShop(_shop(slug), "page")


# -- theme files --------------------------------------------------------------------------
@storefront.get("/themes/<theme>/static/<path:filename>")
def theme_static(theme: str, filename: str):
    store = _storefront()
    folder = store.static.folder_of(theme, filename) if theme in store.state.themes.themes else None
    if folder is None:
        return Response("not found", status=404, mimetype="text/plain")
    versioned = bool(request.args.get("v"))
    response = send_from_directory(folder, filename, max_age=LONG_CACHE_S if versioned else SHORT_CACHE_S)
    response.cache_control.immutable = versioned or None
    return response
