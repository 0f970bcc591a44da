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
from flask import Blueprint, current_app, request

from host.api.auth import requires
from host.api.errors import ApiError, register_error_handlers

api = Blueprint("api", __name__, url_prefix="/api/v1")
register_error_handlers(api)
MAX_RECORDS = 1000


@api.after_request
def _no_sniffing(response):
    # Product and review text is untrusted HTML inside JSON strings; never let a browser sniff it as a page.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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


def state():
    """The app's services (host.app.AppState)."""
    return current_app.extensions["shopwright"]


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
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from exc


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
