"""JSON errors for the API: every failure is `{"error": {"status", "message", "fields"?}}`.

Errors raised inside API views are handled by the blueprint; the app-level handler covers what
happens before a view is found (unknown URL, wrong method) but only for paths under /api/, so the
admin and storefront keep their own pages.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("shopwright.api")
API_PREFIX = "/api/"


class ApiError(Exception):
    """Raise anywhere in a view to answer with a JSON error."""

    def __init__(self, status: int, message: str, fields: dict[str, Any] | None = None,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields
        self.extra, self.headers = extra or {}, headers or {}


def error_response(status: int, message: str, fields: dict[str, Any] | None = None,
                   extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra or {})
    response = jsonify({"error": body})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.message, exc.fields, exc.extra, exc.headers)


def _http_error(exc: HTTPException) -> Response:
    headers = {}
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    if exc.code == 413:
        return error_response(413, "request body too large", headers=headers)
    return error_response(exc.code or 500, exc.description or exc.name, headers=headers)


def _unexpected(exc: Exception) -> Response:
    log.exception("API request %s %s failed", request.method, request.path)
    return error_response(500, "internal error")


def _app_http_error(exc: HTTPException):
    # Outside /api/ the exception is returned unchanged, which renders Flask's default page.
    return _http_error(exc) if request.path.startswith(API_PREFIX) else exc


def register_error_handlers(blueprint) -> None:
    """Once, on the module-level blueprint (a registered blueprint takes no new handlers)."""
    blueprint.register_error_handler(ApiError, _api_error)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(Exception, _unexpected)


def register_app_handler(app: Flask) -> None:
    app.register_error_handler(HTTPException, _app_http_error)
