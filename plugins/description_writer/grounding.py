"""Checking claims against the product record.

`Evidence` reads the whole record once with the same extractor that reads drafts (title, brand,
category, tags, attributes, variant options and titles, the current description, published SEO
texts and highlights). A claim is supported when the record states the same thing: the same
amount after unit conversion (exact within metric or imperial, within printing rounding across
them), a material at least as general as the record's ("steel" for "stainless steel", never the
reverse), the same colour, size, count, warranty, certification or feature (with the same
polarity: "not dishwasher safe" does not support "dishwasher safe"), or every significant word
of a compatibility target.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from shopwright.plugins.description_writer import units
from shopwright.plugins.description_writer.claims import Claim, extract_claims
from shopwright.plugins.description_writer.output import Copy, Piece
from shopwright.plugins.description_writer.record import RecordView

CHECKER_VERSION = "grounding-1"
TOKEN = re.compile(r"[^\s,;:()!?\[\]{}]+")
TOKEN_EDGES = "\"'“”‘’.*"


@dataclass(frozen=True)
class Finding:
    """One claim in one piece of a draft, and whether the record supports it."""

    claim: Claim
    field: str
    index: int
    supported: bool
    reason: str = ""

    def flag(self) -> dict:
        """The `meta["flags"]` entry the review queue shows (and highlights in the diff)."""
        return {"claim": self.claim.text, "kind": self.claim.kind, "field": self.field, "reason": self.reason}


@dataclass
class Check:
    findings: list[Finding] = field(default_factory=list)

    @property
    def unsupported(self) -> list[Finding]:
        return [f for f in self.findings if not f.supported]

    def summary(self) -> dict:
        kinds: dict[str, int] = {}
        for finding in self.unsupported:
            kinds[finding.claim.kind] = kinds.get(finding.claim.kind, 0) + 1
        return {"checker": CHECKER_VERSION, "claims": len(self.findings),
                "supported": len(self.findings) - len(self.unsupported), "unsupported": len(self.unsupported),
                "unsupported_by_kind": kinds}


class Evidence:
    """Everything the record states, in the claim extractor's terms."""

    def __init__(self, record: RecordView):
        self.record = record
        sources = [text for text in record.sources() if text]
        self.claims = [claim for text in sources for claim in extract_claims(text)]
        self.tokens = {_token(t) for text in sources for t in TOKEN.findall(text.lower())}
        self.text = "\n".join(sources).lower()
        self.sizes = _record_sizes(record) | {c.value for c in self.claims if c.kind == "size"}
        self.bare_numbers = [(fact.hint, fact.number) for fact in record.facts if fact.number is not None]

    def of_kind(self, kind: str, negated: bool | None = None) -> list[Claim]:
        return [c for c in self.claims if c.kind == kind and (negated is None or c.negated == negated)]

    def amounts(self) -> list[units.Reading]:
        return [reading for c in self.claims if c.kind in ("quantity", "dimensions")
                for amount in c.value for reading in amount]


def _token(token: str) -> str:
    return token.strip(TOKEN_EDGES)


SIZE_LIKE = re.compile(r"(?:XXXS|XXS|XS|S|M|L|XL|XXL|XXXL|[2-6]XL|\d{1,2}(?:[.,]5)?)", re.IGNORECASE)


def _record_sizes(record: RecordView) -> set[str]:
    """Option values named "size", size attributes, and variant titles that are sizes."""
    sizes = {value.upper() for name, values in record.options.items() if "size" in name.lower() for value in values}
    for fact in record.facts:
        if "size" in fact.label.lower():
            sizes |= {part.strip().upper() for part in re.split(r"[,/;]| and | or ", fact.value)}
    for title in record.variant_titles:
        sizes |= {part.upper() for part in re.split(r"[\s/,-]+", title) if SIZE_LIKE.fullmatch(part)}
    return {size for size in sizes if size}


# -- one claim ---------------------------------------------------------------------------------
def supports(evidence: Evidence, claim: Claim) -> tuple[bool, str]:
    """(supported, reason): the reason says what the record states instead, for the reviewer."""
    check = CHECKS[claim.kind]
    return check(evidence, claim)


def _amounts(evidence: Evidence, claim: Claim) -> tuple[bool, str]:
    known = evidence.amounts()
    for amount in claim.value:
        if not any(_amount_supported(evidence, reading, known) for reading in amount):
            return False, _amount_reason(amount, known)
    return True, ""


def _amount_supported(evidence: Evidence, reading: units.Reading, known: list[units.Reading]) -> bool:
    if any(units.same_amount(reading, other) for other in known):
        return True
    # a unit-less attribute ("weight": 1.2) supports the same number of a fitting dimension
    return any(number == reading.number and hint in ("", reading.dimension) for hint, number in evidence.bare_numbers)


