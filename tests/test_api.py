"""The REST API's happy paths and its conflict/validation answers, resource by resource."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from marshmallow import Schema, fields, validate

from shopwright import hookimpl
from shopwright.host.apikeys import API_SCOPES, create_key
from shopwright.host.app import create_app, state_of
from shopwright.host.models import Event, Product, Variant
from shopwright.host.pluginmeta import PluginMeta
from shopwright.host.shops import create_shop
from shopwright.host.testing import build_app

SECRET = "sk-live-do-not-echo-0123456789"


class DemoSettings(Schema):
    api_key = fields.String(metadata={"secret": True})
    threshold = fields.Integer(load_default=3, validate=validate.Range(1, 10))


class DemoPlugin:
    plugin_meta = PluginMeta(name="demo", version="1.0", settings=DemoSettings, permissions=("read:events",))

    def __init__(self):
        self.batches: list[list[dict]] = []

    @hookimpl
    def register_job_types(self, register):
        register("noop", lambda job: {"echo": job.params}, title="No-op")

    @hookimpl
    def on_events(self, ctx, events):
        self.batches.append(events)


class FuturePlugin:
    plugin_meta = PluginMeta(name="future", version="1.0", requires_host=">=99")


def make_app(tmp_path, **config):
    return create_app({"INSTANCE_PATH": str(tmp_path), "JOB_WORKERS": 0, "LOAD_ENTRY_POINTS": False, **config})


def make_key(app, slug: str = "shop-a", scopes=tuple(API_SCOPES)) -> tuple[int, dict]:
    with state_of(app).db.session() as session:
        shop = create_shop(session, slug, slug.title())
        key = create_key(session, shop.id, "test", list(scopes))
        return shop.id, {"Authorization": f"Bearer {key}"}


def seed_product(app, shop_id: int, handle: str, title: str = "Mug", category: str = "kitchen",
                 price: str = "10.00", status: str = "active") -> int:
    with state_of(app).db.session() as session:
        product = Product(shop_id=shop_id, handle=handle, title=title, category=category, status=status,
                          tags=[], attributes={}, images=[])
        product.variants = [Variant(shop_id=shop_id, sku=f"{handle}-1", price=Decimal(price), inventory_qty=2)]
        session.add(product)
        session.flush()
        return product.id


@pytest.fixture
def demo():
    return DemoPlugin()


@pytest.fixture
def app(tmp_path, demo):
    app = make_app(tmp_path, EXTRA_PLUGINS=[demo, FuturePlugin()])
    yield app
    state_of(app).close()


@pytest.fixture
def shop(app):
    return make_key(app)


@pytest.fixture
def client(app):
    return app.test_client()


def new_product(handle: str, **extra) -> dict:
    variants = [{"sku": f"{handle}-s", "price": "12.50"}]
    return {"handle": handle, "title": f"Title {handle}", "variants": variants, **extra}


# -- products ------------------------------------------------------------------------------
def test_product_list_get_and_handle(app, client, shop):
    shop_id, auth = shop
    ids = [seed_product(app, shop_id, f"p{i}", title=f"Blue mug {i}" if i % 2 else f"Red cup {i}") for i in range(5)]
    listed = client.get("/api/v1/products?limit=2", headers=auth)
    assert listed.status_code == 200 and listed.content_type == "application/json"
    assert [p["id"] for p in listed.json["items"]] == ids[:2]
    nxt = client.get(f"/api/v1/products?limit=2&cursor={listed.json['next_cursor']}", headers=auth).json
    assert [p["id"] for p in nxt["items"]] == ids[2:4]
    offset = client.get("/api/v1/products?limit=10&offset=4", headers=auth).json
    assert [p["id"] for p in offset["items"]] == ids[4:] and offset["next_cursor"] is None
    one = client.get(f"/api/v1/products/{ids[0]}", headers=auth).json
    assert one["handle"] == "p0" and one["price"] == "10.00" and one["variants"][0]["sku"] == "p0-1"
    assert client.get("/api/v1/products/by-handle/p3", headers=auth).json["id"] == ids[3]


def test_product_filters(app, client, shop):
    shop_id, auth = shop
    seed_product(app, shop_id, "a", title="Blue Mug", category="kitchen")
    seed_product(app, shop_id, "b", title="blue scarf", category="wear", status="draft")
    seed_product(app, shop_id, "c", title="Red mug", category="kitchen")
    handles = lambda qs: [p["handle"] for p in client.get(f"/api/v1/products?{qs}", headers=auth).json["items"]]  # noqa: E731
    assert handles("q=blue") == ["a", "b"]
    assert handles("category=kitchen") == ["a", "c"]
    assert handles("status=draft") == ["b"]
    assert handles("q=mug&category=kitchen") == ["a", "c"]
    assert handles("q=%25") == []  # LIKE wildcards are escaped, not interpreted


def test_create_products_one_and_many(client, shop):
    _, auth = shop
    created = client.post("/api/v1/products", json=new_product("tea-pot", vendor="Acme"), headers=auth)
    assert created.status_code == 201, created.json
    assert created.json["handle"] == "tea-pot" and created.json["vendor"] == "Acme"
    assert created.json["variants"][0]["price"] == "12.50"
    many = client.post("/api/v1/products", json=[new_product("cup"), new_product("saucer")], headers=auth)
    assert many.status_code == 201
    assert [p["handle"] for p in many.json["items"]] == ["cup", "saucer"]
    assert len(client.get("/api/v1/products", headers=auth).json["items"]) == 3


def test_create_product_conflicts_and_validation(client, shop):
    _, auth = shop
    assert client.post("/api/v1/products", json=new_product("dup"), headers=auth).status_code == 201
    again = client.post("/api/v1/products", json=new_product("dup"), headers=auth)
    assert again.status_code == 409 and "dup" in again.json["error"]["message"]
    twice = client.post("/api/v1/products", json=[new_product("x"), new_product("x")], headers=auth)
    assert twice.status_code == 422
    bad = client.post("/api/v1/products", json={"handle": "Not A Handle", "variants": []}, headers=auth)
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"handle", "title", "variants"}
    wrong_type = client.post("/api/v1/products", json=new_product("t", tags="not-a-list"), headers=auth)
    assert wrong_type.status_code == 422 and "tags" in wrong_type.json["error"]["fields"]
    in_list = client.post("/api/v1/products", json=[new_product("ok"), {"handle": "nope"}], headers=auth)
    assert in_list.status_code == 422 and "1" in in_list.json["error"]["fields"]
    assert client.get("/api/v1/products/by-handle/ok", headers=auth).status_code == 404  # all or nothing


def test_patch_put_delete_product(app, client, shop, demo):
    shop_id, auth = shop
    pid = seed_product(app, shop_id, "lamp", title="Lamp")
    patched = client.patch(f"/api/v1/products/{pid}", json={"title": "Desk lamp", "tags": ["light"]}, headers=auth)
    assert patched.status_code == 200 and patched.json["title"] == "Desk lamp"
    assert patched.json["tags"] == ["light"] and patched.json["variants"][0]["sku"] == "lamp-1"
    put = client.put(f"/api/v1/products/{pid}", headers=auth, json={
        "handle": "lamp-2", "title": "Floor lamp",
        "variants": [{"sku": "lamp-1", "price": "30.00"}, {"sku": "lamp-big", "price": "45.00"}]})
    assert put.status_code == 200, put.json
    assert put.json["handle"] == "lamp-2" and put.json["tags"] == [] and put.json["price"] == "30.00"
    assert [v["sku"] for v in put.json["variants"]] == ["lamp-1", "lamp-big"]
    other = seed_product(app, shop_id, "other")
    clash = client.patch(f"/api/v1/products/{other}", json={"handle": "lamp-2"}, headers=auth)
    assert clash.status_code == 409
    sku_clash = client.patch(f"/api/v1/products/{other}", json={"variants": [{"sku": "lamp-big", "price": "1.00"}]},
                             headers=auth)
    assert sku_clash.status_code == 409
    assert client.put(f"/api/v1/products/{pid}", json={"title": "no handle"}, headers=auth).status_code == 422
    assert client.delete(f"/api/v1/products/{pid}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/products/{pid}", headers=auth).status_code == 404
    assert client.delete(f"/api/v1/products/{pid}", headers=auth).status_code == 404


# -- customers, orders, reviews -------------------------------------------------------------
def test_customers_pii_needs_read_scope(app, client, shop):
    _, auth = shop
    _, writer = make_key(app, "shop-b", ["write:customers"])
    created = client.post("/api/v1/customers", json={"email": "Ann@Example.com", "first_name": "Ann"}, headers=writer)
    assert created.status_code == 201, created.json
    assert set(created.json) == {"id", "accepts_marketing", "created_at"}  # no PII without read:customers
    assert client.get("/api/v1/customers", headers=writer).status_code == 403
    full = client.post("/api/v1/customers", json=[{"email": "bo@example.com", "first_name": "Bo"}], headers=auth)
    assert full.status_code == 201 and full.json["items"][0]["first_name"] == "Bo"
    listed = client.get("/api/v1/customers", headers=auth).json["items"]
    assert [c["email"] for c in listed] == ["bo@example.com"]
    assert client.get(f"/api/v1/customers/{listed[0]['id']}", headers=auth).json["email"] == "bo@example.com"
    assert client.post("/api/v1/customers", json={"email": "bo@example.com"}, headers=auth).status_code == 409
    assert client.post("/api/v1/customers", json={"email": "not-an-email"}, headers=auth).status_code == 422


def test_orders_create_and_read(app, client, shop):
    shop_id, auth = shop
    seed_product(app, shop_id, "kettle", price="20.00")
    client.post("/api/v1/customers", json={"email": "cy@example.com"}, headers=auth)
    order = {"number": "1001", "customer_email": "cy@example.com", "lines": [{"sku": "kettle-1", "quantity": 2}]}
    created = client.post("/api/v1/orders", json=order, headers=auth)
    assert created.status_code == 201, created.json
    assert created.json["number"] == "1001" and created.json["lines"][0]["quantity"] == 2
    assert "email" not in json.dumps(created.json)
    assert client.get(f"/api/v1/orders/{created.json['id']}", headers=auth).json["number"] == "1001"
    assert [o["number"] for o in client.get("/api/v1/orders", headers=auth).json["items"]] == ["1001"]
    assert client.post("/api/v1/orders", json=order, headers=auth).status_code == 409
    unknown_sku = {**order, "number": "1002", "lines": [{"sku": "nope", "quantity": 1}]}
    rejected = client.post("/api/v1/orders", json=unknown_sku, headers=auth)
    assert rejected.status_code == 422 and rejected.json["error"]["report"]["ok"] is False


def test_reviews_by_product(app, client, shop):
    shop_id, auth = shop
    pid = seed_product(app, shop_id, "chair")
    created = client.post(f"/api/v1/products/{pid}/reviews", json={"rating": 5, "body": "Comfy"}, headers=auth)
    assert created.status_code == 201, created.json
    assert created.json["product_id"] == pid and created.json["external_id"].startswith("api-")
    client.post(f"/api/v1/products/{pid}/reviews", json=[{"rating": 2, "external_id": "r2"}], headers=auth)
    listed = client.get(f"/api/v1/products/{pid}/reviews", headers=auth).json["items"]
    assert [r["rating"] for r in listed] == [5, 2]
    assert client.post(f"/api/v1/products/{pid}/reviews", json={"rating": 6}, headers=auth).status_code == 422
    assert client.get("/api/v1/products/999/reviews", headers=auth).status_code == 404


def test_keys_with_spaces_are_the_stored_keys_so_a_repeat_is_a_409(app, client, shop):
    shop_id, auth = shop
    pid = seed_product(app, shop_id, "kettle")
    client.post("/api/v1/customers", json={"email": "cy@example.com"}, headers=auth)
    order = {"number": " 1001 ", "customer_email": "cy@example.com", "lines": [{"sku": "kettle-1", "quantity": 1}]}
    created = client.post("/api/v1/orders", json=order, headers=auth)
    assert created.status_code == 201 and created.json["number"] == "1001", created.json
    again = {**order, "lines": [{"sku": "kettle-1", "quantity": 2}]}
    assert client.post("/api/v1/orders", json=again, headers=auth).status_code == 409
    assert client.post("/api/v1/orders", json={**again, "number": "1001"}, headers=auth).status_code == 409
    assert client.get("/api/v1/orders", headers=auth).json["items"][0]["lines"][0]["quantity"] == 1
    both = [{**order, "number": "7"}, {**order, "number": "7 "}]
    assert client.post("/api/v1/orders", json=both, headers=auth).status_code == 422
    review = {"external_id": "r1 ", "rating": 4}
    assert client.post(f"/api/v1/products/{pid}/reviews", json=review, headers=auth).json["external_id"] == "r1"
    assert client.post(f"/api/v1/products/{pid}/reviews", json={**review, "rating": 1}, headers=auth).status_code == 409
    blank = client.post(f"/api/v1/products/{pid}/reviews", json={"external_id": "  ", "rating": 1}, headers=auth)
    assert blank.status_code == 422 and "external_id" in blank.json["error"]["fields"]
    assert client.post("/api/v1/customers", json={"email": "CY@example.com"}, headers=auth).status_code == 409


@pytest.fixture
def store_app(tmp_path):
    """An app on SQLite, or on a PostgreSQL server when SHOPWRIGHT_TEST_POSTGRES names one."""
    app = build_app(tmp_path)
    yield app
    state_of(app).close()


def an_order(number: str, quantity: int) -> dict:
    return {"number": number, "customer_email": "cy@example.com", "lines": [{"sku": "kettle-1", "quantity": quantity}]}


def then_another_writer(monkeypatch, module, name: str, write) -> None:
    """Run `write()` (another writer, in a transaction of its own) once, just after `module.name`
    returns: two writers interleaved at a chosen moment, deterministically."""
    original = getattr(module, name)

    def interleaved(*args, **kwargs):
        result = original(*args, **kwargs)
        monkeypatch.setattr(module, name, original)  # once; the other writer's import runs it plainly
        write()
        return result

    monkeypatch.setattr(module, name, interleaved)


@pytest.mark.parametrize("moment", ["validate_records", "resolve"])
def test_a_key_another_writer_stores_meanwhile_is_a_409_and_keeps_its_record(store_app, monkeypatch, moment):
    """The other writer stores order 1002 before the create's transaction looks for it
    (after validate_records) or after it looked and before it inserts (after resolve). Either
    way: 409 naming 1002, the other writer's lines kept, and nothing of the list written."""
    import shopwright.host.importers as importers

    shop_id, auth = make_key(store_app)
    seed_product(store_app, shop_id, "kettle")
    client = store_app.test_client()
    assert client.post("/api/v1/customers", json={"email": "cy@example.com"}, headers=auth).status_code == 201
    theirs = lambda: importers.import_records(state_of(store_app), shop_id, "orders", [an_order("1002", 5)])  # noqa: E731
    then_another_writer(monkeypatch, importers, moment, theirs)
    raced = client.post("/api/v1/orders", json=[an_order("1003", 1), an_order("1002", 1)], headers=auth)
    assert raced.status_code == 409 and "'1002' exists already" in raced.json["error"]["message"], raced.json
    assert raced.json["error"]["fields"] == {"2": {"number": ["'1002' exists already in the shop"]}}
    orders = client.get("/api/v1/orders", headers=auth).json["items"]
    assert [(order["number"], order["lines"][0]["quantity"]) for order in orders] == [("1002", 5)]


