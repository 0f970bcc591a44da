"""The product record as the writer sees it: facts for the prompt, and the texts a draft is
checked against.

Product data is untrusted: any field may hold HTML, script, 20,000 characters or nonsense. Here
it becomes plain text, every field is cut to a bound, and values that cannot be true (negative or
astronomically large amounts, NaN) are set aside with a warning, so neither the model nor the
checker treats them as facts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from shopwright.plugins.description_writer.text import html_to_text, one_line, truncate

#: Attribute keys that hold published copy, not facts about the product.
COPY_KEYS = frozenset({"seo", "highlights"})
LIMITS = {"title": 200, "vendor": 120, "category": 120, "tag": 60, "tags": 20, "facts": 40, "value": 200,
          "options": 10, "option_values": 20, "description": 1500}
MAX_PLAUSIBLE = 1e7
#: Unit suffixes of attribute keys: capacity_ml -> ("Capacity", "ml").
KEY_UNITS = {"ml": "ml", "cl": "cl", "l": "l", "litres": "l", "liters": "l", "mg": "mg", "g": "g", "grams": "g",
             "kg": "kg", "mm": "mm", "cm": "cm", "m": "m", "in": "in", "inch": "in", "inches": "in", "ft": "ft",
             "oz": "oz", "floz": "fl oz", "lb": "lb", "lbs": "lb", "w": "W", "watts": "W", "kw": "kW", "v": "V",
             "volts": "V", "mah": "mAh", "ah": "Ah", "wh": "Wh", "kwh": "kWh", "pct": "%", "percent": "%",
             "h": "hours", "hours": "hours", "min": "minutes", "minutes": "minutes", "days": "days",
             "weeks": "weeks", "months": "months", "years": "years", "gb": "GB", "tb": "TB", "mb": "MB",
             "hz": "Hz", "celsius": "°C", "fahrenheit": "°F"}
#: Words in an attribute's name that say what a unit-less number measures.
DIMENSION_HINTS = {"weight": "mass", "mass": "mass", "capacity": "volume", "volume": "volume", "length": "length",
                   "width": "length", "height": "length", "depth": "length", "diameter": "length",
                   "thickness": "length", "power": "power", "wattage": "power", "voltage": "voltage",
                   "battery": "charge"}
COUNT_HINTS = ("pieces", "piece_count", "count", "pack", "set_size", "quantity", "pcs")
WARRANTY_HINTS = ("warranty", "guarantee")


@dataclass(frozen=True)
class Fact:
    label: str  # "Capacity"
    value: str  # "350 ml", as the prompt shows it
    source: str  # the sentence the checker reads: "Capacity: 350 ml", "2 years warranty"
    number: float | None = None  # a unit-less number, with `hint` saying what it measures
    hint: str = ""


@dataclass
class RecordView:
    """What the writer knows about one product, cleaned and bounded."""

    product_id: int | None
    title: str
    vendor: str
    category: str
    tags: list[str]
    facts: list[Fact]
    options: dict[str, list[str]]
    variant_titles: list[str]
    description: str  # the current copy as plain text, whole
    source: str  # description_source: human | generated | none
    copy: list[str] = field(default_factory=list)  # published SEO texts and highlights
    warnings: list[str] = field(default_factory=list)

    def prompt_data(self) -> dict[str, Any]:
        """The record as the prompt's JSON block: short, plain text, no empty fields."""
        data = {"title": self.title, "brand": self.vendor, "category": self.category, "tags": self.tags,
                "facts": {fact.label: fact.value for fact in self.facts}, "options": self.options,
                "current_description": truncate(self.description, LIMITS["description"])}
        return {key: value for key, value in data.items() if value}

    def sources(self) -> list[str]:
        """Every text a claim may be supported by (the whole record, not the prompt's excerpt)."""
        option_lines = [f"{name}: {value}" for name, values in self.options.items() for value in values]
        return [self.title, self.vendor, self.category, *self.tags, *(fact.source for fact in self.facts),
                *option_lines, *self.variant_titles, self.description, *self.copy]


def view(product: dict[str, Any]) -> RecordView:
    """The product dict (as `ctx.products()` returns it) as a RecordView."""
    warnings: list[str] = []
    attributes = product.get("attributes") if isinstance(product.get("attributes"), dict) else {}
    facts = _facts(attributes, warnings)
    return RecordView(
        product_id=product.get("id"), title=_clean(product.get("title"), LIMITS["title"]),
        vendor=_clean(product.get("vendor"), LIMITS["vendor"]),
        category=_clean(product.get("category"), LIMITS["category"]),
        tags=[_clean(tag, LIMITS["tag"]) for tag in _as_list(product.get("tags"))[: LIMITS["tags"]] if _clean(tag, 60)],
        facts=facts, options=_options(product.get("variants") or []),
        variant_titles=_variant_titles(product.get("variants") or []),
        description=html_to_text(str(product.get("description_html") or "")),
        source=str(product.get("description_source") or "none"), copy=_published_copy(attributes),
        warnings=warnings)


