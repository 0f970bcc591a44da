"""What every format parses into: a record (one import row) plus where it came from.

A record remembers its row number and, for CSV files where one record spans several lines
(product variants, order lines), the line of each nested item and the column behind each field,
so errors point at the line and column a person can fix in a spreadsheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("products", "customers", "orders", "reviews", "events")

#: Fields that hold a list of nested items, one CSV line each.
NESTED = ("variants", "lines")


@dataclass
class Record:
    row: int  # JSON: 1-based record number; CSV: line number of the record's first data line
    data: dict[str, Any]
    item_rows: list[int] = field(default_factory=list)  # CSV: line of each nested item
    columns: dict[str, str] = field(default_factory=dict)  # field path -> CSV column name

    def locate(self, path: list[str | int]) -> tuple[int, str]:
        """The (row, field name) to report for an error at `path` inside this record."""
        nested = len(path) > 1 and path[0] in NESTED and isinstance(path[1], int)
        if nested and self.item_rows and path[1] < len(self.item_rows):
            key = ".".join(str(part) for part in [path[0], *path[2:]])
            return self.item_rows[path[1]], self.columns.get(key, key)
        key = ".".join(str(part) for part in path)
        return self.row, self.columns.get(key, key)


class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, syntax, header, size)."""

    def __init__(self, message: str, row: int = 0, field: str = ""):
        super().__init__(message)
        self.row, self.field, self.message = row, field, message
