"""/plugins: enable, disable and configure plugins for the key's shop (scope admin:plugins).

Settings go through the plugin's own marshmallow schema: invalid values answer 422 with field
messages and the stored settings stay as they were; secrets are only ever shown masked.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select

from shopwright.host.api import schemas as s
from shopwright.host.api.auth import current_key
from shopwright.host.api.errors import ApiError
from shopwright.host.api.routing import api, json_body, operation
from shopwright.host.lifecycle import PluginError
from shopwright.host.models import PluginState
from shopwright.host.settings import SettingsError, describe_fields, mask_settings
from shopwright.host.state import current_state

TAG = "plugins"
SCOPE = "admin:plugins"


def _lifecycle_error(exc: PluginError) -> ApiError:
    return ApiError(exc.status, str(exc))


def _meta(name: str):
    plugin = current_state().registry.get(name)
    if plugin is None:
        raise ApiError(404, f"no plugin named {name!r} is installed")
    if plugin.meta is None:
        raise ApiError(409, f"plugin {name} cannot be configured: {plugin.load_error}")
    return plugin.meta


@api.get("/plugins")
@operation("List installed plugins and their state in this shop", tag=TAG, scope=SCOPE,
           responses={200: s.PluginList})
def list_plugins():
    return jsonify({"items": current_state().lifecycle.describe(current_key().shop_id)})


@api.get("/plugins/<name>")
@operation("Get one plugin", tag=TAG, scope=SCOPE, responses={200: s.PluginOut, 404: "no such plugin"})
def get_plugin(name: str):
    try:
        return jsonify(current_state().lifecycle.describe_one(current_key().shop_id, name))
    except PluginError as exc:
        raise _lifecycle_error(exc) from exc


@api.post("/plugins/<name>/enable")
@operation("Enable a plugin (optionally granting fewer permissions)", tag=TAG, scope=SCOPE, body=s.EnableIn,
           body_required=False,
           responses={200: s.PluginOut, 404: "no such plugin", 409: "cannot be enabled (the message says why)"})
def enable_plugin(name: str, body: dict[str, Any]):
    try:
        return jsonify(current_state().enable_plugin(current_key().shop_id, name, body.get("grant")))
    except PluginError as exc:
        raise _lifecycle_error(exc) from exc


@api.post("/plugins/<name>/disable")
@operation("Disable a plugin", tag=TAG, scope=SCOPE, responses={200: s.PluginOut, 404: "no such plugin"})
def disable_plugin(name: str):
    try:
        return jsonify(current_state().disable_plugin(current_key().shop_id, name))
    except PluginError as exc:
        raise _lifecycle_error(exc) from exc


@api.get("/plugins/<name>/settings")
@operation("Get a plugin's settings (secrets masked) and field descriptions", tag=TAG, scope=SCOPE,
           responses={200: s.PluginSettingsOut, 404: "no such plugin"})
def get_settings(name: str):
    meta = _meta(name)
    return jsonify(_settings_view(meta, _stored(current_key().shop_id, name)))


@api.put("/plugins/<name>/settings")
@operation("Change a plugin's settings", tag=TAG, scope=SCOPE, body=s.SettingsIn,
           responses={200: s.PluginSettingsOut, 404: "no such plugin", 422: "invalid settings; nothing was changed"})
def put_settings(name: str, body: dict[str, Any]):
    """Fields left out keep their value; a secret sent blank or masked keeps the stored secret."""
    meta = _meta(name)
    try:
        new = current_state().lifecycle.update_settings(current_key().shop_id, name, json_body())
    except SettingsError as exc:
        raise ApiError(422, "invalid settings; nothing was changed", fields=exc.messages) from exc
    except PluginError as exc:
        raise _lifecycle_error(exc) from exc
    return jsonify(_settings_view(meta, new))


def _stored(shop_id: int, name: str) -> dict[str, Any]:
    try:
        return current_state().lifecycle.stored_settings(shop_id, name)
    except SettingsError:  # not valid yet (e.g. a required field never set): show what is stored
        with current_state().db.session() as session:
            row = session.scalar(select(PluginState).where(PluginState.shop_id == shop_id, PluginState.plugin == name))
            return dict(row.settings or {}) if row else {}


def _settings_view(meta, values: dict[str, Any]) -> dict[str, Any]:
    described = describe_fields(meta)
    for field in described:
        if field["secret"]:
            field["default"] = None  # a secret's default is as secret as its value
    return {"values": mask_settings(meta, values), "fields": described}