def test_a_list_with_one_stored_key_is_a_409_and_writes_nothing(app, client, shop):
    shop_id, auth = shop
    pid = seed_product(app, shop_id, "chair")
    assert client.post("/api/v1/customers", json={"email": "bo@example.com"}, headers=auth).status_code == 201
    both = client.post("/api/v1/customers", json=[{"email": "al@example.com"}, {"email": "BO@example.com"}],
                       headers=auth)
    assert both.status_code == 409, both.json
    assert both.json["error"]["message"] == "a customer with email 'bo@example.com' exists already"
    assert [c["email"] for c in client.get("/api/v1/customers", headers=auth).json["items"]] == ["bo@example.com"]
    reviews = [{"external_id": "r1", "rating": 5}, {"external_id": "r2", "rating": 4}]
    assert client.post(f"/api/v1/products/{pid}/reviews", json=reviews[1], headers=auth).status_code == 201
    again = client.post(f"/api/v1/products/{pid}/reviews", json=reviews, headers=auth)
    assert again.status_code == 409 and set(again.json["error"]["fields"]) == {"2"}
    assert [r["external_id"] for r in client.get(f"/api/v1/products/{pid}/reviews", headers=auth).json["items"]] == [
        "r2"]


HUGE = 2**64


@pytest.mark.parametrize("path", ["/api/v1/products/{n}", "/api/v1/orders/{n}", "/api/v1/customers/{n}",
                                  "/api/v1/products/{n}/reviews", "/api/v1/jobs/{n}", "/api/v1/products/2147483648",
                                  "/api/v1/products/" + "9" * 5000])
