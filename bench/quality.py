"""Quality measures for generated product copy, written for the benchmark alone.

`independent_check` shares no code with the description writer's claim extractor: it looks at
the draft with a different, blunter eye (every number, every colour word, every material word)
so that claims the writer's own checker misses still show up in the figures.
"""

from __future__ import annotations

import re

from rouge_score import rouge_scorer

WORD = re.compile(r"[a-z0-9]+(?:[.'/][a-z0-9]+)*")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,/]\d+)?(?![\w.]*\d)")
STOP = frozenset("""a an and are as at be by for from has have in is it its of on or that the this to with
your you our we will can made comes""".split())
COLOURS = frozenset("""black white grey gray silver gold golden brass bronze copper red crimson burgundy maroon pink
rose blush coral orange amber yellow mustard cream ivory beige tan brown chocolate caramel olive green
emerald sage mint teal turquoise aqua blue navy cobalt indigo purple violet lavender lilac plum magenta
charcoal taupe khaki natural""".split())
MATERIALS = frozenset("""wood wooden oak walnut pine teak bamboo birch maple mahogany acacia metal steel iron aluminium
aluminum brass copper bronze chrome glass crystal ceramic porcelain stoneware earthenware stone marble granite
slate concrete leather suede velvet linen cotton wool silk polyester nylon rattan wicker jute plastic acrylic
resin rubber foam paper cardboard""".split())


# No stemming: the figures in RESULTS.md were measured on exact words, so they stay comparable, and
# attribute recall already forgives word endings ("upholstered" meets "upholstery") where it matters.
# rouge-score's tokens are runs of a-z0-9, so "12.5" is two tokens here where `words` keeps one.
ROUGE = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def words(text: str) -> list[str]:
    return WORD.findall((text or "").lower())


def record_text(product: dict) -> str:
    """Everything the record states, as one lowercase text."""
    parts = [product.get("title", ""), product.get("category", ""), product.get("vendor", ""),
             re.sub(r"<[^>]+>", " ", product.get("description_html", ""))]
    for value in (product.get("attributes") or {}).values():
        parts.extend(value if isinstance(value, list) else [str(value)])
    for variant in product.get("variants") or []:
        parts.extend([variant.get("title", ""), *map(str, (variant.get("options") or {}).values())])
    return " ".join(parts).lower()


def independent_check(product: dict, draft_text: str) -> tuple[int, int]:
    """(claims checked, claims the record does not support) in a draft's text."""
    known = record_text(product)
    known_words = set(words(known))
    known_numbers = {_number(n) for n in NUMBER.findall(known)}
    checked = unsupported = 0
    for number in NUMBER.findall(draft_text.lower()):
        checked += 1
        unsupported += _number(number) not in known_numbers
    for word in words(draft_text):
        if word in COLOURS or word in MATERIALS:
            checked += 1
            unsupported += word not in known_words
    return checked, unsupported


def _number(raw: str) -> str:
    return raw.replace(",", ".").rstrip("0").rstrip(".") if "." in raw or "," in raw else raw


def attributes_of(product: dict) -> list[str]:
    """The record's attribute values a description should mention, one string each."""
    found = []
    for value in (product.get("attributes") or {}).values():
        found.extend(str(v) for v in (value if isinstance(value, list) else [value]) if str(v).strip())
    return found


def mentions(text_words: set[str], value: str) -> bool:
    """Whether most of the value's content words (compared by their first five letters, so
    'upholstered' meets 'upholstery') appear in the text."""
    content = [w for w in words(value) if len(w) > 2 and w not in STOP]
    if not content:
        return False
    stems = {w[:5] for w in text_words}
    return sum(w[:5] in stems for w in content) / len(content) >= 0.6


def attribute_recall(product: dict, draft_text: str) -> float:
    values = attributes_of(product)
    if not values:
        return 1.0
    text_words = set(words(draft_text))
    return sum(mentions(text_words, value) for value in values) / len(values)


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 (longest common subsequence of lowercase word tokens), by Google's `rouge-score`."""
    return float(ROUGE.score(reference, candidate)["rougeL"].fmeasure)
