"""Plugin settings: one marshmallow schema per plugin validates them, drives the admin form and
says which fields are secret. Invalid input raises field errors and leaves stored settings alone."""

from __future__ import annotations

from typing import Any

import marshmallow

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
    return schema.dump(loaded)


def mask_settings(meta, values: dict[str, Any]) -> dict[str, Any]:
    """The settings as shown to people: secrets appear only as set or not set."""
    secret = meta.secret_fields()
    return {key: (MASK if value else "") if key in secret else value for key, value in values.items()}


def describe_fields(meta) -> list[dict[str, Any]]:
    """One entry per setting (name, type, required, default, choices, secret, help) for forms."""
    return [_describe_field(name, field) for name, field in meta.settings().fields.items()]


def _describe_field(name: str, field: marshmallow.fields.Field) -> dict[str, Any]:
    default = field.load_default
    choices = _choices(field)
    return {
        "name": name,
        "type": type(field).__name__.lower(),
        "required": bool(field.required),
        "default": None if default is marshmallow.missing or callable(default) else default,
        "choices": choices,
        "secret": bool(field.metadata.get("secret")),
        "help": field.metadata.get("description", ""),
        "label": field.metadata.get("label", name.replace("_", " ").capitalize()),
    }


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
