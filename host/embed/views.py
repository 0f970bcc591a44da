"""The embed script, the widget fragment and JSON endpoints, and plugin static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, abort, jsonify, request, send_from_directory

from shopwright.host.embed.blueprint import check_origin, embed, error, shop_or_404, with_cors
from shopwright.host.state import current_state
from shopwright.host.widgets import WidgetError

STATIC = Path(__file__).resolve().parent / "static"
#: Query parameters the embed script adds for itself, never handed to a widget.
RESERVED_PARAMS = {"session"}


@embed.get("/embed.js")
def script() -> Response:
    response = send_from_directory(STATIC, "embed.js", mimetype="text/javascript", max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"  # the script itself is public, like any CDN file
    return response


@embed.get("/embed/<slug>/widgets/<name>.html", provide_automatic_options=False)
def fragment(slug: str, name: str) -> Response:
    shop = shop_or_404(slug)
    origin = check_origin(shop)
    renderer = current_state().widget_renderer
    try:
        html = renderer.html(shop.info, shop.theme, name, _params())
    except WidgetError as exc:
        return with_cors(error(exc.status, str(exc), exc.fields), origin)
    return with_cors(_cached(Response(str(html), mimetype="text/html"), name), origin)


@embed.get("/embed/<slug>/widgets/<name>.json", provide_automatic_options=False)
def data(slug: str, name: str) -> Response:
    """`{"widget": name, "data": {...}}`, or `"data": null` when the widget shows nothing."""
    shop = shop_or_404(slug)
    origin = check_origin(shop)
    try:
        found = current_state().widget_renderer.data(shop.info, name, _params())
    except WidgetError as exc:
        return with_cors(error(exc.status, str(exc), exc.fields), origin)
    return with_cors(_cached(jsonify({"widget": name, "data": found}), name), origin)


@embed.route("/embed/<slug>/<path:_rest>", methods=["OPTIONS"])
def preflight(slug: str, _rest: str) -> Response:
    shop = shop_or_404(slug)
    return with_cors(Response(status=204), check_origin(shop))


@embed.get("/plugins/<plugin>/static/<path:filename>")
def plugin_static(plugin: str, filename: str) -> Response:
    installed = current_state().registry.get(plugin)
    folder = installed.resource_dir("static") if installed else None
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=3600)  # refuses paths outside the folder


def _params() -> dict[str, Any]:
    return {key: value for key, value in request.args.items() if key not in RESERVED_PARAMS}


def _cached(response: Response, name: str) -> Response:
    """Shared caches may keep a widget for a few seconds, unless its plugin said its output
    differs per call (`reusable=False`)."""
    if not current_state().widgets.get(name).reusable:
        response.cache_control.no_store = True
        return response
    response.cache_control.public = True
    response.cache_control.max_age = int(current_state().config["WIDGET_CACHE_SECONDS"])
    return response
