"""The API blueprint and `operation`, the decorator every API view wears.

`operation` enforces the scope, validates the query string and JSON body with marshmallow and
records what the OpenAPI document says about the route, so the rules and the docs are one thing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import marshmallow
from flask import Blueprint, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from shopwright.host.api.auth import requires
from shopwright.host.api.errors import ApiError, register_error_handlers
from shopwright.host.importers.schemas import MAX_INT

api = Blueprint("api", __name__, url_prefix="/api/v1")
register_error_handlers(api)
MAX_RECORDS = 1000


class RowId(IntegerConverter):
    """`<int:...>` for ids: a number past what an id column holds is no such row (404), where
    the database driver would raise OverflowError (a 500)."""

    def to_python(self, value: str) -> int:
        # NotFound rather than werkzeug's ValidationError, which would try the other rules of
        # the path and answer 405 where a shorter id has routes for the method.
        if len(value.lstrip("0")) > len(str(MAX_INT)) or int(value) > MAX_INT:  # no 5,000-digit int()
            raise NotFound(f"no such record: ids go up to {MAX_INT}")
        return int(value)


@api.record_once
def _bounded_ids(setup) -> None:
    # Runs before this blueprint's rules are added, so every `<int:...>` of the API (and of the
    # blueprints registered after it) uses RowId; the OpenAPI document declares the same bounds.
    setup.app.url_map.converters["int"] = RowId


@dataclass(frozen=True)
class OperationDoc:
    summary: str
    tag: str
    scope: str | None
    auth: bool
    query: type[marshmallow.Schema] | None
    body: type[marshmallow.Schema] | None
    many: bool  # the body may also be a list of `body`
    partial: bool  # PATCH: every field optional
    responses: dict[int, Any] = field(default_factory=dict)  # status -> schema class or description
    description: str = ""
    parameters: tuple[dict[str, Any], ...] = ()  # extra OpenAPI parameters (headers)
    body_required: bool = True


def operation(summary: str, *, tag: str, scope: str | None = None, auth: bool = True,
              query: type[marshmallow.Schema] | None = None, body: type[marshmallow.Schema] | None = None,
              many: bool = False, partial: bool = False, responses: dict[int, Any] | None = None,
              parameters: tuple[dict[str, Any], ...] = (), body_required: bool = True) -> Callable:
    """Mark a view as an API operation. The view receives `query=` and/or `body=` (validated)."""

    def wrap(view: Callable) -> Callable:
        @wraps(view)
        def run(*args, **kwargs):
            if query is not None:
                kwargs["query"] = load_query(query)
            if body is not None:
                kwargs["body"] = load_body(body, many, partial, body_required)
            return view(*args, **kwargs)

        guarded = requires(scope)(run) if auth else run
        guarded.__apidoc__ = OperationDoc(summary, tag, scope, auth, query, body, many, partial,
                                          responses or {}, (view.__doc__ or "").strip(), parameters, body_required)
        return guarded

    return wrap


def load_query(schema: type[marshmallow.Schema]) -> dict[str, Any]:
    try:
        return schema().load(request.args.to_dict())
    except marshmallow.ValidationError as exc:
        raise ApiError(400, "invalid query parameters", fields=_messages(exc)) from exc


def json_body(default: Any = None) -> Any:
    """The request body parsed as JSON (whatever the Content-Type); `default` when empty."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if default is None:
            raise ApiError(400, "a JSON body is required")
        return default
    try:
        return json.loads(raw, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except DuplicateKey as exc:
        raise ApiError(400, f"the key {exc.key!r} appears twice in one object",
                       fields={exc.key: ["appears twice in one object"]}) from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from exc


class DuplicateKey(ValueError):
    """An object of the body names `key` twice."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # JSON parsers disagree on which of two equal keys wins; refuse rather than guess.
    value = dict(pairs)
    if len(value) != len(pairs):
        names = [name for name, _ in pairs]
        raise DuplicateKey(next(name for index, name in enumerate(names) if name in names[:index]))
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def load_body(schema: type[marshmallow.Schema], many: bool = False, partial: bool = False,
              required: bool = True) -> Any:
    """The validated body, loaded (Decimals, datetimes); `json_body()` still has the raw JSON."""
    payload = json_body(None if required else {})
    is_list = isinstance(payload, list)
    if is_list and not many:
        raise ApiError(400, "the body must be a JSON object")
    if not is_list and not isinstance(payload, dict):
        raise ApiError(400, "the body must be a JSON object" + (" or a list of objects" if many else ""))
    if is_list and not 1 <= len(payload) <= MAX_RECORDS:
        raise ApiError(422, f"send between 1 and {MAX_RECORDS} records at once")
    try:
        return schema(many=is_list, partial=partial).load(payload)
    except marshmallow.ValidationError as exc:
        raise ApiError(422, "validation failed", fields=_messages(exc)) from exc


def _messages(exc: marshmallow.ValidationError) -> dict[str, Any]:
    messages = exc.messages
    return _stringify(messages if isinstance(messages, dict) else {"_schema": messages})


def _stringify(messages: dict) -> dict[str, Any]:
    # Row indexes of a list body are ints; JSON object keys are strings anyway.
    return {str(k): _stringify(v) if isinstance(v, dict) else v for k, v in messages.items()}
