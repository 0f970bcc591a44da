"""An allow-list HTML sanitiser for product descriptions, on `nh3` (Ammonia).

Descriptions come from imports, the API and approved AI drafts, so they are shop-provided but not
trusted to be harmless. nh3 parses them as a browser would (html5ever) and writes a fresh document
with only allowed tag names, only `href` (http, https, mailto or same-site) on links and `src`
(http or https) plus `alt` on images, every piece of text and every attribute value escaped.
Script-like elements are dropped with their content; other unknown tags are dropped and their text
kept. Unclosed tags are closed and stray end tags handled as browsers handle them.

Shopwright adds two things nh3 has no option for: a stricter URL rule (`_allowed_url`: no `//` or
backslash tricks that look same-site but leave it) and `h1` becoming `h2`, since the page owns its one `h1`.
"""

from __future__ import annotations

import html as html_entities
import re
from functools import lru_cache

import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
RENAMED = {"h1": "h2"}  # the page owns its one h1
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "select",
    "svg", "math", "title", "head", "frame", "frameset", "noembed", "noframes", "xmp",
})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}
LINK_REL = "nofollow noopener"
SAFE_LINK = re.compile(r"^(?:https?:|mailto:|/(?!/)|#)", re.IGNORECASE)
SAFE_IMAGE = re.compile(r"^https?:", re.IGNORECASE)
URL_NOISE = re.compile(r"[\x00-\x20\x7f]")  # browsers ignore these inside a URL: `java\tscript:`
URL_RULES = {("a", "href"): SAFE_LINK, ("img", "src"): SAFE_IMAGE}


def _allowed_url(tag: str, attribute: str, value: str) -> str | None:
    """nh3's `attribute_filter`: runs before nh3's own scheme check, which stays as a second line.

    nh3 passes every relative URL and cannot tell a link from an image, so the rule lives here: links
    may be same-site (`/…`, `#…`) but never `//host`, images must be absolute http(s).
    """
    rule = URL_RULES.get((tag, attribute))
    if rule is None:
        return value  # alt, and the rel/loading nh3 adds itself
    cleaned = URL_NOISE.sub("", value)
    if "\\" in cleaned:  # browsers read `/\evil.com` as `//evil.com`: off-site behind a same-site look
        return None
    return cleaned if rule.match(cleaned) else None


_DESCRIPTION = nh3.Cleaner(
    tags=set(ALLOWED_TAGS | RENAMED.keys()),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_allowed_url,
    url_schemes={"http", "https", "mailto"},
    link_rel=LINK_REL,
    set_tag_attribute_values={"img": {"loading": "lazy"}},
    strip_comments=True,
)
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT), attributes={})


def _rename_tags(cleaned: str) -> str:
    """`<h1>` → `<h2>` on nh3's output, where a literal `<h1>` can only be a tag: nh3 escapes `<` in text
    and, from nh3 0.3.7 (the lowest version setup.cfg allows), in attribute values; it keeps no
    attribute on h1. The swap is one fixed string for another with no quote in it."""
    for old, new in RENAMED.items():
        cleaned = cleaned.replace(f"<{old}>", f"<{new}>").replace(f"</{old}>", f"</{new}>")
    return cleaned


@lru_cache(maxsize=1024)
def clean_html(html: str | None) -> Markup:
    """Safe markup for `html`; cached because the same descriptions are rendered again and again."""
    if not html:
        return Markup("")
    return Markup(_rename_tags(_DESCRIPTION.clean(html)))


@lru_cache(maxsize=1024)
def plain_text(html: str | None, limit: int = 160) -> str:
    """The description's words without markup, cut at a word boundary: for `<meta name=description>`."""
    if not html:
        return ""
    # nh3 with no tags allowed leaves the escaped text; the template escapes it again, so unescape here.
    text = " ".join(html_entities.unescape(_TEXT_ONLY.clean(html)).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
