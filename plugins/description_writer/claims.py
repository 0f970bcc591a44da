"""Claim extraction: every checkable statement of fact in a piece of text.

A claim is a span of the text and what it states, normalised so the checker can compare it with
the product record: amounts in base units (350 ml and 0.35 l read alike; 9/16" and 1-9/16" do
not), materials, colours, certifications and features by canonical name, sizes, counts,
warranties in months, compatibility as the words of the thing it is compatible with.

The same extractor reads the product record (see `grounding`), so a draft and its record are
measured with one ruler.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from shopwright.plugins.description_writer import units, vocab

KINDS = ("dimensions", "quantity", "count", "warranty", "size", "material", "colour", "certification", "feature",
         "compatibility", "origin")

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "single": 1, "double": 2}
_N = r"(?:\d+|" + "|".join(NUMBER_WORDS) + r")"


@dataclass(frozen=True)
class Claim:
    """One checkable statement. `value` depends on `kind`:

    - quantity, dimensions: a tuple of amounts, each a tuple of `units.Reading` (alternatives,
      e.g. "oz" as weight or volume); every amount must be supported
    - count: (number, noun) e.g. (4, "piece"); warranty: months (int) or "lifetime"
    - size: the size as written, upper-cased ("XL", "42")
    - material, colour, certification, feature: the canonical name; origin: the place
    - compatibility: the significant words of what it fits
    """

    text: str
    kind: str
    value: object
    start: int = 0
    end: int = 0
    negated: bool = False

    def overlaps(self, other: Claim) -> bool:
        return self.start < other.end and other.start < self.end


# -- number-based claims ---------------------------------------------------------------------
_UNIT_TEXT = "(?:" + "|".join(pattern for pattern, _ in units.SPELLINGS) + ")"
_SEP = r"\s*[x×X*]\s*"
DIMENSIONS = re.compile(
    rf"{units.NUMBER}(?:\s?{_UNIT_TEXT})?(?:{_SEP}{units.NUMBER_BODY}(?:\s?{_UNIT_TEXT})?)"
    rf"{{1,2}}(?![A-Za-z])")
WARRANTY = re.compile(
    rf"(?P<n>{_N}|lifetime)[- ](?P<u>years?|yrs?|months?)(?:'s?)?[- ](?:limited\s+)?(?:warranty|guarantee)"
    rf"|(?P<life>lifetime)\s+(?:limited\s+)?(?:warranty|guarantee)"
    rf"|(?:warranty|guarantee)\s+(?:of|for)\s+(?:up\s+to\s+)?(?P<n2>{_N})\s+(?P<u2>years?|months?)"
    rf"|(?P<n3>{_N})\s+(?P<u3>years?|months?)(?:'s?)?\s+(?:of\s+)?(?:limited\s+)?(?:warranty|guarantee)",
    re.IGNORECASE)
COUNT = re.compile(
    rf"(?:set|pack|box|bundle|kit)\s+of\s+(?P<n>{_N})"
    rf"|(?<![\w./-])(?P<n2>\d+)[- ]?(?P<noun>piece|pc|pack|count|ct|person|people|seater)s?(?!\w)"
    rf"|(?<![\w./-])(?P<n3>\d+)\s+(?P<noun3>pieces|pcs)(?!\w)",
    re.IGNORECASE)
PEOPLE = frozenset({"person", "people", "seater"})


def _number_value(raw: str) -> int | None:
    raw = raw.lower()
    if raw in NUMBER_WORDS:
        return NUMBER_WORDS[raw]
    return int(raw) if raw.isdigit() else None


def _dimension_claims(text: str) -> Iterator[Claim]:
    for match in DIMENSIONS.finditer(text):
        amounts = _dimension_amounts(match.group(0))
        if amounts:
            yield Claim(match.group(0), "dimensions", amounts, match.start(), match.end())


def _dimension_amounts(written: str) -> tuple | None:
    """Each side of "20 x 30 x 40 cm" with its own unit, or the last one given."""
    parts = re.split(_SEP, written)
    parsed = []
    for part in parts:
        number = re.match(units.NUMBER, part.strip())
        unit = units.UNIT_ONLY.match(part.strip()[number.end():]) if number else None
        parsed.append((units.parse_number(number.group(0)) if number else None,
                       units.unit_key(unit) if unit else None))
    last_unit = parsed[-1][1]
    if last_unit is None or any(value is None for value, _ in parsed):
        return None
    amounts = tuple(tuple(units.readings(value, unit or last_unit)) for value, unit in parsed)
    return amounts if all(r.dimension == "length" for amount in amounts for r in amount) else None


def _quantity_claims(text: str) -> Iterator[Claim]:
    for match in units.RANGE.finditer(text):
        unit = units.unit_key(match)
        low, high = units.parse_number(match["a"]), units.parse_number(match["b"])
        if low is not None and high is not None:
            value = (tuple(units.readings(low, unit)), tuple(units.readings(high, unit)))
            yield Claim(match.group(0), "quantity", value, match.start(), match.end())
    for match in units.QUANTITY.finditer(text):
        unit, number = units.unit_key(match), units.parse_number(match["num"])
        if number is None or (unit == "in" and _spaced_quote(match)):
            continue
        yield Claim(match.group(0), "quantity", (tuple(units.readings(number, unit)),), match.start(), match.end())


def _spaced_quote(match: re.Match) -> bool:
    """`2 "pro" models`: a quote after a space opens a quotation, it is not inches."""
    tail = match.group(0)[len(match["num"]):]
    return tail.strip() in ('"', "”", "''") and tail != tail.lstrip()


def _warranty_claims(text: str) -> Iterator[Claim]:
    for match in WARRANTY.finditer(text):
        yield Claim(match.group(0), "warranty", _warranty_months(match), match.start(), match.end())


def _warranty_months(match: re.Match) -> int | str:
    if match["life"] or (match["n"] or "").lower() == "lifetime":
        return "lifetime"
    number = _number_value(match["n"] or match["n2"] or match["n3"]) or 0
    unit = (match["u"] or match["u2"] or match["u3"]).lower()
    return number * (1 if unit.startswith("month") else 12)


def _count_claims(text: str) -> Iterator[Claim]:
    for match in COUNT.finditer(text):
        number = _number_value(match["n"] or match["n2"] or match["n3"])
        noun = (match["noun"] or match["noun3"] or "piece").lower()
        if number is not None:
            noun = "person" if noun in PEOPLE else "piece"
            yield Claim(match.group(0), "count", (number, noun), match.start(), match.end())


# -- sizes -----------------------------------------------------------------------------------
_LETTER_SIZE = r"(?:XXXS|XXS|XS|S|M|L|XL|XXL|XXXL|[2-6]XL)"
_SIZE_TOKEN = rf"(?:{_LETTER_SIZE}|\d{{1,2}}(?:[.,]5)?)"
SIZE_LIST = re.compile(
    rf"\b(?:[Ss]izes?|[Ii]n)\s+(?:from\s+|of\s+)?(?P<list>{_SIZE_TOKEN}"
    rf"(?:\s*(?:,|/|\band\b|\bor\b|\bto\b|-|–|through)\s*{_SIZE_TOKEN})*)(?![\w/-])")
SIZE_SYSTEM = re.compile(r"\b(?:EU|US|UK|FR|IT)\s?(?P<size>\d{1,2}(?:[.,]5)?)(?![\d.,]*\d)\b")
DISTINCT_SIZE = re.compile(r"(?<![\w-])(?:XXXS|XXS|XS|XL|XXL|XXXL|[2-6]XL)(?![\w-])")
_SIZE_ITEM = re.compile(_SIZE_TOKEN)


def _size_claims(text: str) -> Iterator[Claim]:
    for match in SIZE_LIST.finditer(text):
        listed, offset = match["list"], match.start("list")
        # "in 20 minutes" is not a size: a bare "in" needs letter sizes
        if match.group(0).lower().startswith("in") and not re.search(_LETTER_SIZE, listed):
            continue
        for item in _SIZE_ITEM.finditer(listed):
            yield Claim(item.group(0), "size", item.group(0).upper(), offset + item.start(), offset + item.end())
    for match in SIZE_SYSTEM.finditer(text):
        yield Claim(match.group(0), "size", match["size"], match.start(), match.end())
    for match in DISTINCT_SIZE.finditer(text):
        yield Claim(match.group(0), "size", match.group(0), match.start(), match.end())


# -- words from the vocabularies ---------------------------------------------------------------
VOCABULARIES = [
    ("material", vocab.MATERIALS, vocab.vocabulary_pattern(vocab.MATERIALS)),
    ("colour", vocab.COLOURS, vocab.vocabulary_pattern(vocab.COLOURS)),
    ("certification", vocab.CERTIFICATIONS, vocab.vocabulary_pattern(vocab.CERTIFICATIONS)),
    ("certification", vocab.CERTIFICATIONS_CASED, vocab.vocabulary_pattern(vocab.CERTIFICATIONS_CASED, cased=True)),
    ("feature", vocab.FEATURES, vocab.vocabulary_pattern(vocab.FEATURES)),
]
WORD = re.compile(r"[\w']+")


#: Certifications whose number matters: "ISO 9001" is not "ISO 14001", "IP67" is not "IP44".
NUMBERED = frozenset({"iso", "ip rating"})


def _vocabulary_claims(text: str) -> Iterator[Claim]:
    for kind, entries, pattern in VOCABULARIES:
        for match in pattern.finditer(text):
            name = vocab.canonical(entries, match)
            if _figurative(kind, name, _next_word(text, match.end())):
                continue
            value = re.sub(r"\W", "", match.group(0)).lower() if name in NUMBERED else name
            yield Claim(match.group(0), kind, value, match.start(), match.end(),
                        negated=negated_at(text, match.start()))


def _figurative(kind: str, name: str, next_word: str) -> bool:
    """"black coffee", "crystal clear", "a glass of water": the word is not about the product."""
    if kind == "colour":
        return next_word in vocab.NOT_COLOUR_AFTER
    return kind == "material" and (next_word in vocab.NOT_MATERIAL_AFTER or (name == "glass" and next_word == "of"))


def _next_word(text: str, position: int) -> str:
    found = WORD.match(text, position + 1) if position < len(text) and text[position] in " -" else None
    return found.group(0).lower() if found else ""


def negated_at(text: str, position: int) -> bool:
    """Whether one of the three words before `position` (in the same clause) negates it."""
    clause = re.split(r"[.;:!?\n,]|\bbut\b", text[:position])[-1]
    return any(word in vocab.NEGATIONS or word.endswith("n't") for word in WORD.findall(clause.lower())[-3:])


# -- compatibility and origin ----------------------------------------------------------------
COMPATIBLE = re.compile(
    r"\b(?P<verb>compatible with|works with|for use with|fits|designed for|made for|suitable for)\s+"
    r"(?P<target>[^.,;:!?()\n]{1,80})", re.IGNORECASE)
ALWAYS_A_CLAIM = ("compatible with", "works with", "for use with")
STOP_AT = re.compile(r"\s(?:and|or|but|so|while|that|which|because|when|with|without|to|for)\s", re.IGNORECASE)
FILLER = frozenset({"a", "an", "the", "your", "my", "our", "all", "any", "most", "many", "every", "each", "of", "in",
                    "on", "into", "onto", "standard", "popular", "modern", "other", "similar", "model", "models",
                    "perfectly", "easily", "snugly", "comfortably", "neatly"})
ORIGIN = re.compile(r"\b(?:[Mm]ade|[Mm]anufactured|[Cc]rafted|[Pp]roduced|[Aa]ssembled)\s+in\s+(?:the\s+)?"
                    r"(?P<place>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,2})")


def _compatibility_claims(text: str) -> Iterator[Claim]:
    for match in COMPATIBLE.finditer(text):
        target = STOP_AT.split(" " + match["target"] + " ", maxsplit=1)[0].strip()
        words = target.split()[:6]
        named = any(word[:1].isupper() or any(c.isdigit() for c in word) for word in words)
        if not words or (match["verb"].lower() not in ALWAYS_A_CLAIM and not named):
            continue
        significant = tuple(w.lower().strip("'\"") for w in words if w.lower() not in FILLER)
        end = match.start("target") + match["target"].find(words[-1]) + len(words[-1])
        yield Claim(text[match.start():end], "compatibility", significant or tuple(w.lower() for w in words),
                    match.start(), end)


def _origin_claims(text: str) -> Iterator[Claim]:
    for match in ORIGIN.finditer(text):
        yield Claim(match.group(0), "origin", match["place"].lower(), match.start(), match.end())


# -- all together ----------------------------------------------------------------------------
EXTRACTORS = (_dimension_claims, _warranty_claims, _count_claims, _quantity_claims, _size_claims,
              _origin_claims, _vocabulary_claims)
PRIORITY = {kind: index for index, kind in enumerate(KINDS)}


def extract_claims(text: str) -> list[Claim]:
    """Every checkable claim in `text` (plain text), in reading order.

    Where two readings of the same words overlap, the longer one wins ("2-year warranty" is a
    warranty, not a quantity; "20 x 30 cm" is one dimensions claim); compatibility claims are
    kept alongside the amounts inside them."""
    if not text:
        return []
    candidates = [claim for extract in EXTRACTORS for claim in extract(text)]
    candidates.sort(key=lambda c: (-(c.end - c.start), PRIORITY[c.kind], c.start))
    kept: list[Claim] = []
    for claim in candidates:
        if not any(claim.overlaps(other) for other in kept):
            kept.append(claim)
    kept.extend(_compatibility_claims(text))
    return sorted(kept, key=lambda c: (c.start, PRIORITY[c.kind]))