def test_ids_past_the_column_range_are_404(client, shop, path):
    response = client.get(path.format(n=HUGE), headers=shop[1])
    assert response.status_code == 404 and response.is_json
    assert client.delete(path.format(n=HUGE), headers=shop[1]).status_code in (404, 405)


def test_integers_past_the_column_range_are_field_errors(app, client, shop):
    shop_id, auth = shop
    for query in (f"offset={HUGE}", f"limit={HUGE}", "offset=-1"):
        response = client.get(f"/api/v1/products?{query}", headers=auth)
        assert response.status_code == 400 and set(response.json["error"]["fields"]) <= {"offset", "limit"}
    body = new_product("big", variants=[{"sku": "b", "price": "1.00", "inventory_qty": HUGE}])
    response = client.post("/api/v1/products", json=body, headers=auth)
    assert response.status_code == 422 and "inventory_qty" in json.dumps(response.json["error"]["fields"])
    events = {"events": [{"type": "product_view", "product_id": HUGE}]}
    response = client.post("/api/v1/events", json=events, headers={**auth, "Idempotency-Key": "k1"})
    assert response.status_code == 422 and "product_id" in json.dumps(response.json["error"]["fields"])
    pid = seed_product(app, shop_id, "mug")
    response = client.patch(f"/api/v1/products/{pid}", json={"variants": [{"sku": "m", "price": "1", "grams": HUGE}]},
                            headers=auth)
    assert response.status_code == 422 and "grams" in json.dumps(response.json["error"]["fields"])


