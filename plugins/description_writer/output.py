"""Reading the model's answer: sections (or JSON) into a `Copy`, with safe HTML and length limits.

The embedded 135M model follows the answer format only roughly, so the parser accepts near
misses (markdown headers, bold labels, missing colons, JSON, a bare description without any
section) and fills what is missing from what it has: the SEO title from the product title, the
meta description from the description, highlights from the product's facts. An answer that is
empty, repeats the prompt, or is not prose raises `UnusableAnswer` with the reason, which the
writer records. Model HTML is never kept: its text is taken out and the HTML rebuilt.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from shopwright.plugins.description_writer.record import RecordView
from shopwright.plugins.description_writer.text import (
    html_to_text,
    inline_html,
    one_line,
    plain_inline,
    sentences,
    trim_sentences,
    trim_words,
)

FIELDS = ("description_html", "highlights", "seo_title", "meta_description")
SEO_TITLE_MAX, META_MAX = 60, 160
HIGHLIGHTS_MIN, HIGHLIGHTS_MAX, HIGHLIGHT_MAX_CHARS = 3, 5, 150
MIN_DESCRIPTION_WORDS = 8
LABELS = {
    "description": ("description", "product description", "body", "copy", "text"),
    "highlights": ("highlights", "key features", "features", "bullets", "bullet points", "key points",
                   "highlight bullets"),
    "seo_title": ("seo title", "title", "page title", "seo"),
    "meta_description": ("meta description", "meta", "meta desc", "seo description", "meta-description"),
}
_LABEL_OF = {spelling: name for name, spellings in LABELS.items() for spelling in spellings}
_LABEL_RE = "|".join(sorted((re.escape(s) for s in _LABEL_OF), key=len, reverse=True))
_MARK = r"(?:\*\*|__|\*)?"
HEADER = re.compile(rf"^\s*(?:#{{1,6}}\s*)?{_MARK}\s*(?P<label>{_LABEL_RE})\s*{_MARK}\s*"
                    rf"(?:(?P<colon>[:：])\s*{_MARK}\s*(?P<rest>.*?))?\s*$", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")
#: A description never mentions these; an answer that does is about the prompt, not the product.
PROMPT_TALK = re.compile(r"\bproduct record\b|\bJSON (?:data|block|object)\b|\bbetween the markers\b", re.IGNORECASE)
CHATTY = re.compile(r"^(?:sure|certainly|of course|here is|here's|here are|okay|ok)\b.*$", re.IGNORECASE)
WORD = re.compile(r"\w+", re.UNICODE)
REPEATED = re.compile(r"\b(\w+(?:[ -]\w+){0,3})(?:[,;]?\s+\1\b)+", re.IGNORECASE)
NEAR_DUPLICATE = 0.8  # share of words two sentences have in common to count as one said twice
QUOTES = "\"'“”‘’„«»"


class UnusableAnswer(ValueError):
    """The answer holds no usable copy; the message says why."""


@dataclass
class Block:
    kind: str  # "p": sentences of one paragraph; "ul": list items
    items: list[str]


@dataclass(frozen=True)
class Piece:
    """One removable part of a copy: a sentence or list item of the description, a highlight,
    the SEO title, a sentence of the meta description."""

    field: str
    index: int
    text: str


@dataclass
class Copy:
    blocks: list[Block]
    highlights: list[str]
    seo_title: str
    meta_description: str
    notes: list[str] = field(default_factory=list)  # what the parser had to fill in
    highlights_target: int = HIGHLIGHTS_MIN  # top up to this many from grounded sources

    def pieces(self) -> list[Piece]:
        found = [Piece("description_html", i, plain_inline(text)) for i, text in enumerate(self._items())]
        found += [Piece("highlights", i, text) for i, text in enumerate(self.highlights)]
        found += [Piece("seo_title", 0, self.seo_title)] if self.seo_title else []
        found += [Piece("meta_description", i, s) for i, s in enumerate(sentences(self.meta_description))]
        return found

    def _items(self) -> list[str]:
        return [item for block in self.blocks for item in block.items]

    def description_text(self) -> str:
        return "\n".join(" ".join(plain_inline(item) for item in block.items) for block in self.blocks)

    def description_words(self) -> int:
        return len(WORD.findall(self.description_text()))

    def description_html(self) -> str:
        parts = []
        for block in self.blocks:
            if block.kind == "ul":
                parts.append("<ul>" + "".join(f"<li>{inline_html(item)}</li>" for item in block.items) + "</ul>")
            else:
                parts.append("<p>" + " ".join(inline_html(item) for item in block.items) + "</p>")
        return "".join(parts)

    def content(self) -> dict:
        """The draft's content keys, as `shopwright.host.drafts` publishes them."""
        return {"description_html": self.description_html(), "highlights": list(self.highlights),
                "seo_title": self.seo_title, "meta_description": self.meta_description}

    def without(self, drop: set[tuple[str, int]], record: RecordView, tainted: set[int] = frozenset()) -> Copy:
        """A copy with the given pieces taken out; a removed SEO title or meta description is
        rebuilt from what remains (never from the description items in `tainted`, which carry
        unsupported claims), highlights are topped up from the product's facts."""
        index, blocks = 0, []
        for block in self.blocks:
            kept = [item for offset, item in enumerate(block.items) if ("description_html", index + offset) not in drop]
            index += len(block.items)
            if kept:
                blocks.append(Block(block.kind, kept))
        highlights = [h for i, h in enumerate(self.highlights) if ("highlights", i) not in drop]
        meta = " ".join(text for i, text in enumerate(sentences(self.meta_description))
                        if ("meta_description", i) not in drop)
        trimmed = replace(self, blocks=blocks, highlights=highlights, meta_description=meta, notes=list(self.notes))
        if ("seo_title", 0) in drop:
            trimmed.seo_title = default_seo_title(record)
        if not trimmed.meta_description:
            clean = [plain_inline(item) for i, item in enumerate(self._items())
                     if ("description_html", i) not in drop and i not in tainted]
            trimmed.meta_description = trim_sentences(" ".join(clean), META_MAX) or default_seo_title(record)
        return complete(trimmed, record)


