"""Plain-text helpers: HTML to text, safe HTML from text, sentences, trimming at word boundaries.

Model output and product copy are both untrusted. Nothing here passes HTML through: text is
pulled out of whatever markup arrives, and the description HTML is rebuilt from that text with
only the tags this plugin writes itself (p, ul, li, strong, em, br).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

#: Elements whose content is never text a shopper should read.
DROPPED = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math",
                     "head", "title", "textarea", "select"})
#: Elements that end a line of text.
BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
                    "section", "article", "blockquote", "pre", "dt", "dd", "hr"})
SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'“(\[]?[A-ZÀ-Þ0-9])")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROPPED:
            self.skipping += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in DROPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The readable text of `markup`: tags removed (scripts with their content), entities decoded,
    blocks and list items on their own lines, blank runs collapsed."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return tidy_lines(markup)
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return tidy_lines("".join(parser.parts))


def tidy_lines(text: str) -> str:
    """Control characters dropped, spaces collapsed per line, at most one blank line in a row."""
    lines = [SPACES.sub(" ", line).strip() for line in CONTROL.sub("", text).splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()


def one_line(text: str) -> str:
    return SPACES.sub(" ", " ".join(CONTROL.sub("", str(text)).split())).strip()


def sentences(text: str) -> list[str]:
    """`text` cut into sentences (a line break also ends one)."""
    found = []
    for line in text.splitlines():
        found.extend(part.strip() for part in SENTENCE_END.split(line) if part.strip())
    return found


def trim_words(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters, cut at a word boundary (never mid-word)."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else text[:limit]
    return cut.rstrip(" ,;:-–—(/&").strip()


def trim_sentences(text: str, limit: int) -> str:
    """As many whole sentences as fit in `limit` characters; the first cut at a word boundary
    when even it is longer."""
    kept = ""
    for sentence in sentences(one_line(text)):
        joined = f"{kept} {sentence}".strip()
        if len(joined) > limit:
            break
        kept = joined
    return kept or trim_words(text, limit)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return trim_words(text, max(1, limit - 1)) + "…"


def escape_text(text: str) -> str:
    """Text for inside an element: & < > escaped; quotes kept, so a flagged claim such as
    9/16" is found as written when the review page marks it."""
    return html.escape(text, quote=False)


def inline_html(text: str) -> str:
    """Escaped text with the model's **bold** and *italic* turned into strong and em."""
    escaped = escape_text(text)
    escaped = BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", escaped)
    return ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", escaped)


def plain_inline(text: str) -> str:
    """`text` without the **bold** and *italic* markers."""
    text = BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    return ITALIC.sub(lambda m: m.group(1) or m.group(2), text)