def test_json_bodies_with_a_key_twice_are_refused(client, shop):
    raw = '{"handle": "a", "handle": "b", "title": "T", "variants": [{"sku": "s", "price": "1.00"}]}'
    response = client.post("/api/v1/products", data=raw, content_type="application/json", headers=shop[1])
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"handle": ["appears twice in one object"]}
    raw = '{"email": "a@example.com", "city": NaN}'
    response = client.post("/api/v1/customers", data=raw, content_type="application/json", headers=shop[1])
    assert response.status_code == 400


def test_nul_characters_are_refused_in_text(app, client, shop):
    shop_id, auth = shop
    pid = seed_product(app, shop_id, "mug")
    for method, url, body in (("post", "/api/v1/products", new_product("n", title="A\x00B")),
                              ("patch", f"/api/v1/products/{pid}", {"title": "A\x00B"}),
                              ("post", f"/api/v1/products/{pid}/reviews", {"rating": 3, "external_id": "r\x00"})):
        response = getattr(client, method)(url, json=body, headers=auth)
        assert response.status_code == 422, (url, response.json)
    assert client.get("/api/v1/products?q=%00", headers=auth).status_code == 400
    assert client.get(f"/api/v1/products/{pid}", headers=auth).json["title"] == "Mug"


def test_patch_checks_attributes_as_the_importer_does(app, client, shop):
    shop_id, auth = shop
    pid = seed_product(app, shop_id, "mug")
    for attributes in ({"a": {"x": 1}}, {"a": True}, {"a": [1]}):
        response = client.patch(f"/api/v1/products/{pid}", json={"attributes": attributes}, headers=auth)
        assert response.status_code == 422 and "attributes" in response.json["error"]["fields"]
    ok = client.patch(f"/api/v1/products/{pid}", json={"attributes": {"a": ["x"], "b": 2.5}}, headers=auth)
    assert ok.status_code == 200 and ok.json["attributes"] == {"a": ["x"], "b": 2.5}


