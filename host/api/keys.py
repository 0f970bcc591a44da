"""/keys: the shop's API keys, listed with when each was last used, and revoked.

Scope `admin:keys`. Keys are never created here (an owner creates them in the CLI), so a key
cannot mint itself new powers; and it can revoke only keys that hold no scope it lacks, never
itself. A revoked key is refused at once by this server process, and within half a second by
every other one (host.api.auth).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from marshmallow import Schema, fields

from shopwright.host.api.auth import current_key, forget_keys
from shopwright.host.api.errors import ApiError
from shopwright.host.api.routing import api, operation
from shopwright.host.apikeys import ApiKeyError, get_key, list_keys, public_actor, revoke_key
from shopwright.host.models import ApiKey
from shopwright.host.state import current_state

TAG = "keys"
SCOPE = "admin:keys"


class KeyOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "the public part: keys read sw_<prefix>_..."})
    scopes = fields.List(fields.String(), required=True)
    revoked = fields.Boolean(required=True)
    created_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the key was last used, to within a minute; null: never"})
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by = fields.String(metadata={"description": 'who revoked it: "admin user" (someone in the admin; '
                                                        'never their email), "api:<key name>" or "cli"'})


class KeyList(Schema):
    items = fields.List(fields.Nested(KeyOut), required=True)


def key_dict(row: ApiKey) -> dict[str, Any]:
    """A key as the API shows it: never its hash, never its secret, never an owner's email."""
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "scopes": list(row.scopes or []),
            "revoked": row.revoked, "created_at": _iso(row.created_at), "last_used_at": _iso(row.last_used_at),
            "revoked_at": _iso(row.revoked_at), "revoked_by": public_actor(row.revoked_by or "")}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


@api.get("/keys")
@operation("List the shop's API keys, newest first", tag=TAG, scope=SCOPE, responses={200: KeyList})
def list_api_keys():
    with current_state().db.session() as session:
        return jsonify({"items": [key_dict(row) for row in list_keys(session, current_key().shop_id)]})


@api.get("/keys/<int:key_id>")
@operation("Get an API key", tag=TAG, scope=SCOPE, responses={200: KeyOut, 404: "no such key"})
def get_api_key(key_id: int):
    with current_state().db.session() as session:
        try:
            return jsonify(key_dict(get_key(session, current_key().shop_id, key_id)))
        except ApiKeyError as exc:
            raise ApiError(exc.status, str(exc)) from exc


@api.post("/keys/<int:key_id>/revoke")
@operation("Revoke an API key (revoking a revoked key changes nothing)", tag=TAG, scope=SCOPE,
           responses={200: KeyOut, 403: "the key holds scopes this key lacks, or is this key",
                      404: "no such key"})
def revoke_api_key(key_id: int):
    holder = current_key()
    try:
        with current_state().db.session() as session:
            row = revoke_key(session, holder.shop_id, key_id, f"api:{holder.name}", holder=holder)
            answer = key_dict(row)
    except ApiKeyError as exc:
        raise ApiError(exc.status, str(exc)) from exc
    forget_keys()  # after the commit: this process refuses the key from the next request on
    return jsonify(answer)