def _clean(value: Any, limit: int) -> str:
    return truncate(one_line(html_to_text(str(value if value is not None else ""))), limit)


def _as_list(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value] if value not in (None, "") else []


# -- attributes as facts ---------------------------------------------------------------------
def _facts(attributes: dict[str, Any], warnings: list[str]) -> list[Fact]:
    facts = []
    for key, value in list(attributes.items())[: LIMITS["facts"] * 2]:
        if key in COPY_KEYS or value in (None, "", [], {}):
            continue
        fact = _fact(str(key), value, warnings)
        if fact is not None:
            facts.append(fact)
    return facts[: LIMITS["facts"]]


def _fact(key: str, value: Any, warnings: list[str]) -> Fact | None:
    label, unit = _label_and_unit(key)
    if isinstance(value, bool):
        return Fact(label, "yes" if value else "no", label if value else f"not {label}")
    if isinstance(value, (int, float)):
        return _numeric_fact(key, label, unit, float(value), warnings)
    text = _value_text(value)
    if not text:
        return None
    number = _bare_number(text)
    if number is not None:
        return _numeric_fact(key, label, unit, number, warnings)
    return Fact(label, text, _source_line(key, label, text))


def _numeric_fact(key: str, label: str, unit: str, number: float, warnings: list[str]) -> Fact | None:
    if not _plausible(number, signed=unit in ("°C", "°F") or "temp" in key.lower()):
        warnings.append(f"{key} = {number:g} looks wrong and was left out")
        return None
    shown = f"{number:g}" + (f" {unit}" if unit else "")
    hint = next((dim for word, dim in DIMENSION_HINTS.items() if word in key.lower()), "")
    return Fact(label, shown, _source_line(key, label, shown), None if unit else number, hint)


def _source_line(key: str, label: str, value: str) -> str:
    """How the checker reads a fact: warranties and counts in the words a draft would use."""
    lowered = key.lower()
    if any(word in lowered for word in WARRANTY_HINTS):
        number = _bare_number(value)
        return f"{value} years warranty" if number is not None else f"{value} warranty"
    if any(word in lowered for word in COUNT_HINTS) and _bare_number(value) is not None:
        return f"{value} pieces"
    return f"{label}: {value}"


def _label_and_unit(key: str) -> tuple[str, str]:
    words = [word for word in re.split(r"[_\-\s]+", key.strip()) if word]
    unit = KEY_UNITS.get(words[-1].lower(), "") if len(words) > 1 else ""
    if unit:
        words = words[:-1]
    label = " ".join(words).capitalize() or key
    return truncate(one_line(html_to_text(label)), 60), unit


def _value_text(value: Any) -> str:
    if isinstance(value, dict):
        parts = [f"{k}: {_value_text(v)}" for k, v in list(value.items())[:20]]
        return _clean("; ".join(parts), LIMITS["value"])
    if isinstance(value, (list, tuple)):
        return _clean(", ".join(_value_text(v) for v in list(value)[:20]), LIMITS["value"])
    return _clean(value, LIMITS["value"])


def _bare_number(text: str) -> float | None:
    try:
        return float(text) if re.fullmatch(r"-?\d+(?:\.\d+)?(?:e\d+)?|nan|-?inf", text.strip().lower()) else None
    except ValueError:
        return None


def _plausible(number: float, signed: bool = False) -> bool:
    """Finite, not huge, and not negative unless it may be (a temperature)."""
    return math.isfinite(number) and abs(number) <= MAX_PLAUSIBLE and (signed or number >= 0)


# -- variants --------------------------------------------------------------------------------
def _options(variants: list[dict]) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    for variant in variants[:100]:
        for name, value in (variant.get("options") or {}).items():
            name, value = _clean(name, 60), _clean(value, 80)
            values = options.setdefault(name, [])
            if value and value not in values and len(values) < LIMITS["option_values"]:
                values.append(value)
    return dict(list(options.items())[: LIMITS["options"]])


def _variant_titles(variants: list[dict]) -> list[str]:
    return [title for title in (_clean(v.get("title"), 120) for v in variants[:100]) if title]


def _published_copy(attributes: dict[str, Any]) -> list[str]:
    seo = attributes.get("seo") if isinstance(attributes.get("seo"), dict) else {}
    return [_clean(text, 500) for text in [*seo.values(), *_as_list(attributes.get("highlights"))] if text]