def _amount_reason(amount: tuple, known: list[units.Reading]) -> str:
    dimensions = {reading.dimension for reading in amount}
    stated = sorted({units.format_amount(r.number, r.unit) for r in known if r.dimension in dimensions})
    what = " or ".join(sorted(dimensions))
    if not stated:
        return f"the product data states no {what}"
    return f"the product data states {', '.join(stated[:5])}"


def _count(evidence: Evidence, claim: Claim) -> tuple[bool, str]:
    noun = claim.value[1]
    if any(c.value == claim.value for c in evidence.of_kind("count")):
        return True, ""
    stated = sorted({str(c.value[0]) for c in evidence.of_kind("count") if c.value[1] == noun})
    if stated:
        return False, f"the product data gives {', '.join(stated)}"
    return False, f"the product data gives no {noun} count"


def _warranty(evidence: Evidence, claim: Claim) -> tuple[bool, str]:
    stated = {c.value for c in evidence.of_kind("warranty")}
    if claim.value in stated:
        return True, ""
    shown = sorted(_months_text(value) for value in stated)
    return False, (f"the product data gives {', '.join(shown)}" if shown else "the product data mentions no warranty")


def _months_text(value: int | str) -> str:
    if value == "lifetime":
        return "a lifetime warranty"
    return f"{value // 12} years" if isinstance(value, int) and value % 12 == 0 else f"{value} months"


def _size(evidence: Evidence, claim: Claim) -> tuple[bool, str]:
    if str(claim.value).upper() in evidence.sizes:
        return True, ""
    listed = ", ".join(sorted(evidence.sizes)[:10])
    return False, f"the product comes in {listed}" if listed else "the product data lists no sizes"


def _named(evidence: Evidence, claim: Claim) -> tuple[bool, str]:
    """Materials, colours, certifications, features: the same name stated, with the same polarity."""
    positive = {c.value for c in evidence.of_kind(claim.kind, negated=False)}
    negative = {c.value for c in evidence.of_kind(claim.kind, negated=True)}
    if claim.negated:  # "not dishwasher safe": fine unless the record says the opposite
        if _covered(claim, positive) and not _covered(claim, negative):
            return False, f"the product data says {claim.value}"
        return True, ""
    if _covered(claim, positive):
        return True, ""
    if _covered(claim, negative):
        return False, f"the product data says not {claim.value}"
    stated = sorted(positive)
    label = {"colour": "colours", "material": "materials", "certification": "certifications",
             "feature": "features"}[claim.kind]
    return False, (f"the product data gives {label}: {', '.join(stated[:6])}" if stated
                   else f"the product data states no {label}")


def _covered(claim: Claim, names: Iterable[str]) -> bool:
    """A name is covered by a record name that has all its words ("wool" by "merino wool")."""
    words = set(str(claim.value).split())
    return any(words <= set(name.split()) for name in names)


def _compatibility(evidence: Evidence, claim: Claim) -> tuple[bool, str]:
    missing = [word for word in claim.value if _token(word) not in evidence.tokens]
    if not missing:
        return True, ""
    return False, f"the product data does not mention {' '.join(missing)}"


def _origin(evidence: Evidence, claim: Claim) -> tuple[bool, str]:
    if re.search(rf"(?<!\w){re.escape(claim.value)}(?!\w)", evidence.text):
        return True, ""
    return False, "the product data does not say where it is made"


CHECKS = {"quantity": _amounts, "dimensions": _amounts, "count": _count, "warranty": _warranty, "size": _size,
          "material": _named, "colour": _named, "certification": _named, "feature": _named,
          "compatibility": _compatibility, "origin": _origin}


# -- a whole draft -----------------------------------------------------------------------------
def check_copy(copy: Copy, evidence: Evidence, avoid_words: Iterable[str] = ()) -> Check:
    """Every claim of every piece of `copy`, checked; words the settings ask to avoid count as
    unsupported findings of kind "avoided_word"."""
    findings = []
    avoid = [word.strip() for word in avoid_words if word and word.strip()]
    for piece in copy.pieces():
        findings.extend(check_piece(piece, evidence))
        findings.extend(_avoided(piece, avoid))
    return Check(findings)


def check_piece(piece: Piece, evidence: Evidence) -> list[Finding]:
    found = []
    for claim in extract_claims(piece.text):
        supported, reason = supports(evidence, claim)
        found.append(Finding(claim, piece.field, piece.index, supported, reason))
    return found


def _avoided(piece: Piece, words: list[str]) -> list[Finding]:
    found = []
    for word in words:
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", piece.text, re.IGNORECASE):
            claim = Claim(match.group(0), "avoided_word", word.lower(), match.start(), match.end())
            found.append(Finding(claim, piece.field, piece.index, False, "the settings ask to avoid this word"))
    return found


def check_text(text: str, record: RecordView | Evidence) -> list[Finding]:
    """The claims of a plain text, checked against a record: the checker without a draft."""
    evidence = record if isinstance(record, Evidence) else Evidence(record)
    return check_piece(Piece("text", 0, text), evidence)
