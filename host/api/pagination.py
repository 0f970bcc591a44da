"""Pages of rows: `?limit=&offset=`, or `?cursor=` (keyset on id, stable while rows are added).

One extra row is fetched to learn whether a next page exists, so no COUNT query is needed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select

from host.api.errors import ApiError


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id":
            raise ValueError(raw)
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid cursor", fields={"cursor": ["not a cursor this API gave out"]}) from exc


def paged(query: Select, id_column, args: dict[str, Any]) -> Select:
    """Apply ordering, the cursor or offset, and limit+1 to `query`."""
    query = query.order_by(id_column)
    if args.get("cursor"):
        query = query.where(id_column > decode_cursor(args["cursor"]))
    elif args.get("offset"):
        query = query.offset(args["offset"])
    return query.limit(args["limit"] + 1)


def page(rows: list, args: dict[str, Any], serialize: Callable[[Any], dict]) -> dict[str, Any]:
    limit = args["limit"]
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [serialize(row) for row in rows],
        "limit": limit,
        "offset": 0 if args.get("cursor") else args.get("offset", 0),
        "next_cursor": encode_cursor(rows[-1].id) if more and rows else None,
    }
