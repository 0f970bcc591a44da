"""Tokens each shop generated per UTC day, in the `model_usage` table.

Every answered batch adds its counts with one atomic upsert (`INSERT ... ON CONFLICT DO UPDATE`
on SQLite and PostgreSQL), so server processes and worker threads counting at the same time
never lose an increment. The daily cap is checked against today's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from shopwright.host.inference.backend import Generation
from shopwright.host.models import ModelUsage


def today() -> date:
    return datetime.now(UTC).date()


def record(db, shop_id: int, generations: Sequence[Generation], day: date | None = None) -> None:
    """Add `generations` (one request each) to the shop's count for `day` (default: today)."""
    if not generations:
        return
    counts = {"requests": len(generations),
              "prompt_tokens": sum(g.prompt_tokens for g in generations),
              "completion_tokens": sum(g.completion_tokens for g in generations)}
    day = day or today()
    with db.session() as session:
        dialect = session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            session.execute(_upsert(dialect, shop_id, day, counts))
        else:
            _update_or_insert(session, shop_id, day, counts)


def _upsert(dialect: str, shop_id: int, day: date, counts: dict[str, int]):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(ModelUsage).values(shop_id=shop_id, day=day, **counts)
    added = {name: getattr(ModelUsage, name) + statement.excluded[name] for name in counts}
    return statement.on_conflict_do_update(index_elements=["shop_id", "day"], set_=added)


def _update_or_insert(session, shop_id: int, day: date, counts: dict[str, int]) -> None:
    changed = session.execute(
        update(ModelUsage).where(ModelUsage.shop_id == shop_id, ModelUsage.day == day)
        .values({name: getattr(ModelUsage, name) + value for name, value in counts.items()}))
    if not changed.rowcount:
        session.add(ModelUsage(shop_id=shop_id, day=day, **counts))


def used_on(db, shop_id: int, day: date | None = None) -> int:
    """Prompt plus completion tokens the shop used on `day` (default: today)."""
    with db.session() as session:
        row = session.execute(select(ModelUsage.prompt_tokens, ModelUsage.completion_tokens)
                              .where(ModelUsage.shop_id == shop_id, ModelUsage.day == (day or today()))).first()
    return int(row[0] + row[1]) if row else 0


def history(db, shop_id: int, days: int = 7) -> list[dict]:
    """The last `days` days, newest first, each with requests, prompt, completion and total
    tokens; days without use appear with zeros."""
    last = today()
    first = last - timedelta(days=days - 1)
    with db.session() as session:
        rows = {row.day: row for row in session.scalars(
            select(ModelUsage).where(ModelUsage.shop_id == shop_id, ModelUsage.day >= first))}
    out = []
    for offset in range(days):
        day = last - timedelta(days=offset)
        row = rows.get(day)
        counts = (row.requests, row.prompt_tokens, row.completion_tokens) if row else (0, 0, 0)
        out.append({"day": day, "requests": counts[0], "prompt_tokens": counts[1],
                    "completion_tokens": counts[2], "total_tokens": counts[1] + counts[2]})
    return out
