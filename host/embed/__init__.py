"""Widgets outside the server-rendered storefront: the embed script, the HTML fragment and JSON
endpoints it and headless storefronts call, the impression/click beacon, and plugin static files.

    GET  /embed.js                                   the embed script (no dependencies, loads async)
    GET  /embed/<shop>/widgets/<plugin.widget>.html  one widget as an HTML fragment
    GET  /embed/<shop>/widgets/<plugin.widget>.json  the same widget's data, for headless storefronts
    POST /embed/<shop>/events                        widget impressions and clicks (and views)
    GET  /plugins/<plugin>/static/<path>             files from a plugin package's static/ folder

Cross-origin requests are answered only for origins the shop lists in its allowed origins.
"""

from __future__ import annotations

from flask import Flask

from shopwright.host.embed import events, views  # noqa: F401  (they add their routes to the blueprint)
from shopwright.host.embed.blueprint import embed

__all__ = ["create_embed", "embed"]


def create_embed(app: Flask) -> None:
    app.register_blueprint(embed)
    events.add_limiter(app)
