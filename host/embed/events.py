"""POST /embed/<shop>/events: the beacon the embed script sends for widget impressions, widget
clicks and product views, so click-through can be measured per widget.

It is public (a shopper's browser has no key), so it takes only those three event types, only
this shop's products and installed widgets, a bounded batch, and a per-address rate limit. The
script sends the body as text/plain (what `navigator.sendBeacon` sends), which needs no CORS
preflight; the body is parsed as JSON either way.
"""

from __future__ import annotations

import json

import marshmallow
from flask import Flask, Response, current_app, request
from limits.strategies import FixedWindowRateLimiter
from marshmallow import fields, validate
from sqlalchemy import select

from shopwright.host.api.ratelimit import parsed_limit
from shopwright.host.embed.blueprint import check_origin, embed, error, shop_or_404, with_cors
from shopwright.host.limitstore import shared_storage
from shopwright.host.models import Event, Product
from shopwright.host.serialize import event_dict
from shopwright.host.state import current_state

BEACON_TYPES = ("widget_impression", "widget_click", "view")
MAX_EVENTS = 50
MAX_BODY = 32 * 1024
MAX_ID = 2**63 - 1  # the store's integer range; a bigger id names nothing
LIMITER = "shopwright.embed.limiter"


class BeaconEvent(marshmallow.Schema):
    type = fields.String(required=True, validate=validate.OneOf(BEACON_TYPES))
    widget = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=128))
    product_id = fields.Integer(load_default=None, allow_none=True, strict=False,
                                validate=validate.Range(min=1, max=MAX_ID))


class Beacon(marshmallow.Schema):
    session = fields.String(load_default="", validate=validate.Length(max=128))
    events = fields.List(fields.Nested(BeaconEvent), required=True,
                         validate=validate.Length(min=1, max=MAX_EVENTS))


@embed.post("/embed/<slug>/events", provide_automatic_options=False)  # preflight is ours: CORS
def record_events(slug: str) -> Response:
    shop = shop_or_404(slug)
    origin = check_origin(shop)
    if not _within_rate_limit():
        return with_cors(error(429, "too many events from this address; try again later"), origin)
    try:
        beacon = _read_beacon()
    except ValueError as exc:
        return with_cors(error(400, str(exc)), origin)
    except marshmallow.ValidationError as exc:
        return with_cors(error(422, "validation failed", exc.messages), origin)
    recorded = _store(shop.id, beacon)
    if recorded:  # plugins get them after the answer: a slow plugin must not hold the request
        current_state().dispatcher.notify("on_events", shop.id, events=recorded)
    return with_cors(Response(json.dumps({"accepted": len(recorded)}), status=202,
                              mimetype="application/json"), origin)


def _read_beacon() -> dict:
    if (request.content_length or 0) > MAX_BODY:
        raise ValueError(f"a beacon carries at most {MAX_BODY} bytes")
    try:
        body = json.loads(request.get_data(cache=False, as_text=True) or "null")
    except json.JSONDecodeError as exc:
        raise ValueError(f"the body is not JSON: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise ValueError('the body must be a JSON object: {"session": "...", "events": [...]}')
    return Beacon().load(body)


def _store(shop_id: int, beacon: dict) -> list[dict]:
    """Events naming a product of another shop, or a widget that is not installed and enabled in
    this shop, are dropped: a shopper's browser cannot fix them, and they must not count.

    The beacon is public, so a caller can still send made-up impressions and clicks for real
    widgets (bounded by the per-address limit); count widget metrics as indicative, like any
    client-side analytics."""
    widgets = current_state().widgets.widgets
    enabled = current_state().lifecycle.enabled_recent(shop_id)
    events = [e for e in beacon["events"]
              if e["widget"] is None or (e["widget"] in widgets and widgets[e["widget"]].plugin in enabled)]
    with current_state().db.session() as session:
        known = _known_products(session, shop_id, {e["product_id"] for e in events if e["product_id"]})
        rows = [Event(shop_id=shop_id, type=e["type"], widget=e["widget"], session_id=beacon["session"],
                      product_id=e["product_id"], data={"source": "embed"})
                for e in events if e["product_id"] is None or e["product_id"] in known]
        session.add_all(rows)
        session.flush()
        return [event_dict(row) for row in rows]


def _known_products(session, shop_id: int, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(select(Product.id).where(Product.shop_id == shop_id, Product.id.in_(ids))))


def _within_rate_limit() -> bool:
    limit = parsed_limit(current_state().config["EMBED_EVENT_RATE_LIMIT"])
    return current_app.extensions[LIMITER].hit(limit, "embed-events", request.remote_addr or "?")


def add_limiter(app: Flask) -> None:
    """Counted in the store every server process shares (host.limitstore), like the API's limit."""
    app.extensions[LIMITER] = FixedWindowRateLimiter(shared_storage(app))


