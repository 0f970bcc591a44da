"""Checking records against the schemas and against each other, before anything is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from marshmallow import ValidationError

from shopwright.host.importers.formats import Duplicated
from shopwright.host.importers.records import Record
from shopwright.host.importers.report import Progress, RowError
from shopwright.host.importers.schemas import KEYS, SCHEMAS


def validate_records(kind: str, records: list[Record], progress: Progress) -> tuple[list[dict | None], list[RowError]]:
    """Each record loaded by its schema (None where invalid) and every error found."""
    schema = SCHEMAS[kind]()
    loaded: list[dict | None] = []
    errors: list[RowError] = []
    for done, record in enumerate(records, 1):
        item, problems = load_one(schema, record)
        loaded.append(item)
        errors.extend(problems)
        progress.step(0, done)
    errors.extend(duplicate_errors(kind, records, loaded))
    return loaded, errors


def load_one(schema, record: Record) -> tuple[dict | None, list[RowError]]:
    if not isinstance(record.data, dict):
        return None, [RowError(record.row, "", "each record must be an object with named fields")]
    repeated = [RowError(*record.locate(path), "this key appears more than once in the record; keep one")
                for path in duplicated_keys(record.data)]
    if repeated:
        return None, repeated
    try:
        return schema.load(record.data), []
    except ValidationError as exc:
        return None, [RowError(*record.locate(path), message) for path, message in flatten(exc.messages)]


def duplicated_keys(value: Any, path: list | None = None) -> Iterator[list]:
    """The path of every key a JSON object of the record names twice, however deep."""
    path = path or []
    if isinstance(value, Duplicated):
        yield from ([*path, name] for name in value.duplicates)
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield from duplicated_keys(inner, [*path, key])


def flatten(messages: Any, path: list | None = None) -> Iterator[tuple[list, str]]:
    """marshmallow's nested error dicts as (path, message) pairs, in field order."""
    path = path or []
    if isinstance(messages, dict):
        for key, inner in messages.items():
            yield from flatten(inner, path if key == "_schema" else [*path, key])
    elif isinstance(messages, list):
        for message in messages:
            yield from flatten(message, path)
    else:
        yield path, str(messages)


def duplicate_errors(kind: str, records: list[Record], loaded: list[dict | None]) -> list[RowError]:
    errors = []
    if kind in KEYS:
        keys = ((record, [KEYS[kind]], item[KEYS[kind]]) for record, item in zip(records, loaded, strict=True) if item)
        errors += find_duplicates(KEYS[kind], keys)
    if kind == "products":
        skus = ((record, ["variants", index, "sku"], variant["sku"])
                for record, item in zip(records, loaded, strict=True) if item
                for index, variant in enumerate(item["variants"]))
        errors += find_duplicates("sku", skus)
    return errors


def find_duplicates(name: str, keys: Iterator[tuple[Record, list, str]]) -> list[RowError]:
    first_seen: dict[str, int] = {}
    errors = []
    for record, path, value in keys:
        row, field = record.locate(path)
        if value in first_seen:
            errors.append(RowError(row, field, f"duplicate {name} {value!r}: also on row {first_seen[value]}"))
        else:
            first_seen[value] = row
    return errors
