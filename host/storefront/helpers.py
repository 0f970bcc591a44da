"""Template globals for storefront themes, added to every theme's Jinja environment.

Helpers that need the shop read `shop` (a `host.shopcache.PublicShop`) from the template's
context, exactly like `widget()`, so a theme writes `product_url(product)`, not the slug.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import jinja2
from flask import current_app, request, url_for
from werkzeug.security import safe_join

from shopwright.host.storefront.catalog import Category, slugify
from shopwright.host.storefront.slots import slot_global
from shopwright.host.themes import DEFAULT_THEME

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "INR": "₹"}
EMBED_ENDPOINT = "embed.script"
EMBED_FALLBACK = "/embed.js"


def _slug(context) -> str | None:
    shop = context.get("shop")
    return getattr(shop, "slug", None)


def _external() -> bool:
    """Links in a widget fragment land on another site's page: they must name this server."""
    return request.blueprint == "embed"


# -- links --------------------------------------------------------------------------------
@jinja2.pass_context
def home_url(context) -> str:
    return url_for("storefront.home", slug=_slug(context), _external=_external())


@jinja2.pass_context
def category_url(context, category: Category | str, page: int = 1) -> str:
    """The listing of a `Category` (or a category name), at `page`."""
    slug = category.slug if isinstance(category, Category) else slugify(str(category))
    extra = {"page": page} if page > 1 else {}
    return url_for("storefront.category", slug=_slug(context), category=slug, _external=_external(), **extra)


@jinja2.pass_context
def product_url(context, product: dict) -> str:
    return url_for("storefront.product", slug=_slug(context), handle=product["handle"], _external=_external())


@jinja2.pass_context
def search_url(context, q: str = "", page: int = 1) -> str:
    params: dict[str, Any] = {"q": q} if q else {}
    if page > 1:
        params["page"] = page
    return url_for("storefront.search", slug=_slug(context), **params)


def page_url(number: int) -> str:
    """The current listing (category or search, query kept) at page `number`."""
    values: dict[str, Any] = dict(request.view_args or {})
    if request.args.get("q"):
        values["q"] = request.args["q"]
    if number > 1:
        values["page"] = number
    return url_for(request.endpoint, **values)


def embed_script_url() -> str:
    """Where the embed script is served; `/embed.js` on a host built without the embed blueprint."""
    if EMBED_ENDPOINT in current_app.view_functions:
        return url_for(EMBED_ENDPOINT)
    return EMBED_FALLBACK


class StaticFiles:
    """`theme_static("style.css")`: a theme file's URL with a version from its modification time,
    so browsers may cache it for a year and still see a changed file at once."""

    def __init__(self, themes):
        self.themes = themes  # shopwright.host.themes.ThemeHost
        self._versions: dict[tuple[str, str], str] = {}

    def folder_of(self, theme: str, filename: str) -> Path | None:
        """The `static/` folder holding the file: the theme's own, else the default theme's, so
        a theme can use the default's files without copying them."""
        for name in dict.fromkeys((theme, DEFAULT_THEME)):
            found = self.themes.themes.get(name)
            joined = safe_join(str(found.static), filename) if found is not None else None
            if joined is not None and Path(joined).is_file():
                return found.static
        return None

    def version(self, theme: str, filename: str) -> str:
        key = (theme, filename)
        if key not in self._versions or self.themes.auto_reload:
            folder = self.folder_of(theme, filename)
            self._versions[key] = format(int((folder / filename).stat().st_mtime), "x") if folder else "0"
        return self._versions[key]

    @jinja2.pass_context
    def url(self, context, filename: str, theme: str | None = None) -> str:
        name = theme or context.get("theme").name
        return url_for("storefront.theme_static", theme=name, filename=filename, v=self.version(name, filename))


