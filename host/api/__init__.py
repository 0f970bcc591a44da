"""The REST API under /api/v1: per-shop API keys with scopes, marshmallow-validated payloads, JSON
errors, a per-key rate limit and a generated OpenAPI document at /api/v1/openapi.json.

One module per resource registers its routes on the `api` blueprint; `create_api(app)` adds the
blueprint, the JSON error handler for /api/ paths and the rate limiter to one app.
"""

from __future__ import annotations

from flask import Flask, request

from shopwright.host.api import customers, events, imports, jobs, keys, openapi, orders, plugins, products, reviews  # noqa: F401
from shopwright.host.api.auth import USAGE, key_from_request
from shopwright.host.api.errors import register_app_handler
from shopwright.host.api.keyusage import KeyUsage
from shopwright.host.api.ratelimit import EXTENSION, ApiRateLimiter
from shopwright.host.api.routing import api
from shopwright.host.limitstore import shared_storage
from shopwright.host.state import state_of

__all__ = ["create_api", "key_from_request"]


def create_api(app: Flask) -> None:
    app.register_blueprint(api)
    register_app_handler(app)
    state = state_of(app)
    usage = app.extensions[USAGE] = KeyUsage(state.db)
    state.on_close.append(usage.stop)
    # Counted in the store all server processes share; only the API blueprint is limited, so
    # /healthz and the storefront never are. One limit per key, shared by all routes.
    limiter = app.extensions[EXTENSION] = ApiRateLimiter(shared_storage(app))

    @app.before_request
    def limit_api_requests() -> None:
        if request.blueprint == api.name:
            limiter.check()
