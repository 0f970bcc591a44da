"""The REST API under /api/v1: per-shop API keys with scopes, marshmallow-validated payloads, JSON
errors, a per-key rate limit and a generated OpenAPI document at /api/v1/openapi.json.

One module per resource registers its routes on the `api` blueprint; `create_api(app)` adds the
blueprint, the JSON error handler for /api/ paths and the rate limiter to one app.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter

from host.api import customers, events, imports, jobs, openapi, orders, plugins, products, reviews  # noqa: F401
from host.api.auth import key_from_request
from host.api.errors import register_app_handler
from host.api.routing import api

__all__ = ["create_api", "key_from_request"]
LIMITER = "shopwright.api.limiter"


def rate_key() -> str:
    """The bucket of a request: its API key when valid, else the client address."""
    key = key_from_request()
    return f"key:{key.id}" if key is not None else f"ip:{request.remote_addr}"


def _rate_limit() -> str:
    # Read on each request, so tests and operators can change API_RATE_LIMIT on a live app.
    return current_app.config["API_RATE_LIMIT"]


def create_api(app: Flask) -> None:
    app.register_blueprint(api)
    register_app_handler(app)
    # Each app gets its own limiter and in-memory counters; only the API blueprint is limited,
    # so /healthz and the storefront never are. One shared scope: the limit is per key, not per route.
    # X-RateLimit-* headers cost a counter read per response; off unless API_RATE_LIMIT_HEADERS.
    limiter = Limiter(rate_key, app=app, storage_uri="memory://", default_limits=[],
                      headers_enabled=bool(app.config.get("API_RATE_LIMIT_HEADERS", False)))
    limiter.shared_limit(_rate_limit, scope="api")(api)
    app.extensions[LIMITER] = limiter
