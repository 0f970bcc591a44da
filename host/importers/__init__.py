"""Importing a shop's data: products, customers, orders, reviews and events, from JSON or CSV.

    report = import_file(state, shop_id, "products", "catalogue.csv", data, progress=callback)
    if not report.ok:
        for error in report.errors: print(error.row, error.field, error.message)

An import is all or nothing. Every record is parsed and validated first (the schemas in
`shopwright.host.importers.schemas`), then checked against the shop (referenced skus, handles and emails
must exist in *this* shop) and against the rest of the file (no key twice). Any problem and the
report lists each one by row and field, and nothing is written. Otherwise everything is written in
one transaction, so a process killed half-way leaves the shop as it was; after the commit the
plugins hear of it through their hooks. `on_written(session, report)`, when given, runs inside
that transaction once every row is written, so what it records commits with the rows or not at
all (the background job notes its outcome there: a retry after a crash never imports twice).

Re-importing updates rather than duplicates: products by handle (their variants by sku: updated,
added, and removed when the file no longer lists them), customers by email, orders by number
(lines replaced), reviews by external id. Events are appended. Fields a record leaves out keep
their stored values; a non-empty `description_html` marks the copy hand-written.

`import_records(..., create_only=True)` (the API's POST) never updates: a key the shop has
already is a `KeyTaken` row error, found inside the write's transaction, and a key another writer
inserts after that lookup trips its unique constraint and is reported the same way. Either way
nothing is written, so a create is never a silent overwrite, however the writers interleave.

Row numbers: JSON records count from 1; CSV rows are file lines, the header being line 1 (so
the first data row is line 2); row 0 is the file as a whole. File formats: `shopwright.host.importers.formats`,
`shopwright.host.importers.csvformat` and `shopwright.host.importers.shopify`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from shopwright.host.importers.formats import MAX_ROWS, as_records, parse_file
from shopwright.host.importers.hooks import Notices, collect, send
from shopwright.host.importers.records import KINDS, FileProblem, Record
from shopwright.host.importers.references import resolve, taken_keys
from shopwright.host.importers.report import ImportFailed, ImportReport, KeyTaken, Progress, RowError
from shopwright.host.importers.validate import validate_records
from shopwright.host.importers.writer import write
from shopwright.host.models import Shop

if TYPE_CHECKING:
    from shopwright.host.state import AppState

__all__ = ["KINDS", "MAX_ROWS", "ImportFailed", "ImportReport", "KeyTaken", "RowError", "import_file",
           "import_records"]

ProgressCallback = Callable[[int, int, str], None]
OnWritten = Callable[[Any, ImportReport], None]  # (the import's session, its report)


class _Refused(Exception):
    """Problems found inside the transaction: roll it back and report them."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


def import_file(state: AppState, shop_id: int, kind: str, filename: str, data: bytes,
                progress: ProgressCallback | None = None, on_written: OnWritten | None = None) -> ImportReport:
    """Import one uploaded file; the format comes from the extension (.csv, .json) or the content."""
    check_kind(kind)
    try:
        parsed = parse_file(kind, filename, data)
    except FileProblem as problem:
        return ImportReport.failed(kind, 0, [RowError(problem.row, problem.field, problem.message)])
    return run_import(state, shop_id, kind, parsed.records, parsed.errors, progress, on_written)


def import_records(state: AppState, shop_id: int, kind: str, records: list[dict],
                   progress: ProgressCallback | None = None, create_only: bool = False) -> ImportReport:
    """Import records already parsed from JSON (the API and the demo loader use this).

    `create_only`: refuse, as `KeyTaken` errors, records whose key the shop holds already."""
    check_kind(kind)
    try:
        wrapped = as_records(list(records))
    except FileProblem as problem:
        return ImportReport.failed(kind, len(records), [RowError(0, "", problem.message)])
    return run_import(state, shop_id, kind, wrapped, [], progress, create_only=create_only)


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")


def run_import(state, shop_id: int, kind: str, records: list[Record], errors: list[RowError],
               progress: ProgressCallback | None, on_written: OnWritten | None = None,
               create_only: bool = False) -> ImportReport:
    tracker = Progress(progress, len(records))
    items, problems = validate_records(kind, records, tracker)
    try:
        notices, report = write_all(state, shop_id, kind, records, items, errors + problems, tracker, on_written,
                                    create_only)
    except _Refused as refused:
        return ImportReport.failed(kind, len(records), sorted(refused.errors, key=lambda error: error.row))
    send(state, shop_id, notices)
    return report


def write_all(state, shop_id: int, kind: str, records: list[Record], items: list, errors: list[RowError],
              tracker: Progress, on_written: OnWritten | None = None,
              create_only: bool = False) -> tuple[Notices, ImportReport]:
    """Check references and write, in one transaction; raises _Refused with every problem found."""
    valid_records = [record for record, item in zip(records, items, strict=True) if item is not None]
    valid_items = [item for item in items if item is not None]
    try:
        with state.db.session() as session:
            if session.get(Shop, shop_id) is None:
                raise ValueError(f"no shop with id {shop_id}")
            lookup, problems = resolve(session, shop_id, kind, valid_records, valid_items, create_only)
            if errors or problems:
                raise _Refused(errors + problems)
            written = write(session, shop_id, kind, items, lookup, tracker)
            report = ImportReport(kind=kind, ok=True, total=len(records), created=len(written.created),
                                  updated=len(written.updated))
            if on_written is not None:
                on_written(session, report)
            return collect(kind, written), report
    except IntegrityError as exc:  # another writer got there between our checks and our writes
        taken = keys_taken_meanwhile(state, shop_id, kind, valid_records, valid_items) if create_only else []
        raise _Refused(taken or [RowError(0, "", f"the shop's data changed during the import; nothing was "
                                                 f"written, try again ({exc.orig})")]) from exc


def keys_taken_meanwhile(state, shop_id: int, kind: str, records: list[Record], items: list[dict]) -> list[KeyTaken]:
    """After a unique-constraint failure, which of a create's keys another writer has committed.

    Looked up afresh (the failed transaction is gone): the other writer's row is committed by the
    time our insert fails, so a concurrent create of the same key reads as `KeyTaken`, exactly as
    when it had landed before our lookup. Empty when the clash was elsewhere (a variant's sku)."""
    with state.db.session() as session:
        return taken_keys(session, shop_id, kind, records, items)