# -- parsing ---------------------------------------------------------------------------------
def parse_answer(text: str, record: RecordView, finish_reason: str = "stop", prompt_markers: tuple = (),
                 highlights: int = HIGHLIGHTS_MIN) -> Copy:
    """The model's answer as a Copy; raises UnusableAnswer when there is nothing to use.
    `highlights`: how many highlights to make up from the product's facts when the answer has
    fewer (all five for a model asked for the description alone)."""
    raw = (text or "").strip()
    if not raw:
        raise UnusableAnswer("the model returned no text")
    if any(marker and marker in raw for marker in prompt_markers):
        raise UnusableAnswer("the model repeated the prompt instead of answering")
    if PROMPT_TALK.search(raw):
        raise UnusableAnswer("the answer talks about the prompt instead of the product")
    sections = _json_sections(raw) or _text_sections(html_to_text(_without_fences(raw)))
    copy = Copy(blocks=_blocks(sections.get("description", ""), cut_last=finish_reason == "length"),
                highlights=_highlights(sections.get("highlights", "")),
                seo_title=trim_words(_clean_line(sections.get("seo_title", "")), SEO_TITLE_MAX),
                meta_description=trim_sentences(_clean_line(sections.get("meta_description", "")), META_MAX),
                highlights_target=max(HIGHLIGHTS_MIN, min(HIGHLIGHTS_MAX, highlights)))
    _check_usable(copy)
    return complete(copy, record)


def _without_fences(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("```"))


def _json_sections(raw: str) -> dict[str, str] | None:
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(raw[start:end + 1])
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    sections = {}
    for key, value in data.items():
        name = _LABEL_OF.get(re.sub(r"[_\s]+", " ", str(key)).strip().lower())
        if name:
            items = value if isinstance(value, list) else [value]
            sections[name] = "\n".join(html_to_text(str(item)) for item in items if item is not None)
    return sections or None