def test_money_is_exact_text(client, shop):
    auth = shop[1]
    for price in (12.5, "12.505", "-1.00", "1e3", "12345678901.00"):
        response = client.post("/api/v1/products", json=new_product("p", variants=[{"sku": "s", "price": price}]),
                               headers=auth)
        assert response.status_code == 422 and "price" in json.dumps(response.json["error"]["fields"]), price
    number = client.post("/api/v1/products", json=new_product("p", variants=[{"sku": "s", "price": 12.5}]),
                         headers=auth)
    assert 'as a string, such as "19.99"' in number.json["error"]["fields"]["variants"]["0"]["price"][0]
    created = client.post("/api/v1/products", json=new_product("p", variants=[{"sku": "s", "price": "12.5"}]),
                          headers=auth)
    assert created.status_code == 201 and created.json["price"] == "12.50"


def test_cursor_is_an_id_and_anything_else_is_a_400(client, shop):
    response = client.get("/api/v1/products?cursor=aWQ6MQ", headers=shop[1])
    assert response.status_code == 400 and "cursor" in response.json["error"]["fields"]
    assert client.get("/api/v1/products?cursor=0", headers=shop[1]).status_code == 200


# -- events --------------------------------------------------------------------------------
def test_event_batch_is_idempotent(app, client, shop, demo):
    shop_id, auth = shop
    pid = seed_product(app, shop_id, "sofa")
    client.post("/api/v1/plugins/demo/enable", headers=auth)
    batch = {"events": [{"type": "view", "product_id": pid, "session_id": "s1"}, {"type": "add_to_cart"}]}
    headers = {**auth, "Idempotency-Key": "batch-1"}
    first = client.post("/api/v1/events", json=batch, headers=headers)
    assert first.status_code == 202 and first.json == {"accepted": 2}
    assert "Idempotent-Replayed" not in first.headers
    replay = client.post("/api/v1/events", json=batch, headers=headers)
    assert replay.status_code == 202 and replay.json == {"accepted": 2}
    assert replay.headers["Idempotent-Replayed"] == "true"
    with state_of(app).db.session() as session:
        assert session.query(Event).filter_by(shop_id=shop_id).count() == 2
    assert len(demo.batches) == 1 and [e["type"] for e in demo.batches[0]] == ["view", "add_to_cart"]
    other = client.post("/api/v1/events", json={"events": [{"type": "purchase"}]}, headers=headers)
    assert other.status_code == 409


