"""API keys: shown once when created, stored only as a hash, each limited to a set of scopes.

A key looks like `sw_<prefix>_<secret>`: the prefix finds the row, the secret is compared by hash.
Keys are long random strings, so a fast SHA-256 is the right hash (password stretching would
only slow every API request); the comparison is constant-time.

Owners list and revoke keys from the CLI, the admin's Shop settings page and the API (scope
`admin:keys`). Through the API a key can revoke only keys that hold no scope it lacks, and never
itself, so no key can be turned against a more powerful one; and nothing creates keys through the
API, so a key cannot mint itself new powers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from shopwright.host.models import MAX_INT, ApiKey, utcnow

#: Scopes an API key can carry; plugin data scopes are in shopwright.host.pluginmeta.PERMISSIONS.
API_SCOPES = {
    "read:catalog": "List and read products",
    "write:catalog": "Create, update and import products",
    "read:customers": "Read customers (PII)",
    "write:customers": "Create, update and import customers",
    "read:orders": "Read orders",
    "write:orders": "Create and import orders",
    "read:reviews": "Read reviews",
    "write:reviews": "Create and import reviews",
    "write:events": "Send storefront events",
    "read:jobs": "See jobs and their progress",
    "write:jobs": "Queue, cancel and retry jobs",
    "admin:plugins": "Enable, disable and configure plugins",
    "admin:keys": "List the shop's API keys and revoke them (only keys with no scope this key lacks)",
}

#: What a key gets when no scope is named: every scope except the `admin:*` ones, which manage the
#: shop itself (its plugins, its other keys) and so are granted only when named explicitly.
DEFAULT_SCOPES = tuple(sorted(scope for scope in API_SCOPES if not scope.startswith("admin:")))


class ApiKeyError(ValueError):
    """A request about keys that cannot be met; `status` is the HTTP answer that fits it."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class KeyInfo:
    id: int
    shop_id: int
    name: str
    scopes: frozenset[str]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session, shop_id: int, name: str, scopes: list[str]) -> str:
    """Create a key and return it in full; this is the only time it can be seen. Callers that
    name no scopes pass `DEFAULT_SCOPES` (no `admin:*` scope)."""
    unknown = sorted(set(scopes) - set(API_SCOPES))
    if unknown:
        raise ApiKeyError(f"unknown scopes: {', '.join(unknown)}; known: {', '.join(sorted(API_SCOPES))}")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    session.add(ApiKey(shop_id=shop_id, name=name, prefix=prefix, key_hash=hash_secret(secret),
                       scopes=sorted(set(scopes))))
    session.flush()
    return f"sw_{prefix}_{secret}"


def verify_key(session, presented: str) -> KeyInfo | None:
    parts = presented.split("_", 2) if presented else []
    if len(parts) != 3 or parts[0] != "sw":
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1], ApiKey.revoked.is_(False)))
    if row is None or not hmac.compare_digest(row.key_hash, hash_secret(parts[2])):
        return None
    return KeyInfo(row.id, row.shop_id, row.name, frozenset(row.scopes or ()))


def list_keys(session, shop_id: int) -> list[ApiKey]:
    """The shop's keys, newest first, revoked ones included (they show who revoked them, when)."""
    return list(session.scalars(select(ApiKey).where(ApiKey.shop_id == shop_id).order_by(ApiKey.id.desc())))


def get_key(session, shop_id: int, key_id: int) -> ApiKey:
    # Past the id column's range no row can match, and the database driver would raise OverflowError.
    row = None if not 0 < key_id <= MAX_INT else session.scalar(
        select(ApiKey).where(ApiKey.shop_id == shop_id, ApiKey.id == key_id))
    if row is None:
        raise ApiKeyError(f"no API key {key_id} in this shop", status=404)
    return row


def revoke_key(session, shop_id: int, key_id: int, actor: str, holder: KeyInfo | None = None) -> ApiKey:
    """Revoke a key of the shop; revoking a revoked key changes nothing. `holder`: the API key
    asking, None for owners and the CLI (who may revoke any key of their shop)."""
    row = get_key(session, shop_id, key_id)
    if holder is not None:
        _check_holder(holder, row)
    if not row.revoked:
        row.revoked, row.revoked_at, row.revoked_by = True, utcnow(), actor[:254]
    return row


def _check_holder(holder: KeyInfo, row: ApiKey) -> None:
    # Itself: a client that did would cut itself off mid-work. A key with scopes the holder lacks:
    # a weaker key must not be able to take down a stronger one.
    if holder.id == row.id:
        raise ApiKeyError("an API key cannot revoke itself; an owner can, on the Shop settings page or with "
                          "`shopwright apikey revoke`", status=403)
    lacking = sorted(set(row.scopes or ()) - holder.scopes)
    if lacking:
        raise ApiKeyError(f"this API key cannot revoke key {row.id}: that key holds scopes it lacks "
                          f"({', '.join(lacking)})", status=403)


def public_actor(actor: str) -> str:
    """Who revoked a key, as the API tells it: an admin user is "admin user", never their email
    (any `admin:keys` key may read it); "api:<key name>" and "cli" as stored. The admin page and
    the CLI, used by the owners themselves, show the stored value."""
    return "admin user" if actor.startswith("user:") else actor


def record_use(session, used: Mapping[int, datetime]) -> None:
    """Set last_used_at of several keys; never moves one back in time."""
    for key_id, at in used.items():
        session.execute(update(ApiKey).where(ApiKey.id == key_id)
                        .where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < at))
                        .values(last_used_at=at))