# -- values -------------------------------------------------------------------------------
@jinja2.pass_context
def money(context, value: Any) -> str:
    """`"1234.5"` → `$1,234.50` in the shop's currency; empty for no value."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    currency = _currency(context.get("shop"))
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


def _currency(shop: Any) -> str:
    """A page has a PublicShop (`.info.currency`), a widget template a ShopInfo (`.currency`)."""
    info = getattr(shop, "info", shop)
    return getattr(info, "currency", None) or "USD"


def compare_at(product: dict) -> str | None:
    """The was-price to strike through: the cheapest variant's compare-at price, when higher."""
    variants = [v for v in product.get("variants") or [] if v.get("price") is not None]
    if not variants:
        return None
    cheapest = min(variants, key=lambda v: Decimal(v["price"]))
    was = cheapest.get("compare_at_price")
    return was if was is not None and Decimal(was) > Decimal(cheapest["price"]) else None


def product_images(product: dict) -> list[dict[str, str]]:
    """Images as `{"src", "alt"}`: stored as URLs or `{"src"/"url", "alt"}`; alt defaults to the
    title. Only http(s) and same-site addresses are kept."""
    images = []
    for index, image in enumerate(product.get("images") or []):
        src, alt = (image, "") if isinstance(image, str) else (image.get("src") or image.get("url") or "",
                                                               image.get("alt") or "")
        if isinstance(src, str) and src.lower().startswith(("https://", "http://", "/")):
            fallback = product.get("title", "") if index == 0 else f"{product.get('title', '')}, view {index + 1}"
            images.append({"src": src, "alt": alt or fallback})
    return images


#: Attribute keys that hold copy published from a draft (`host.drafts`), not facts about the
#: product: `seo` ({"title", "meta_description"}) and `highlights` (a list of short strings).
#: The product page shows them in its <title>, its meta description and a list, never as rows.
COPY_ATTRIBUTES = frozenset({"seo", "highlights"})


def attribute_rows(product: dict) -> list[tuple[str, str]]:
    """Attributes as (label, text) rows: `capacity_ml: 350` → `("Capacity ml", "350")`. Published
    copy (`COPY_ATTRIBUTES`) and empty values are left out."""
    rows = []
    for key, value in (product.get("attributes") or {}).items():
        text = _attribute_text(value)
        if key not in COPY_ATTRIBUTES and text:
            rows.append((_label(key), text))
    return rows


def _label(key: Any) -> str:
    return str(key).replace("_", " ").strip().capitalize()


def _attribute_text(value: Any) -> str:
    """A value as a shopper reads it: a list as `a, b`, a mapping as `Key: value; Key: value`."""
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {text}" for k, v in value.items() if (text := _attribute_text(v)))
    if isinstance(value, list | tuple):
        return ", ".join(text for v in value if (text := _attribute_text(v)))
    return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class PublishedCopy:
    """What approving a draft published for a product, beside its description (all may be empty)."""

    seo_title: str = ""
    meta_description: str = ""
    highlights: tuple[str, ...] = ()


def published_copy(product: dict) -> PublishedCopy:
    """The product's published SEO title, meta description and highlights, from `attributes`."""
    attributes = product.get("attributes") or {}
    seo = attributes.get("seo") if isinstance(attributes.get("seo"), dict) else {}
    raw = attributes.get("highlights")
    items = raw.splitlines() if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return PublishedCopy(
        seo_title=_one_line(seo.get("title")), meta_description=_one_line(seo.get("meta_description")),
        highlights=tuple(text for text in (_one_line(item) for item in items) if text))


def _one_line(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def stock_label(quantity: int | None, low: int = 5) -> str:
    if not quantity or quantity <= 0:
        return "Sold out"
    return f"Only {quantity} left" if quantity <= low else "In stock"


def stars(rating: float | None) -> str:
    """`4.3` → `★★★★☆` (rounded to whole stars); pair it with a text label for screen readers."""
    if rating is None:
        return ""
    full = max(0, min(5, round(rating)))
    return "★" * full + "☆" * (5 - full)


def template_globals(state, static: StaticFiles) -> dict[str, Any]:
    return {
        # links
        "url_for": url_for, "home_url": home_url, "category_url": category_url, "product_url": product_url,
        "search_url": search_url, "page_url": page_url, "embed_script_url": embed_script_url,
        "theme_static": static.url,
        # values
        "money": money, "compare_at": compare_at, "product_images": product_images,
        "attribute_rows": attribute_rows, "published_copy": published_copy, "stock_label": stock_label, "stars": stars,
        # plugins (widget() is added by the host itself)
        "slot": slot_global(state),
    }