def test_event_batch_validation(client, shop):
    _, auth = shop
    post = lambda body, key="k": client.post("/api/v1/events", json=body, headers={**auth, "Idempotency-Key": key})  # noqa: E731
    assert post({"events": [{"type": "view"}]}, key="").status_code == 400
    assert post({"events": [{"type": "view"}]}, key="x" * 129).status_code == 400
    bad_type = post({"events": [{"type": "teleport"}]})
    assert bad_type.status_code == 422 and "events" in bad_type.json["error"]["fields"]
    assert post({"events": [{"type": "view"}] * 501}).status_code == 422
    assert post({"events": []}).status_code == 422
    unknown_product = post({"events": [{"type": "view", "product_id": 424242}]}, key="k2")
    assert unknown_product.status_code == 422
    assert post({"events": [{"type": "view"}]}, key="k2").status_code == 202  # the failed try stored nothing


# -- plugins -------------------------------------------------------------------------------
def test_plugin_enable_disable(client, shop):
    _, auth = shop
    names = [p["name"] for p in client.get("/api/v1/plugins", headers=auth).json["items"]]
    assert {"demo", "future"} <= set(names)
    enabled = client.post("/api/v1/plugins/demo/enable", json={"grant": []}, headers=auth)
    assert enabled.status_code == 200 and enabled.json["state"] == "enabled" and enabled.json["granted"] == []
    assert client.get("/api/v1/plugins/demo", headers=auth).json["state"] == "enabled"
    disabled = client.post("/api/v1/plugins/demo/disable", headers=auth)
    assert disabled.status_code == 200 and disabled.json["state"] == "disabled"
    future = client.post("/api/v1/plugins/future/enable", headers=auth)
    assert future.status_code == 409 and ">=99" in future.json["error"]["message"]
    assert client.get("/api/v1/plugins/nope", headers=auth).status_code == 404
    bad_grant = client.post("/api/v1/plugins/demo/enable", json={"grant": ["root"]}, headers=auth)
    assert bad_grant.status_code == 422 and "grant" in bad_grant.json["error"]["fields"]  # the document's enum


