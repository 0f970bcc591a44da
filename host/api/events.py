"""/events: batches of storefront events, made safe to retry with an `Idempotency-Key`.

The first accepted batch stores its answer under the key in the same transaction as the events,
so a retry after a lost response (same key, same body) gets that answer back and records nothing;
the same key with a different body is a client bug and gets 409.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shopwright.host.api import schemas as s
from shopwright.host.api.auth import current_key
from shopwright.host.api.errors import ApiError
from shopwright.host.api.routing import api, json_body, operation
from shopwright.host.models import Customer, Event, IdempotencyKey, Product
from shopwright.host.serialize import event_dict
from shopwright.host.state import current_state

TAG = "events"
SCOPE = "events"
MAX_KEY = 128
IDEMPOTENCY_HEADER = {"in": "header", "name": "Idempotency-Key", "required": True,
                      "description": "unique per batch; a retry sends the same key and body",
                      "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY, "pattern": s.KEY}}


def _idempotency_key() -> str:
    value = request.headers.get("Idempotency-Key", "").strip()
    if not value or len(value) > MAX_KEY:
        raise ApiError(400, f"the Idempotency-Key header is required (1–{MAX_KEY} characters)",
                       fields={"Idempotency-Key": ["required, at most 128 characters"]})
    return value


def _body_hash() -> str:
    canonical = json.dumps(json_body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@api.post("/events")
@operation("Record a batch of storefront events", tag=TAG, scope="write:events", body=s.EventBatchIn,
           parameters=(IDEMPOTENCY_HEADER,),
           responses={202: s.EventBatchOut, 409: "the Idempotency-Key was used with another body",
                      422: "validation failed"})
def post_events(body: dict[str, Any]):
    """A replayed batch answers as the first did, with the header `Idempotent-Replayed: true`."""
    shop_id, key, digest = current_key().shop_id, _idempotency_key(), _body_hash()
    try:
        answer, recorded = _record(shop_id, key, digest, body["events"])
    except IntegrityError:  # the same key committed by a concurrent request: answer as it did
        answer, recorded = _record(shop_id, key, digest, body["events"])
    if recorded is None:
        response = jsonify(answer["body"])
        response.headers["Idempotent-Replayed"] = "true"
        return response, answer["status"]
    current_state().dispatcher.call("on_events", shop_id, events=recorded)
    return jsonify(answer["body"]), answer["status"]


def _record(shop_id: int, key: str, digest: str, events: list[dict[str, Any]]):
    """(stored answer, recorded event dicts or None for a replay)."""
    with current_state().db.session() as session:
        stored = session.scalar(select(IdempotencyKey).where(
            IdempotencyKey.shop_id == shop_id, IdempotencyKey.scope == SCOPE, IdempotencyKey.key == key))
        if stored is not None:
            if stored.request_hash != digest:
                raise ApiError(409, "this Idempotency-Key was used for a different batch")
            return stored.response, None
        _check_references(session, shop_id, events)
        rows = [Event(shop_id=shop_id, **_event_fields(e)) for e in events]
        session.add_all(rows)
        answer = {"status": 202, "body": {"accepted": len(rows)}}
        session.add(IdempotencyKey(shop_id=shop_id, scope=SCOPE, key=key, request_hash=digest, response=answer))
        session.flush()
        return answer, [event_dict(row) for row in rows]


def _event_fields(event: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in event.items() if v is not None or k in ("product_id", "customer_id", "widget")}
    fields.setdefault("data", {})
    return fields


def _check_references(session, shop_id: int, events: list[dict[str, Any]]) -> None:
    """Ids must name this shop's products and customers; another shop's id is just unknown."""
    errors: dict[str, Any] = {}
    for model, name in ((Product, "product_id"), (Customer, "customer_id")):
        wanted = {e[name] for e in events if e.get(name) is not None}
        if not wanted:
            continue
        known = set(session.scalars(select(model.id).where(model.shop_id == shop_id, model.id.in_(wanted))))
        for index, event in enumerate(events):
            if event.get(name) is not None and event[name] not in known:
                errors.setdefault(str(index), {})[name] = [f"no such {model.__tablename__[:-1]}"]
    if errors:
        raise ApiError(422, "validation failed", fields={"events": errors})
