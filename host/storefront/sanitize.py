"""An allow-list HTML sanitiser for product descriptions.

Descriptions come from imports, the API and approved AI drafts, so they are shop-provided but not
trusted to be harmless. Neither `nh3` nor `bleach` is a dependency of the host, so this is a small
one on the standard library's tokenizer. It never passes input through: it rebuilds the HTML from
tokens, writing only allowed tag names, only `href` (http, https, mailto or same-site) on links
and `src` (http or https) plus `alt` on images, and escaping every piece of text and every
attribute value. Script-like elements are dropped with their content; other unknown tags are
dropped and their text kept. Unclosed tags are closed, stray end tags ignored.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
RENAMED = {"h1": "h2"}  # the page owns its one h1
VOID_TAGS = frozenset({"br", "hr", "img"})
# An open element that the new one closes, as browsers do: `<li>a<li>b` is two items, not nested.
CLOSED_BY = {"li": {"li"}, "p": {"p"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "tr": {"tr", "td", "th"},
             "td": {"td", "th"}, "th": {"td", "th"}}
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "select",
    "svg", "math", "title", "head", "frame", "frameset", "noembed", "noframes", "xmp",
})
SAFE_LINK = re.compile(r"^(?:https?:|mailto:|/(?!/)|#)", re.IGNORECASE)
SAFE_IMAGE = re.compile(r"^https?:", re.IGNORECASE)
URL_NOISE = re.compile(r"[\x00-\x20\x7f]")  # browsers ignore these inside a URL: `java\tscript:`


def _clean_url(value: str | None, allowed: re.Pattern) -> str | None:
    cleaned = URL_NOISE.sub("", value or "")
    if "\\" in cleaned:  # browsers read `/\evil.com` as `//evil.com`: off-site behind a same-site look
        return None
    return cleaned if allowed.match(cleaned) else None


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping: list[str] = []  # dropped-with-content elements we are inside

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self.skipping.append(tag)
            return
        tag = RENAMED.get(tag, tag)
        if self.skipping or tag not in ALLOWED_TAGS:
            return
        while self.open and self.open[-1] in CLOSED_BY.get(tag, ()):
            self.out.append(f"</{self.open.pop()}>")
        self.out.append(f"<{tag}{_attributes(tag, dict(attrs))}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            return  # `<script/>` has no content to skip
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.open and self.open[-1] == RENAMED.get(tag, tag):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_WITH_CONTENT:
            if tag in self.skipping:
                while self.skipping.pop() != tag:
                    pass
            return
        tag = RENAMED.get(tag, tag)
        if self.skipping or tag not in self.open:
            return
        while self.open:
            closed = self.open.pop()
            self.out.append(f"</{closed}>")
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(str(escape(data)))

    def result(self) -> str:
        self.close()
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        self.open.clear()
        return "".join(self.out)


def _attributes(tag: str, attrs: dict[str, str | None]) -> str:
    if tag == "a":
        href = _clean_url(attrs.get("href"), SAFE_LINK)
        return f' href="{escape(href)}" rel="nofollow noopener"' if href else ""
    if tag == "img":
        src = _clean_url(attrs.get("src"), SAFE_IMAGE)
        if not src:
            return ' alt=""'
        return f' src="{escape(src)}" alt="{escape(attrs.get("alt") or "")}" loading="lazy"'
    return ""


@lru_cache(maxsize=1024)
def clean_html(html: str | None) -> Markup:
    """Safe markup for `html`; cached because the same descriptions are rendered again and again."""
    if not html:
        return Markup("")
    parser = _Sanitizer()
    parser.feed(html)
    return Markup(parser.result())


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_WITH_CONTENT and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


@lru_cache(maxsize=1024)
def plain_text(html: str | None, limit: int = 160) -> str:
    """The description's words without markup, cut at a word boundary: for `<meta name=description>`."""
    if not html:
        return ""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    text = " ".join("".join(parser.parts).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
