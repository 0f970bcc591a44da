"""Pages of rows: `?limit=&offset=`, or `?cursor=` (keyset on id, stable while rows are added).

One extra row is fetched to learn whether a next page exists, so no COUNT query is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select

from shopwright.host.api.errors import ApiError


def encode_cursor(last_id: int) -> str:
    """The id the next page starts after, as text: a format the OpenAPI document can state
    exactly (`^[0-9]{1,18}$`), so every cursor it allows is one this API accepts."""
    return str(last_id)


def decode_cursor(cursor: str) -> int:
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):  # PageQuery checks this too
        raise ApiError(400, "invalid cursor", fields={"cursor": ["not a cursor this API gave out"]})
    return int(cursor)


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
