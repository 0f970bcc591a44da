"""Word diffs of a draft against the product's current text, for the review page.

Everything here is plain text: the template prints each piece with autoescaping, so a draft or a
product carrying markup or script shows as the characters it contains, never as live HTML.
Flagged claims (from the draft's `meta["flags"]`) are marked on the words of the new text they
cover, so a reviewer sees exactly which sentence the plugin was unsure of.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from shopwright.host.drafts import Flag, current_value

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
LABELS = {"description_html": "Description (HTML)", "seo_title": "SEO title",
          "meta_description": "Meta description", "highlights": "Highlights (one per line)"}


@dataclass(frozen=True)
class Piece:
    op: str  # "same" | "added" | "removed"
    text: str
    flagged: bool = False


@dataclass(frozen=True)
class FieldReview:
    key: str
    label: str
    current: str
    proposed: str
    pieces: list[Piece]
    flags: list[Flag]

    @property
    def changed(self) -> bool:
        return self.current != self.proposed


def as_text(value: Any) -> str:
    """A content value as the text a person edits: lists one item per line, others as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "\n".join(value)
    return json.dumps(value, ensure_ascii=False, indent=2)


def review_fields(content: dict[str, Any], product, flags: list[Flag]) -> list[FieldReview]:
    reviews = []
    for key, value in (content or {}).items():
        current, proposed = as_text(current_value(product, key)), as_text(value)
        mine = [flag for flag in flags if flag.field in ("", key)]
        label = LABELS.get(key, key.replace("_", " ").capitalize())
        reviews.append(FieldReview(key, label, current, proposed, word_diff(current, proposed, mine), mine))
    return reviews


def word_diff(old: str, new: str, flags: list[Flag] = ()) -> list[Piece]:
    old_tokens, new_tokens = TOKEN.findall(old), TOKEN.findall(new)
    flagged = _flagged_tokens(new, new_tokens, [flag.text for flag in flags])
    pieces = []
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            pieces.append(Piece("removed", "".join(old_tokens[i1:i2])))
        op = "same" if tag == "equal" else "added"
        pieces.extend(Piece(op, new_tokens[j], j in flagged) for j in range(j1, j2))
    return _merged(pieces)


def _flagged_tokens(text: str, tokens: list[str], marks: list[str]) -> set[int]:
    """Indexes of the tokens that overlap an occurrence of any flagged phrase (case-insensitive)."""
    spans = [m.span() for mark in marks if mark.strip()
             for m in re.finditer(re.escape(mark.strip()), text, flags=re.IGNORECASE)]
    flagged, offset = set(), 0
    for index, token in enumerate(tokens):
        start, end = offset, offset + len(token)
        if any(start < span_end and span_start < end for span_start, span_end in spans):
            flagged.add(index)
        offset = end
    return flagged


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring pieces of the same kind as one, so the page has few elements."""
    merged: list[Piece] = []
    for piece in pieces:
        if merged and (merged[-1].op, merged[-1].flagged) == (piece.op, piece.flagged):
            merged[-1] = Piece(piece.op, merged[-1].text + piece.text, piece.flagged)
        else:
            merged.append(piece)
    return merged