def _text_sections(text: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current = "preamble"
    for line in text.splitlines():
        header = HEADER.match(line)
        if header and (header["colon"] or not header["rest"]):
            current = _LABEL_OF[header["label"].lower()]
            line = header["rest"] or ""
        sections.setdefault(current, []).append(line)
    found = {name: "\n".join(lines).strip() for name, lines in sections.items()}
    preamble = "\n".join(line for line in found.pop("preamble", "").splitlines() if not CHATTY.match(line.strip()))
    if not found.get("description") and preamble.strip():
        found["description"] = preamble.strip()
    return found


def _blocks(text: str, cut_last: bool = False) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    for line in collapse_repeats(text).splitlines() + [""]:
        if BULLET.match(line):
            _close_paragraph(blocks, paragraph)
            item = one_line(BULLET.sub("", line))
            if item:
                if not blocks or blocks[-1].kind != "ul":
                    blocks.append(Block("ul", []))
                blocks[-1].items.append(item)
        elif line.strip():
            paragraph.append(line.strip())
        else:
            _close_paragraph(blocks, paragraph)
    if cut_last:
        _drop_unfinished(blocks)
    return _without_repeated_sentences(blocks)


def _close_paragraph(blocks: list[Block], paragraph: list[str]) -> None:
    text = " ".join(paragraph).strip().strip(QUOTES).strip()
    if text:
        blocks.append(Block("p", sentences(text)))
    paragraph.clear()


def _without_repeated_sentences(blocks: list[Block]) -> list[Block]:
    """Small models say the same sentence again, or nearly ("It's also a great..."); each is
    kept once."""
    seen: list[set[str]] = []
    kept = []
    for block in blocks:
        items = []
        for item in block.items:
            words = set(WORD.findall(item.lower()))
            if words and not any(_alike(words, other) for other in seen):
                seen.append(words)
                items.append(item)
        if items:
            kept.append(Block(block.kind, items))
    return kept


def _alike(a: set[str], b: set[str]) -> bool:
    return len(a & b) >= NEAR_DUPLICATE * max(len(a), len(b))


def collapse_repeats(text: str) -> str:
    """"bespoke, bespoke, bespoke" → "bespoke": runs of one to four words said again and again."""
    return REPEATED.sub(lambda m: m.group(1), text)


def _drop_unfinished(blocks: list[Block]) -> None:
    """The answer hit the token limit: its last sentence is likely cut off mid-way."""
    if blocks and blocks[-1].kind == "p" and not blocks[-1].items[-1].rstrip().endswith((".", "!", "?", "…")):
        blocks[-1].items.pop()
        if not blocks[-1].items:
            blocks.pop()


def _highlights(text: str) -> list[str]:
    found: list[str] = []
    for line in text.splitlines():
        item = trim_words(plain_inline(BULLET.sub("", line)).strip(" -*•"), HIGHLIGHT_MAX_CHARS)
        if item and item.lower() not in {f.lower() for f in found}:
            found.append(item)
    return found[:HIGHLIGHTS_MAX]


def _clean_line(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return plain_inline(first).strip().strip("\"'“”‘’").strip()


def _check_usable(copy: Copy) -> None:
    text = copy.description_text()
    words = WORD.findall(text)
    if len(words) < MIN_DESCRIPTION_WORDS:
        raise UnusableAnswer(f"the answer has no usable description ({len(words)} words)")
    visible = [c for c in text if not c.isspace()]
    if sum(c.isalpha() for c in visible) < 0.6 * len(visible):
        raise UnusableAnswer("the answer is mostly symbols or numbers, not prose")
    if len(words) >= 20 and len({w.lower() for w in words}) < 0.3 * len(words):
        raise UnusableAnswer("the answer repeats the same few words")


# -- filling in --------------------------------------------------------------------------------
def complete(copy: Copy, record: RecordView) -> Copy:
    """Fill what the answer lacks from grounded sources and keep every limit."""
    if not copy.seo_title:
        copy.seo_title = default_seo_title(record)
        copy.notes.append("seo_title from the product title")
    if not copy.meta_description:
        copy.meta_description = trim_sentences(copy.description_text(), META_MAX)
        copy.notes.append("meta_description from the description")
    if len(copy.highlights) < copy.highlights_target:
        copy.highlights = _topped_up(copy, record)
    return copy


def default_seo_title(record: RecordView) -> str:
    return trim_words(record.title, SEO_TITLE_MAX)


def _topped_up(copy: Copy, record: RecordView) -> list[str]:
    """Highlights padded with list items of the description and the product's facts (up to the
    target), then short sentences of the description (up to the minimum): all of them already in
    the draft or the record."""
    have = list(copy.highlights)
    listed = [plain_inline(item) for block in copy.blocks if block.kind == "ul" for item in block.items]
    labels = {fact.label.lower() for fact in record.facts}
    facts = [f"{fact.label}: {fact.value}" for fact in record.facts]
    facts += [f"{name.capitalize()}: {', '.join(values)}" for name, values in record.options.items()
              if values and name.lower() not in labels]
    short = [plain_inline(s) for b in copy.blocks if b.kind == "p" for s in b.items if len(s) <= 100]
    _add(have, listed + facts, copy.highlights_target)
    _add(have, short, HIGHLIGHTS_MIN)
    if len(have) > len(copy.highlights):
        copy.notes.append(f"{len(have) - len(copy.highlights)} highlight(s) from the product data")
    return have


def _add(have: list[str], candidates: list[str], up_to: int) -> None:
    for candidate in candidates:
        if len(have) >= up_to:
            return
        candidate = trim_words(candidate, HIGHLIGHT_MAX_CHARS)
        if candidate and candidate.lower() not in {h.lower() for h in have}:
            have.append(candidate)
