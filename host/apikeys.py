"""API keys: shown once when created, stored only as a hash, each limited to a set of scopes.

A key looks like `sw_<prefix>_<secret>`: the prefix finds the row, the secret is compared by hash.
Keys are long random strings, so a fast SHA-256 is the right hash (password stretching would
only slow every API request); the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from host.models import ApiKey, utcnow

#: Scopes an API key can carry; plugin data scopes are in host.pluginmeta.PERMISSIONS.
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
}


class ApiKeyError(ValueError):
    pass


@dataclass(frozen=True)
class KeyInfo:
    id: int
    shop_id: int
    name: str
    scopes: frozenset[str]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session, shop_id: int, name: str, scopes: list[str]) -> str:
    """Create a key and return it in full; this is the only time it can be seen."""
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


def touch(session, key_id: int) -> None:
    row = session.get(ApiKey, key_id)
    if row is not None:
        row.last_used_at = utcnow()
