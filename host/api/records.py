"""API writes of products, customers, orders and reviews go through the importers'
`import_records`, so a record posted to the API and a row of a CSV are validated alike.

A POST creates and never replaces: the importer runs create-only, and its write transaction is
the one authority on "exists already" (a check of our own before it would leave a gap in which
another writer's record could be overwritten)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify

from shopwright.host.api.errors import ApiError
from shopwright.host.importers.report import ImportReport, KeyTaken
from shopwright.host.importers.schemas import normal_key
from shopwright.host.state import current_state


def import_or_fail(shop_id: int, kind: str, records: list[dict[str, Any]], single: bool,
                   label: str = "a record keyed") -> dict[str, Any]:
    """Create the records with `import_records` (create-only); raise 409 naming the key when one
    exists already, else 422 with field messages when any record is rejected."""
    try:
        from shopwright.host.importers import import_records
    except ImportError as exc:  # the importers package is missing or broken on this install
        raise ApiError(501, f"imports are not available on this server: {exc}") from exc
    report = import_records(current_state(), shop_id, kind, records, create_only=True)
    if not report.ok:
        raise refusal(report, single, label)
    return report.as_dict()


def refusal(report: ImportReport, single: bool, label: str) -> ApiError:
    """409 when any key is taken (sending the request again cannot succeed), else 422; either
    way every row error is in `fields` and the report, and nothing was written."""
    fields, extra = report_fields(report.errors, single), {"report": report.as_dict()}
    taken = [error.value for error in report.errors if isinstance(error, KeyTaken)]
    if not taken:
        return ApiError(422, "validation failed", fields=fields, extra=extra)
    more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
    return ApiError(409, f"{label} {taken[0]!r} exists already{more}", fields=fields, extra=extra)


def report_fields(errors: list, single: bool) -> dict[str, Any]:
    """Row errors as marshmallow-style messages: `{field: [..]}`, or `{row: {field: [..]}}`."""
    fields: dict[str, Any] = {}
    for error in errors:
        target = fields if single else fields.setdefault(str(error.row), {})
        target.setdefault(error.field or "_schema", []).append(error.message)
    return fields


def as_list(body: Any) -> tuple[list[dict[str, Any]], bool]:
    """(records, single): a POST takes one object or a list of them."""
    return ([body], True) if isinstance(body, dict) else (list(body), False)


def fetch_by(shop_id: int, query, column, values: list[str], serialize: Callable[[Any], dict]) -> list[dict]:
    """The rows just imported, in the order they were sent."""
    model = column.class_
    with current_state().db.session() as session:
        rows = session.scalars(query.where(model.shop_id == shop_id, column.in_(values)))
        found = {getattr(row, column.key): serialize(row) for row in rows}
    return [found[v] for v in values if v in found]


def create(shop_id: int, kind: str, query, column, values: list[str], records: list[dict], single: bool,
           serialize: Callable[[Any], dict], label: str):
    """import_records (create-only) → fetch back; the 201 response of every POST create.

    A key sent twice in one request is the importer's 422 (row by row); one the shop has, or gets
    from another writer while this one runs, its 409. The answer is fetched by the keys as the
    importer stores them (`normal_key`: " 1001 " is order "1001"), so it finds what was written.
    """
    import_or_fail(shop_id, kind, records, single, label)
    values = [normal_key(value, email=kind == "customers") for value in values]
    created = fetch_by(shop_id, query, column, values, serialize)
    return jsonify(created[0] if single and created else {"items": created}), 201
