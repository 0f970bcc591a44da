"""The `embed` blueprint, its shop lookup and its CORS policy (allowed origins per shop)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request

from shopwright.host.shopcache import PublicShop
from shopwright.host.state import current_state

embed = Blueprint("embed", __name__, static_folder=None)


def shop_or_404(slug: str) -> PublicShop:
    shop = current_state().shops.by_slug(slug)
    if shop is None:
        abort(error(404, f"no shop named {slug!r}"))
    return shop


def error(status: int, message: str, fields: dict | None = None) -> Response:
    response = jsonify({"error": {"status": status, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def same_origin(origin: str) -> bool:
    return origin.rstrip("/") == request.host_url.rstrip("/")


def check_origin(shop: PublicShop) -> str | None:
    """The cross-site origin to allow in the answer, None for a same-site or server-side caller;
    a browser on an origin the shop did not allow gets 403."""
    origin = request.headers.get("Origin")
    if not origin or same_origin(origin):
        return None
    if not shop.allows_origin(origin):
        abort(error(403, f"origin {origin} is not allowed to embed widgets of shop {shop.slug}; "
                         "the owner can add it under Shop settings → allowed origins"))
    return origin


def with_cors(response: Response, origin: str | None) -> Response:
    response.vary.add("Origin")  # caches must not hand one origin's answer to another
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    return response
