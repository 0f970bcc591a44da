"""The outcome of one import, as people and the API see it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shopwright.host.jobs import PermanentError

#: A report lists at most this many errors, so a wholly wrong 100,000-row file stays readable.
MAX_REPORTED_ERRORS = 1000
SUMMARY_ERRORS = 5


@dataclass
class RowError:
    """One problem. `row` is the JSON record number (1-based) or the CSV line number (the header
    is line 1, so the first data row is line 2); 0 means the file as a whole."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class KeyTaken(RowError):
    """A create-only import's record whose key (handle, email, number, external id) the shop has
    already: a conflict with what is stored, not a fault of the record (the API answers 409).

    Not a dataclass of its own, so a report lists it exactly like any other row error; `value`
    is the key, for callers that name it."""

    def __init__(self, row: int, field: str, value: str):
        super().__init__(row, field, f"{value!r} exists already in the shop")
        self.value = value


@dataclass
class ImportReport:
    kind: str
    ok: bool
    total: int
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @classmethod
    def failed(cls, kind: str, total: int, errors: list[RowError]) -> ImportReport:
        return cls(kind=kind, ok=False, total=total, errors=cap_errors(errors))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if self.ok:
            return f"Imported {self.total} {self.kind}: {self.created} created, {self.updated} updated."
        shown = "; ".join(str(error) for error in self.errors[:SUMMARY_ERRORS])
        more = len(self.errors) - SUMMARY_ERRORS
        tail = f"; and {more} more" if more > 0 else ""
        return f"Nothing imported: {len(self.errors)} problem(s) in the {self.kind} file: {shown}{tail}"


class ImportFailed(PermanentError):
    """Raised where an import must fail loudly (the background job); carries the report. The
    same file would be refused again, so the job fails at once rather than being retried."""

    def __init__(self, report: ImportReport):
        super().__init__(report.summary())
        self.report = report


def cap_errors(errors: list[RowError]) -> list[RowError]:
    if len(errors) <= MAX_REPORTED_ERRORS:
        return errors
    hidden = len(errors) - MAX_REPORTED_ERRORS
    return errors[:MAX_REPORTED_ERRORS] + [RowError(0, "", f"and {hidden} more errors not listed")]


class Progress:
    """Calls the caller's `progress(done, total, message)` every `EVERY` rows of each phase.

    Validating is the first half of the work and writing the second, so the fraction only grows.
    """

    EVERY = 100
    PHASES = ("checked", "wrote")

    def __init__(self, callback, count: int):
        self.callback, self.count = callback, count

    def step(self, phase: int, done: int) -> None:
        if self.callback is None or not (done % self.EVERY == 0 or done == self.count):
            return
        total = 2 * self.count
        self.callback(phase * self.count + done, total, f"{self.PHASES[phase]} {done} of {self.count} rows")
