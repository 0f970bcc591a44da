"""Time helpers for the demo shop: the window being simulated, seasonal sampling, ISO stamps.

Everything works on timezone-aware UTC datetimes and writes them as ``YYYY-MM-DDTHH:MM:SSZ``,
so the stamps sort correctly as plain strings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_NOW = datetime(2026, 11, 30, tzinfo=UTC)
DAYS_PER_MONTH = 30.4375

# Relative shopping intensity per calendar month: the holiday season sells about twice an
# ordinary month and January is quiet, which is what a lifestyle shop's order chart looks like.
MONTH_WEIGHT = {1: 0.75, 2: 0.8, 3: 0.9, 4: 0.95, 5: 1.0, 6: 1.0, 7: 0.95, 8: 0.95,
                9: 1.0, 10: 1.1, 11: 1.8, 12: 2.0}
MAX_MONTH_WEIGHT = max(MONTH_WEIGHT.values())


@dataclass(frozen=True, slots=True)
class Timeline:
    """The simulated period: ``start`` is ``months`` months before ``now``."""

    now: datetime
    start: datetime

    @classmethod
    def ending_at(cls, now: datetime | None, months: int) -> Timeline:
        end = as_utc(now or DEFAULT_NOW)
        return cls(now=end, start=end - timedelta(days=months * DAYS_PER_MONTH))

    def months_ago(self, months: float) -> datetime:
        return self.now - timedelta(days=months * DAYS_PER_MONTH)


def as_utc(moment: datetime) -> datetime:
    """Treat naive datetimes as UTC; convert aware ones."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def uniform_moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = max((end - start).total_seconds(), 0.0)
    return start + timedelta(seconds=int(rng.random() * seconds))


def seasonal_moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment in [start, end) that favours busy months (rejection sampling on MONTH_WEIGHT)."""
    for _ in range(12):
        moment = uniform_moment(rng, start, end)
        if rng.random() * MAX_MONTH_WEIGHT <= MONTH_WEIGHT[moment.month]:
            return moment
    return moment


def shopping_hour(rng: random.Random, day: datetime) -> datetime:
    """Move a moment to a plausible shopping time of day: mostly evenings, some lunchtimes."""
    hour = rng.choices((8, 12, 13, 19, 20, 21, 22, 10, 15, 17), weights=(2, 4, 3, 6, 7, 6, 3, 2, 2, 3))[0]
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
