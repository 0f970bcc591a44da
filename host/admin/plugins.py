"""The plugins page (every installed plugin, its state, permissions and failures; enable and
disable at run time) and each plugin's settings form. Owners only."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select

from shopwright.host.admin.core import admin, extension, owner_only, render, shop_id
from shopwright.host.admin.settings_form import build_fields, read_form, split_errors
from shopwright.host.lifecycle import PluginError
from shopwright.host.models import PluginState
from shopwright.host.pluginmeta import PERMISSIONS
from shopwright.host.settings import SettingsError, describe_fields, load_settings
from shopwright.host.state import current_state


@admin.get("/plugins")
@owner_only
def plugins():
    rows = [_row(described) for described in current_state().lifecycle.describe(shop_id())]
    return render("plugins.html", plugins=rows)


def _row(described: dict) -> dict:
    granted = set(described["granted"])
    permissions = [{"scope": scope, "description": PERMISSIONS.get(scope, scope), "granted": scope in granted}
                   for scope in described["permissions"]]
    installed = current_state().registry.get(described["name"])
    return {**described, "permission_rows": permissions,
            "configurable": bool(installed and installed.meta and installed.meta.settings().fields),
            "pages": extension().pages.of_plugin(described["name"]) if described["state"] == "enabled" else []}


@admin.post("/plugins/<name>/enable")
@owner_only
def plugins_enable(name: str):
    grant = request.form.getlist("grant")
    try:
        current_state().enable_plugin(shop_id(), name, grant)
    except PluginError as exc:
        _not_found_or_flash(exc)
    else:
        flash(f"{name} is enabled" + (f" with {', '.join(grant)}." if grant else " with no data permissions."),
              "success")
    return redirect(url_for("admin.plugins", _anchor=f"plugin-{name}"))


@admin.post("/plugins/<name>/disable")
@owner_only
def plugins_disable(name: str):
    try:
        current_state().disable_plugin(shop_id(), name)
    except PluginError as exc:
        _not_found_or_flash(exc)
    else:
        flash(f"{name} is disabled.", "success")
    return redirect(url_for("admin.plugins", _anchor=f"plugin-{name}"))


def _not_found_or_flash(exc: PluginError) -> None:
    if exc.status == 404:
        abort(404, str(exc))
    flash(str(exc), "error")


@admin.route("/plugins/<name>/settings", methods=["GET", "POST"])
@owner_only
def plugins_settings(name: str):
    meta = _meta(name)
    stored = raw_settings(shop_id(), name)
    if request.method == "GET":
        return _settings_page(name, meta, _shown(meta, stored), stored)
    submitted = read_form(meta, request.form)
    try:
        current_state().lifecycle.update_settings(shop_id(), name, submitted)
    except SettingsError as exc:
        per_field, general = split_errors(exc.messages, {f["name"] for f in describe_fields(meta)})
        return _settings_page(name, meta, submitted, stored, per_field, general, status=422)
    flash(f"Settings of {name} saved.", "success")
    return redirect(url_for("admin.plugins_settings", name=name))


def _meta(name: str):
    plugin = current_state().registry.get(name)
    if plugin is None:
        abort(404, f"No plugin named {name!r} is installed.")
    if plugin.meta is None:
        abort(409, f"Plugin {name} cannot be configured: {plugin.load_error}")
    return plugin.meta


def raw_settings(sid: int, name: str) -> dict:
    """The stored settings as they are, even when they no longer pass the schema."""
    with current_state().db.session() as db:
        row = db.scalar(select(PluginState.settings).where(PluginState.shop_id == sid, PluginState.plugin == name))
    return dict(row or {})


def _shown(meta, stored: dict) -> dict:
    """Stored settings with the schema's defaults filled in, where they load."""
    try:
        return load_settings(meta, stored)
    except SettingsError:
        return stored  # e.g. a required setting never set: show what there is


def _settings_page(name, meta, values, stored, per_field=None, general=None, status=200):
    described = current_state().lifecycle.describe_one(shop_id(), name)
    fields = build_fields(meta, values, stored, per_field)
    return render("plugin_settings.html", status, plugin=described, fields=fields, general_errors=general or [])
