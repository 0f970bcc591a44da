"""Plugin settings: one marshmallow schema per plugin validates them, drives the admin form and
says which fields are secret. Invalid input raises field errors and leaves stored settings alone.

Settings live in two forms. Stored (the database's JSON column, the API, the CLI, the admin form):
the schema's dump made JSON-safe, so a `Decimal` is text such as "12.50" and dates are ISO 8601
text. Handed to the plugin (`ctx.settings`): that stored form loaded by the schema again, so a
`Decimal` field gives a `decimal.Decimal`, a `Date` a `datetime.date`, a `Nested` a dict of loaded
values, exactly as the schema's `load` returns them.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import marshmallow

log = logging.getLogger("shopwright.settings")

MASK = "••••••••"


class SettingsError(ValueError):
    def __init__(self, messages: dict[str, Any]):
        super().__init__("invalid settings")
        self.messages = messages


def load_settings(meta, submitted: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge `submitted` over `previous` and validate the whole; secrets left blank are kept."""
    if not isinstance(submitted, dict):
        raise SettingsError({"_schema": ["settings must be an object"]})
    previous = previous or {}
    merged = {**previous, **_without_unchanged_secrets(meta, submitted)}
    schema = meta.settings()
    try:
        loaded = schema.load(merged)
    except marshmallow.ValidationError as exc:
        raise SettingsError(_as_dict(exc.messages)) from exc
    return _checked_storable(stored_form(schema, loaded))


def stored_form(schema: marshmallow.Schema, loaded: dict[str, Any]) -> dict[str, Any]:
    """Loaded settings as the JSON column keeps them: the schema's dump, with Decimals as text."""
    try:
        dumped = schema.dump(loaded)
    except (TypeError, ValueError, AttributeError) as exc:  # e.g. a load_default given as text, not loaded
        raise SettingsError({_undumpable_field(schema, loaded): [f"This value cannot be stored ({exc})."]}) from exc
    return {name: _json_safe(value) for name, value in dumped.items()}


def _undumpable_field(schema: marshmallow.Schema, loaded: dict[str, Any]) -> str:
    for name, field in schema.fields.items():
        try:
            field.serialize(name, loaded)
        except (TypeError, ValueError, AttributeError):
            return name
    return "_schema"


def loaded_settings(meta, stored: dict[str, Any]) -> dict[str, Any]:
    """What `ctx.settings` holds: the stored settings loaded by the plugin's schema (a Decimal
    field gives a Decimal, a Date a date). Settings a newer schema no longer accepts are handed
    over as stored, with a warning: a page view must not fail over them."""
    if meta is None:
        return dict(stored or {})
    try:
        return meta.settings().load(dict(stored or {}))
    except marshmallow.ValidationError as exc:
        log.warning("plugin %s: stored settings no longer load (%s); handing them over as stored",
                    meta.name, exc.messages)
        return dict(stored or {})


#: Field types whose dump cannot be loaded back (computed from an object), so settings of that
#: type would be lost when stored.
UNSTORABLE_TYPES = (marshmallow.fields.Function, marshmallow.fields.Method)


def schema_problem(meta) -> str | None:
    """Why the plugin's settings schema cannot be stored and loaded back, naming the field, or None."""
    if meta is None:
        return None
    return _schema_problem(meta.settings(), prefix="")


def _schema_problem(schema: marshmallow.Schema, prefix: str) -> str | None:
    for name, field in schema.fields.items():
        problem = _field_problem(field, f"{prefix}{name}")
        if problem:
            return problem
    return None


def _field_problem(field: marshmallow.fields.Field, path: str) -> str | None:
    kind = type(field).__name__
    if isinstance(field, UNSTORABLE_TYPES):
        return f"settings field {path!r} is a {kind} field, which cannot be stored; use a plain field type"
    if field.load_only or field.dump_only:
        return f"settings field {path!r} is load_only or dump_only; a setting is both loaded and stored"
    if field.data_key not in (None, path.rpartition(".")[2]):
        return f"settings field {path!r} has a data_key; the form, API and CLI name settings by field name"
    for inner, suffix in _inner_fields(field):
        problem = _field_problem(inner, f"{path}{suffix}")
        if problem:
            return problem
    if isinstance(field, marshmallow.fields.Nested) and isinstance(field.schema, marshmallow.Schema):
        return _schema_problem(field.schema, prefix=f"{path}.")
    return None


def _inner_fields(field: marshmallow.fields.Field) -> list[tuple[marshmallow.fields.Field, str]]:
    """The item fields of a List, Tuple or Dict, with how their path is written."""
    if isinstance(field, marshmallow.fields.List):
        return [(field.inner, "[]")]
    if isinstance(field, marshmallow.fields.Tuple):
        return [(inner, f"[{index}]") for index, inner in enumerate(field.tuple_fields)]
    if isinstance(field, marshmallow.fields.Mapping):
        return [(inner, "{}") for inner in (field.key_field, field.value_field) if inner is not None]
    return []


def _json_safe(value: Any) -> Any:
    """JSON can hold everything a dump gives except a Decimal: as text it keeps every digit."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(inner) for inner in value]
    return value


def _checked_storable(values: dict[str, Any]) -> dict[str, Any]:
    """`values`, once each fits the JSON column; a custom field type whose dump does not is named."""
    for name, value in values.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise SettingsError({name: [f"This value cannot be stored as JSON ({exc})."]}) from exc
    return values


def mask_settings(meta, values: dict[str, Any]) -> dict[str, Any]:
    """The settings as shown to people: secrets appear only as set or not set."""
    secret = meta.secret_fields()
    return {key: (MASK if value else "") if key in secret else value for key, value in values.items()}


def describe_fields(meta) -> list[dict[str, Any]]:
    """One entry per setting (name, type, required, default, choices, secret, help) for forms."""
    return [_describe_field(name, field) for name, field in meta.settings().fields.items()]


def _describe_field(name: str, field: marshmallow.fields.Field) -> dict[str, Any]:
    choices = _choices(field)
    return {
        "name": name,
        "type": type(field).__name__.lower(),
        "required": bool(field.required),
        "default": _stored_default(name, field),
        "choices": choices,
        "secret": bool(field.metadata.get("secret")),
        "help": field.metadata.get("description", ""),
        "label": field.metadata.get("label", name.replace("_", " ").capitalize()),
    }


def _stored_default(name: str, field: marshmallow.fields.Field) -> Any:
    """The field's `load_default` in the stored form (a Decimal as text, a date as ISO 8601), or None."""
    default = field.load_default
    if default is marshmallow.missing or callable(default):
        return None
    try:
        return _json_safe(field.serialize(name, {name: default}))
    except (TypeError, ValueError, AttributeError):  # a default given as text: enabling names the field
        return None


def _choices(field: marshmallow.fields.Field) -> list[Any] | None:
    for validator in getattr(field, "validators", []):
        if isinstance(validator, marshmallow.validate.OneOf):
            return list(validator.choices)
    return None


def _without_unchanged_secrets(meta, submitted: dict[str, Any]) -> dict[str, Any]:
    secret = meta.secret_fields()
    return {k: v for k, v in submitted.items() if not (k in secret and v in ("", MASK, None))}


def _as_dict(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"_schema": messages}
