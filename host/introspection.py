"""Introspection: /healthz for load balancers and /-/plugins.json for people and tools."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from host.models import Shop
from host.version import __version__

introspection = Blueprint("introspection", __name__)


@introspection.get("/healthz")
def healthz():
    return {"status": "ok"}


@introspection.get("/-/plugins.json")
def plugins_json():
    """Every installed plugin with version, hooks implemented and its state in each shop.

    `?shop=<slug>` narrows the states to one shop. Per-shop states are shown only to callers
    on the loopback interface or holding an admin API key, as they reveal what a shop runs.
    """
    state = current_app.extensions["shopwright"]
    shops = _shops(state, request.args.get("shop"))
    show_states = request.remote_addr in ("127.0.0.1", "::1") or _is_admin_key()
    rows = []
    for name, plugin in sorted(state.registry.plugins.items()):
        row = {
            "name": name,
            "version": plugin.meta.version if plugin.meta else None,
            "source": plugin.source,
            "requires_host": plugin.meta.requires_host if plugin.meta else "",
            "hooks": plugin.hooks,
            "load_error": plugin.load_error,
        }
        if show_states:
            row["shops"] = {slug: _state_in(state, shop_id, name) for shop_id, slug in shops}
        rows.append(row)
    return jsonify({"host_version": __version__, "plugins": rows})


def _shops(state, slug: str | None):
    query = select(Shop.id, Shop.slug).order_by(Shop.id)
    if slug:
        query = query.where(Shop.slug == slug)
    with state.db.session() as session:
        return list(session.execute(query))


def _state_in(state, shop_id: int, name: str) -> str:
    return state.lifecycle.describe_one(shop_id, name)["state"]


def _is_admin_key() -> bool:
    from host.api.auth import key_from_request

    key = key_from_request()
    return key is not None and "admin:plugins" in key.scopes
