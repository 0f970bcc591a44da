"""API writes of products, customers, orders and reviews go through the importers'
`import_records`, so a record posted to the API and a row of a CSV are validated alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify
from sqlalchemy import select

from host.api.errors import ApiError
from host.api.routing import state
from host.importers.schemas import normal_key


def import_or_fail(shop_id: int, kind: str, records: list[dict[str, Any]], single: bool) -> dict[str, Any]:
    """Run `import_records`; raise 422 with field messages when any record is rejected."""
    try:
        from host.importers import import_records
    except ImportError as exc:  # the importers package is missing or broken on this install
        raise ApiError(501, f"imports are not available on this server: {exc}") from exc
    report = import_records(state(), shop_id, kind, records)
    if not report.ok:
        raise ApiError(422, "validation failed", fields=report_fields(report.errors, single),
                       extra={"report": report.as_dict()})
    return report.as_dict()


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


def check_new(shop_id: int, column, values: list[str], label: str) -> None:
    """POST creates: a natural key sent twice is a 422, one that exists already a 409."""
    name = column.key
    if len(set(values)) != len(values):
        raise ApiError(422, "validation failed", fields={name: [f"two records of this request share one {name}"]})
    model = column.class_
    with state().db.session() as session:
        taken = session.scalars(select(column).where(model.shop_id == shop_id, column.in_(values))).first()
    if taken is not None:
        raise ApiError(409, f"{label} {taken!r} exists already", fields={name: ["exists already"]})


def fetch_by(shop_id: int, query, column, values: list[str], serialize: Callable[[Any], dict]) -> list[dict]:
    """The rows just imported, in the order they were sent."""
    model = column.class_
    with state().db.session() as session:
        rows = session.scalars(query.where(model.shop_id == shop_id, column.in_(values)))
        found = {getattr(row, column.key): serialize(row) for row in rows}
    return [found[v] for v in values if v in found]


def create(shop_id: int, kind: str, query, column, values: list[str], records: list[dict], single: bool,
           serialize: Callable[[Any], dict], label: str):
    """check_new → import_records → fetch back; the 201 response of every POST create.

    Keys are compared as the importer stores them (`normal_key`): " 1001 " is order "1001", so
    it is a 409 when that exists, never a silent overwrite, and the answer finds what was written.
    """
    values = [normal_key(value, email=kind == "customers") for value in values]
    check_new(shop_id, column, values, label)
    import_or_fail(shop_id, kind, records, single)
    created = fetch_by(shop_id, query, column, values, serialize)
    return jsonify(created[0] if single and created else {"items": created}), 201
