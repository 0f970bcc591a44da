"""Introspection: /healthz for load balancers and /-/plugins.json for people and tools."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from shopwright.host.models import Shop
from shopwright.host.state import current_state
from shopwright.host.version import __version__

introspection = Blueprint("introspection", __name__)


@introspection.get("/healthz")
def healthz():
    return {"status": "ok"}


@introspection.get("/-/plugins.json")
def plugins_json():
    """Every installed plugin with version, hooks implemented and load errors.

    With an API key holding `admin:plugins`, each plugin's state in that key's shop is added:
    what a shop runs is its own business, so no shop sees another's.
    """
    state = current_state()
    key = _admin_key()
    shops = _shops(state, key.shop_id) if key else []
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
        if key:
            row["shops"] = {slug: _state_in(state, shop_id, name) for shop_id, slug in shops}
        rows.append(row)
    return jsonify({"host_version": __version__, "plugins": rows})


def _shops(state, shop_id: int):
    with state.db.session() as session:
        return list(session.execute(select(Shop.id, Shop.slug).where(Shop.id == shop_id)))


def _state_in(state, shop_id: int, name: str) -> str:
    return state.lifecycle.describe_one(shop_id, name)["state"]


def _admin_key():
    from shopwright.host.api.auth import key_from_request

    key = key_from_request()
    return key if key is not None and "admin:plugins" in key.scopes else None
