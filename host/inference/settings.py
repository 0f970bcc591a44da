"""Each shop's model settings: which text backend it uses, how to reach it, and its daily cap.

One marshmallow schema validates them and drives the admin's Models form (through the same
`shopwright.host.settings` helpers as a plugin's settings), so errors come back per field and the API key
is a secret: stored, never shown, kept when the form leaves it blank. The settings live in the
`model_settings` table, one row per shop; a shop without a row uses the server's `TEXT_BACKEND`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import marshmallow
from marshmallow import fields, validate, validates_schema
from sqlalchemy import select

from shopwright.host.models import ModelSettings
from shopwright.host.settings import load_settings

BACKENDS = ("embedded", "hf_folder", "openai")


def _endpoint_url(value: str) -> None:
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise marshmallow.ValidationError("Enter the server's address, like http://127.0.0.1:8080 or "
                                          "https://api.example.com/v1.")


class ModelSettingsSchema(marshmallow.Schema):
    backend = fields.String(
        load_default="embedded", validate=validate.OneOf(BACKENDS),
        metadata={"label": "Text model", "description": (
            "embedded: the small model that ships with Shopwright (runs on this server, no setup). "
            "hf_folder: a Hugging Face model folder on this server. "
            "openai: an OpenAI-compatible server (llama.cpp, vLLM, Ollama or a hosted service).")})
    hf_path = fields.String(load_default="", validate=validate.Length(max=1000), metadata={
        "label": "Model folder", "description": "For hf_folder: the folder's full path on this server."})
    endpoint_url = fields.String(load_default="", validate=[validate.Length(max=500), _endpoint_url], metadata={
        "label": "Endpoint URL", "description": "For openai: the server's base URL, e.g. http://127.0.0.1:8080/v1."})
    endpoint_model = fields.String(load_default="", validate=validate.Length(max=200), metadata={
        "label": "Endpoint model", "description": "For openai: the model name the server expects."})
    api_key = fields.String(load_default="", validate=validate.Length(max=500), metadata={
        "label": "API key", "secret": True, "description": "For openai, if the server asks for one."})
    timeout_s = fields.Float(load_default=60.0, validate=validate.Range(min=1, max=600), metadata={
        "label": "Endpoint timeout (seconds)", "description": "For openai: how long to wait for one answer."})
    daily_token_cap = fields.Integer(load_default=0, validate=validate.Range(min=0), metadata={
        "label": "Daily token cap", "description": (
            "Most tokens (prompt and answer) the shop's plugins may use per day, counted from midnight UTC. "
            "0: no cap.")})

    @validates_schema
    def _backend_needs(self, data: dict[str, Any], **_kwargs) -> None:
        """Each backend's own fields must be filled in; the others may stay blank."""
        backend = data.get("backend")
        missing: dict[str, list[str]] = {}
        if backend == "hf_folder" and not data.get("hf_path", "").strip():
            missing["hf_path"] = ["Enter the model folder's path to use hf_folder."]
        if backend == "openai":
            if not data.get("endpoint_url", "").strip():
                missing["endpoint_url"] = ["Enter the endpoint's URL to use openai."]
            if not data.get("endpoint_model", "").strip():
                missing["endpoint_model"] = ["Enter the model name the endpoint serves."]
        if missing:
            raise marshmallow.ValidationError(missing)


class ModelSettingsMeta:
    """What `shopwright.host.settings` and `host.admin.settings_form` expect of a plugin's metadata."""

    settings = ModelSettingsSchema

    def secret_fields(self) -> set[str]:
        return {name for name, f in self.settings().fields.items() if f.metadata.get("secret")}


MODEL_SETTINGS = ModelSettingsMeta()


def defaults() -> dict[str, Any]:
    schema = ModelSettingsSchema()
    return schema.dump(schema.load({}))


def stored_settings(db, shop_id: int) -> dict[str, Any] | None:
    """The shop's saved settings as saved, or None when it never saved any."""
    with db.session() as session:
        row = session.scalar(select(ModelSettings.settings).where(ModelSettings.shop_id == shop_id))
    return dict(row) if row is not None else None


def save_settings(db, shop_id: int, submitted: dict[str, Any], clear: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate `submitted` over the saved settings and store them; raises
    `shopwright.host.settings.SettingsError` (per-field messages) and keeps the old ones. `clear` names
    secrets to empty (a blank secret field otherwise keeps the stored value)."""
    previous = {k: v for k, v in (stored_settings(db, shop_id) or {}).items() if k not in clear}
    loaded = load_settings(MODEL_SETTINGS, submitted, previous)
    with db.session() as session:
        row = session.scalar(select(ModelSettings).where(ModelSettings.shop_id == shop_id))
        if row is None:
            session.add(ModelSettings(shop_id=shop_id, settings=loaded))
        else:
            row.settings = loaded
    return loaded
