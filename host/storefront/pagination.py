"""Pages of a listing: which slice to read, and the numbers a pager shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PAGE_SIZE = 24
WINDOW = 2  # page numbers shown either side of the current one


class PageOutOfRange(LookupError):
    """The requested page does not exist (the view answers 404)."""


def page_number(raw: str | None) -> int:
    """`?page=` as a positive integer; absent means 1, anything else is out of range."""
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise PageOutOfRange(raw)
    return int(raw)


@dataclass
class Page:
    number: int
    total: int  # items across all pages
    size: int = PAGE_SIZE
    items: list[Any] = field(default_factory=list)

    @classmethod
    def checked(cls, number: int, total: int, size: int = PAGE_SIZE) -> Page:
        """A page that exists: page 1 always does (perhaps empty), others only within the total."""
        page = cls(number, total, size)
        if number > page.pages:
            raise PageOutOfRange(number)
        return page

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_item(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last_item(self) -> int:
        return min(self.offset + self.size, self.total)

    def numbers(self) -> list[int | None]:
        """Page numbers for the pager, None where a gap is shown: [1, None, 4, 5, 6, None, 10]."""
        shown = {1, self.pages, *range(self.number - WINDOW, self.number + WINDOW + 1)}
        result: list[int | None] = []
        for n in sorted(n for n in shown if 1 <= n <= self.pages):
            if result and n - result[-1] > 1:
                result.append(None)
            result.append(n)
        return result
