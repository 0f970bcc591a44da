"""A plugin's settings form, generated from its marshmallow schema (`shopwright.host.settings.describe_fields`).

Types become inputs: boolean → checkbox, integer/float/decimal → number, a OneOf validator →
select, list → textarea (one item per line), dict and nested → textarea (JSON), secret → password input
that never shows the stored value (blank keeps it). Validation stays with the schema: the form
only turns what the browser sent into the values the schema loads, and lays its messages out
next to each field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shopwright.host.settings import describe_fields

NUMBERS = {"integer": "1", "float": "any", "decimal": "any", "number": "any"}
TEXT_INPUTS = {"email": "email", "url": "url"}
JSON_KINDS = ("dict", "nested")  # edited as JSON text


@dataclass
class SettingField:
    name: str
    label: str
    input: str  # checkbox | number | select | password | textarea | text | email | url
    required: bool
    help: str
    value: Any = ""
    choices: list[str] = field(default_factory=list)
    step: str = ""
    secret_set: bool = False  # a secret has a stored value (shown masked, never echoed)
    errors: list[str] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"setting-{self.name}"


def build_fields(meta, values: dict[str, Any], stored: dict[str, Any],
                 errors: dict[str, list[str]] | None = None) -> list[SettingField]:
    """The form's fields showing `values` (stored, or just submitted) and per-field `errors`."""
    return [_field(described, values, stored, (errors or {}).get(described["name"], []))
            for described in describe_fields(meta)]


def _field(described: dict, values: dict, stored: dict, errors: list[str]) -> SettingField:
    name, kind = described["name"], described["type"]
    value = values.get(name, described["default"])
    made = SettingField(name=name, label=described["label"], input=_input(described), required=described["required"],
                        help=described["help"], errors=errors)
    if described["secret"]:
        made.secret_set = bool(stored.get(name))
    elif made.input == "checkbox":
        made.value = bool(value)
    elif made.input == "select":
        made.choices, made.value = [str(c) for c in described["choices"]], "" if value is None else str(value)
    else:
        made.value, made.step = _as_text(kind, value), NUMBERS.get(kind, "")
    return made


def _input(described: dict) -> str:
    kind = described["type"]
    if described["secret"]:
        return "password"
    if kind == "boolean":
        return "checkbox"
    if described["choices"]:
        return "select"
    if kind in NUMBERS:
        return "number"
    if kind == "list" or kind in JSON_KINDS:
        return "textarea"
    return TEXT_INPUTS.get(kind, "text")


def _as_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "list" and isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if kind in JSON_KINDS and isinstance(value, (dict, list)):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)


def read_form(meta, form) -> dict[str, Any]:
    """What the browser sent, as the schema expects it; a blank optional number keeps its value."""
    submitted: dict[str, Any] = {}
    for described in describe_fields(meta):
        name, kind = described["name"], described["type"]
        if kind == "boolean" and not described["secret"]:
            submitted[name] = name in form  # an unticked checkbox sends nothing
            continue
        raw = form.get(name, "")
        if kind in NUMBERS and raw.strip() == "" and not described["required"]:
            continue
        submitted[name] = _parsed(kind, raw)
    return submitted


def _parsed(kind: str, raw: str) -> Any:
    if kind == "list":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if kind in JSON_KINDS:
        try:
            return json.loads(raw) if raw.strip() else {}
        except ValueError:
            return raw  # the schema answers "not a valid mapping" next to the field
    return raw.strip() if kind in NUMBERS else raw


def split_errors(messages: dict[str, Any], names: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Marshmallow messages as (per field, for the form as a whole)."""
    per_field: dict[str, list[str]] = {}
    general: list[str] = []
    for key, value in (messages or {}).items():
        texts = _texts(value)
        if key in names:
            per_field[key] = texts
        else:
            general.extend(texts if key == "_schema" else [f"{key}: {text}" for text in texts])
    return per_field, general


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [f"item {key}: {text}" if isinstance(key, int) else f"{key}: {text}"
                for key, inner in value.items() for text in _texts(inner)]
    if isinstance(value, (list, tuple)):
        return [text for inner in value for text in _texts(inner)]
    return [str(value)]