def test_plugin_settings_validated_and_secret_masked(client, shop):
    _, auth = shop
    url = "/api/v1/plugins/demo/settings"
    saved = client.put(url, json={"api_key": SECRET, "threshold": 5}, headers=auth)
    assert saved.status_code == 200, saved.json
    assert saved.json["values"]["threshold"] == 5 and saved.json["values"]["api_key"] != SECRET
    invalid = client.put(url, json={"threshold": 50}, headers=auth)
    assert invalid.status_code == 422 and "threshold" in invalid.json["error"]["fields"]
    shown = client.get(url, headers=auth)
    assert shown.json["values"]["threshold"] == 5  # the old settings stayed
    assert {f["name"]: f["secret"] for f in shown.json["fields"]} == {"api_key": True, "threshold": False}
    unknown = client.put(url, json={"colour": "red"}, headers=auth)
    assert unknown.status_code == 422 and "colour" in unknown.json["error"]["fields"]
    for response in (saved, invalid, shown, unknown):
        assert SECRET not in response.get_data(as_text=True)


# -- jobs ----------------------------------------------------------------------------------
def test_jobs_queue_cancel_retry(app, client, shop):
    _, auth = shop
    assert client.post("/api/v1/jobs", json={"type": "demo.noop"}, headers=auth).status_code == 409  # not enabled
    client.post("/api/v1/plugins/demo/enable", headers=auth)
    queued = client.post("/api/v1/jobs", json={"type": "demo.noop", "params": {"n": 1}}, headers=auth)
    assert queued.status_code == 202 and queued.json["status"] == "queued"
    job_id = queued.json["id"]
    cancelled = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth).status_code == 409
    retried = client.post(f"/api/v1/jobs/{job_id}/retry", headers=auth)
    assert retried.status_code == 200 and retried.json["status"] == "queued"
    state_of(app).jobs.run_pending()
    done = client.get(f"/api/v1/jobs/{job_id}", headers=auth).json
    assert done["status"] == "succeeded" and done["result"] == {"echo": {"n": 1}}
    assert client.post(f"/api/v1/jobs/{job_id}/retry", headers=auth).status_code == 409
    assert [j["id"] for j in client.get("/api/v1/jobs?status=succeeded", headers=auth).json["items"]] == [job_id]
    assert client.post("/api/v1/jobs", json={"type": "nope"}, headers=auth).status_code == 422
    assert client.get("/api/v1/jobs/9999", headers=auth).status_code == 404


# -- imports -------------------------------------------------------------------------------
def test_import_upload_multipart_and_raw(client, shop):
    _, auth = shop
    rows = json.dumps([new_product("imp-1"), new_product("imp-2")]).encode()
    multipart = client.post("/api/v1/imports/products", headers=auth,
                            data={"file": (io.BytesIO(rows), "catalogue.json")}, content_type="multipart/form-data")
    assert multipart.status_code == 200, multipart.json
    assert multipart.json["report"]["ok"] is True
    csv = b"email,first_name\ndee@example.com,Dee\n"
    raw = client.post("/api/v1/imports/customers?filename=people.csv", data=csv, headers=auth)
    assert raw.status_code == 200, raw.json
    assert client.get("/api/v1/customers", headers=auth).json["items"][0]["first_name"] == "Dee"
    bad = client.post("/api/v1/imports/customers?filename=people.csv", data=b"email\nnot-an-email\n", headers=auth)
    assert bad.status_code == 422 and bad.json["error"]["report"]["errors"]
    assert client.post("/api/v1/imports/customers", data=csv, headers=auth).status_code == 400  # no filename
    assert client.post("/api/v1/imports/planets?filename=a.csv", data=csv, headers=auth).status_code == 404


def test_import_in_background_queues_a_job(app, client, shop, tmp_path):
    _, auth = shop
    csv = b"email\neve@example.com\n"
    queued = client.post("/api/v1/imports/customers?filename=people.csv&background=1", data=csv, headers=auth)
    assert queued.status_code == 202, queued.json
    job = queued.json["job"]
    assert job["type"] == "host.import" and job["params"] == {"kind": "customers", "filename": "people.csv"}
    assert str(tmp_path) not in json.dumps(queued.json)  # where the server keeps the upload stays private
    assert [saved.read_bytes() for saved in Path(tmp_path, "uploads").rglob("*.csv")] == [csv]
