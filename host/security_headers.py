"""Security headers for every answer, set in one place.

Each part of the server gets the headers that fit what it serves, picked by the blueprint that
answered (one dict lookup per request; the header values are built once per app):

- `admin`: pages for the shop's owners and editors. Only our own files run or style it (no
  inline script or style), it cannot be framed (clickjacking of its buttons), and its files are
  not for other sites.
- `storefront`: the shop's pages with the theme and plugin widgets. Scripts and styles come from
  this server only; product images may come from any http(s) address. Framing stays allowed:
  a storefront page has no signed-in action that a framing site could trick a shopper into.
- `embed`: the embed script, widget fragments and JSON, the event beacon and plugin static
  files, all loaded by other sites. They must stay loadable cross-origin (CORP `cross-origin`,
  no frame rules), and a fragment opened directly as a page runs nothing (`sandbox`).
- anything else (the API, `/-/plugins.json`, not-found answers): data, never a page to render.

Every answer gets `X-Content-Type-Options: nosniff`, so a browser never reads JSON or plugin text
as HTML or script. A view that sets one of these headers itself keeps its own value.

The storefront's policy is the one a server may need to widen (analytics or payment scripts of
the owner's choosing): `STOREFRONT_CSP` replaces it whole. The others are fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request

Headers = tuple[tuple[str, str], ...]

NOSNIFF = ("X-Content-Type-Options", "nosniff")

#: Product pictures are addresses from the catalogue import, usually on the shop's CDN.
ANY_IMAGE = "img-src 'self' data: https: http:"

ADMIN_CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",  # admin.js and plugin files only: an injected <script> or onclick= never runs
    "style-src 'self'",  # no inline styles either: the admin templates carry none
    ANY_IMAGE,  # plugin pages may show the catalogue's pictures
    "connect-src 'self'",  # the job progress poller
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))

STOREFRONT_CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",  # the embed script and theme/plugin files; no inline script in themes or widgets
    "style-src 'self'",  # theme and plugin stylesheets, linked, not inline
    ANY_IMAGE,
    "connect-src 'self'",  # the embed script's widget fetches and event beacon
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
))

#: Scripts, fragments, JSON and files other sites load. As subresources the CSP does not apply to
#: them; it matters only when someone opens one as a page, and then nothing in it may run.
EMBED_CSP = f"default-src 'none'; style-src 'self'; {ANY_IMAGE}; sandbox"

#: JSON and plain answers: nothing in them is ever to be run, styled or framed.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"


def policies(config: Mapping[str, Any]) -> dict[str | None, Headers]:
    """The headers per blueprint name; `None` is for every other answer."""
    storefront_csp = config.get("STOREFRONT_CSP") or STOREFRONT_CSP
    return {
        "admin": (
            ("Content-Security-Policy", ADMIN_CSP),
            ("X-Frame-Options", "DENY"),  # for browsers that predate frame-ancestors
            NOSNIFF,
            ("Referrer-Policy", "same-origin"),  # admin addresses hold ids; other sites need not see them
            ("Cross-Origin-Resource-Policy", "same-origin"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ),
        "storefront": (("Content-Security-Policy", storefront_csp), NOSNIFF),
        "embed": (
            ("Content-Security-Policy", EMBED_CSP),
            NOSNIFF,
            ("Cross-Origin-Resource-Policy", "cross-origin"),  # loadable by sites that require CORP
        ),
        None: (("Content-Security-Policy", DATA_CSP), NOSNIFF),
    }


def install(app: Flask) -> None:
    """Add the headers to every answer of `app`, error pages included."""
    # (name, lowercased name, value), built once: this runs on every widget and API answer.
    by_blueprint = {part: tuple((name, name.lower(), value) for name, value in headers)
                    for part, headers in policies(app.config).items()}
    other = by_blueprint[None]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        # One pass over the few headers already set, not one search per header added.
        present = {name.lower() for name in headers.keys()}
        for name, key, value in by_blueprint.get(request.blueprint, other):
            if key not in present:
                headers.add(name, value)
        return response
