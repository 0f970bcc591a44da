"""The API's security rules: keys and scopes, shop isolation, untrusted input, limits."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from host.api.auth import key_cache
from host.apikeys import API_SCOPES, create_key
from host.app import create_app, state_of
from host.models import ApiKey, Product, Variant
from host.shops import create_shop

ALL = tuple(API_SCOPES)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE products; -- \" OR 1=1"


def make_app(tmp_path, **config):
    return create_app({"INSTANCE_PATH": str(tmp_path), "JOB_WORKERS": 0, "LOAD_ENTRY_POINTS": False, **config})


def make_key(app, slug: str, scopes=ALL) -> tuple[int, str]:
    with state_of(app).db.session() as session:
        shop = create_shop(session, slug, slug)
        return shop.id, create_key(session, shop.id, f"{slug}-key", list(scopes))


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def seed_product(app, shop_id: int, handle: str) -> int:
    with state_of(app).db.session() as session:
        product = Product(shop_id=shop_id, handle=handle, title=handle, tags=[], attributes={}, images=[])
        product.variants = [Variant(shop_id=shop_id, sku=f"{shop_id}-{handle}", price=Decimal("5.00"))]
        session.add(product)
        session.flush()
        return product.id


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    state_of(app).close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def key_a(app):
    return make_key(app, "shop-a")


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    assert response.json["error"]["status"] == status and response.json["error"]["message"]
    return response.json["error"]


# -- keys and scopes -----------------------------------------------------------------------
def test_missing_wrong_and_malformed_keys_get_401(client, key_a):
    _, key = key_a
    assert client.get("/api/v1/products", headers=bearer(key)).status_code == 200
    missing = client.get("/api/v1/products")
    assert_json_error(missing, 401)
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    prefix = key.rsplit("_", 1)[0]
    for wrong in (prefix + "_not-the-secret", "sw_nope_nope", "garbage", "", "Basic abc"):
        assert_json_error(client.get("/api/v1/products", headers=bearer(wrong)), 401)
    assert_json_error(client.get("/api/v1/products", headers={"Authorization": key}), 401)  # no scheme


def test_x_api_key_header_works(client, key_a):
    _, key = key_a
    assert client.get("/api/v1/products", headers={"X-Api-Key": key}).status_code == 200


def test_revoked_key_stops_working_once_the_cache_expires(app, client, key_a):
    _, key = key_a
    assert client.get("/api/v1/products", headers=bearer(key)).status_code == 200
    with state_of(app).db.session() as session:
        session.scalar(select(ApiKey)).revoked = True
    with app.app_context():
        key_cache().clear()  # what the 10 s expiry does
    assert_json_error(client.get("/api/v1/products", headers=bearer(key)), 401)


def test_last_used_at_is_written_at_most_once_a_minute(app, client, key_a):
    _, key = key_a
    read = lambda: state_of(app).db.sessionmaker().scalar(select(ApiKey.last_used_at))  # noqa: E731
    assert read() is None
    client.get("/api/v1/products", headers=bearer(key))
    first = read()
    assert first is not None
    client.get("/api/v1/products", headers=bearer(key))
    assert read() == first


def test_key_without_scope_gets_403_naming_it(app, client):
    _, key = make_key(app, "shop-r", ["read:catalog"])
    error = assert_json_error(client.post("/api/v1/products", json={}, headers=bearer(key)), 403)
    assert "write:catalog" in error["message"] and error["scope"] == "write:catalog"
    for method, url, scope in [("get", "/api/v1/customers", "read:customers"), ("get", "/api/v1/orders", "read:orders"),
                               ("get", "/api/v1/plugins", "admin:plugins"), ("get", "/api/v1/jobs", "read:jobs"),
                               ("post", "/api/v1/events", "write:events"),
                               ("post", "/api/v1/imports/customers?filename=a.csv", "write:customers"),
                               ("post", "/api/v1/imports/products?filename=a.csv", "write:catalog")]:
        assert assert_json_error(getattr(client, method)(url, headers=bearer(key)), 403)["scope"] == scope


# -- shop isolation ------------------------------------------------------------------------
def test_other_shops_ids_are_not_found(app, client, key_a):
    shop_a, key = key_a
    _, key_b = make_key(app, "shop-b")
    product_a = seed_product(app, shop_a, "secret-thing")
    product_b = seed_product(app, make_key(app, "shop-b2")[0], "b-thing")
    as_b = bearer(key_b)
    for url in (f"/api/v1/products/{product_a}", "/api/v1/products/by-handle/secret-thing",
                f"/api/v1/products/{product_a}/reviews"):
        assert_json_error(client.get(url, headers=as_b), 404)
    assert_json_error(client.patch(f"/api/v1/products/{product_a}", json={"title": "pwned"}, headers=as_b), 404)
    assert_json_error(client.delete(f"/api/v1/products/{product_a}", headers=as_b), 404)
    assert_json_error(client.post(f"/api/v1/products/{product_a}/reviews", json={"rating": 1}, headers=as_b), 404)
    assert client.get(f"/api/v1/products/{product_a}", headers=bearer(key)).json["title"] == "secret-thing"
    assert client.get("/api/v1/products", headers=as_b).json["items"] == []
    assert [p["id"] for p in client.get("/api/v1/products", headers=bearer(key)).json["items"]] == [product_a]
    assert product_b != product_a


def test_other_shops_jobs_customers_and_events_refs_are_not_found(app, client, key_a):
    shop_a, key = key_a
    _, key_b = make_key(app, "shop-b")
    client.post("/api/v1/customers", json={"email": "a@example.com"}, headers=bearer(key))
    customer_id = client.get("/api/v1/customers", headers=bearer(key)).json["items"][0]["id"]
    job_id = state_of(app).jobs.enqueue(shop_a, "host.import", {})
    as_b = bearer(key_b)
    assert_json_error(client.get(f"/api/v1/customers/{customer_id}", headers=as_b), 404)
    assert client.get("/api/v1/customers", headers=as_b).json["items"] == []
    assert_json_error(client.get(f"/api/v1/jobs/{job_id}", headers=as_b), 404)
    assert_json_error(client.post(f"/api/v1/jobs/{job_id}/cancel", headers=as_b), 404)
    assert client.get("/api/v1/jobs", headers=as_b).json["items"] == []
    product_a = seed_product(app, shop_a, "p")
    events = {"events": [{"type": "view", "product_id": product_a}]}
    sent = client.post("/api/v1/events", json=events, headers={**as_b, "Idempotency-Key": "e"})
    assert_json_error(sent, 422)


# -- untrusted input -----------------------------------------------------------------------
def test_html_and_sql_payloads_are_stored_verbatim_and_json_escaped(client, key_a):
    _, key = key_a
    body = {"handle": "evil", "title": SQL, "description_html": XSS, "vendor": XSS,
            "variants": [{"sku": "evil-1", "price": "1.00", "title": SQL}]}
    created = client.post("/api/v1/products", json=body, headers=bearer(key))
    assert created.status_code == 201, created.json
    fetched = client.get(f"/api/v1/products/{created.json['id']}", headers=bearer(key))
    assert fetched.content_type == "application/json"
    assert fetched.json["title"] == SQL and fetched.json["description_html"] == XSS
    assert fetched.json["variants"][0]["title"] == SQL
    raw = fetched.get_data(as_text=True)
    assert json.dumps(XSS) in raw  # a JSON string, quotes escaped: data, never markup
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"  # browsers never sniff it as HTML
    assert [p["title"] for p in client.get("/api/v1/products?q=DROP TABLE", headers=bearer(key)).json["items"]] == [SQL]
    assert len(client.get("/api/v1/products", headers=bearer(key)).json["items"]) == 1  # the table is fine


def test_unknown_fields_and_wrong_types_are_rejected(client, key_a):
    _, key = key_a
    base = {"handle": "h", "title": "t", "variants": [{"sku": "s", "price": "1.00"}]}
    for body, field in [({**base, "shop_id": 2}, "shop_id"), ({**base, "id": 7}, "id"),
                        ({**base, "variants": [{"sku": "s", "price": "abc"}]}, "variants"),
                        ({**base, "title": 12}, "title"), ({**base, "status": "deleted"}, "status")]:
        error = assert_json_error(client.post("/api/v1/products", json=body, headers=bearer(key)), 422)
        assert field in error["fields"]


def test_malformed_bodies_and_params_get_400(client, key_a):
    _, key = key_a
    auth = {**bearer(key), "Content-Type": "application/json"}
    assert_json_error(client.post("/api/v1/products", data="{not json", headers=auth), 400)
    assert_json_error(client.post("/api/v1/products", data="", headers=auth), 400)
    assert_json_error(client.post("/api/v1/products", data="42", headers=auth), 400)
    assert_json_error(client.post("/api/v1/customers", data="[[1]]", headers=auth), 422)
    for query in ("limit=0", "limit=abc", "limit=10000", "offset=-1", "cursor=zzz", "sort=title", "status=gone"):
        assert_json_error(client.get(f"/api/v1/products?{query}", headers=auth), 400)


def test_unknown_routes_and_methods_answer_json_under_api_only(client, key_a):
    _, key = key_a
    assert_json_error(client.get("/api/v1/nothing-here", headers=bearer(key)), 404)
    not_allowed = client.delete("/api/v1/products", headers=bearer(key))
    assert_json_error(not_allowed, 405)
    assert "GET" in not_allowed.headers["Allow"]
    assert client.get("/not-api").content_type.startswith("text/html")


def test_oversized_body_gets_413_json(app, client, key_a):
    _, key = key_a
    app.config["MAX_CONTENT_LENGTH"] = 1024
    big = json.dumps({"events": [{"type": "view", "session_id": "x" * 100}] * 50})
    sent = client.post("/api/v1/events", data=big, headers={**bearer(key), "Idempotency-Key": "big",
                                                           "Content-Type": "application/json"})
    assert_json_error(sent, 413)
    upload = client.post("/api/v1/imports/customers?filename=a.csv", data=b"x" * 5000, headers=bearer(key))
    assert_json_error(upload, 413)


def test_rate_limit_per_key_gives_429_and_spares_healthz(tmp_path):
    app = make_app(tmp_path, API_RATE_LIMIT="3 per minute")
    client = app.test_client()
    _, key = make_key(app, "shop-a")
    _, other = make_key(app, "shop-b")
    statuses = [client.get(url, headers=bearer(key)).status_code
                for url in ("/api/v1/products", "/api/v1/orders", "/api/v1/jobs", "/api/v1/products")]
    assert statuses == [200, 200, 200, 429]
    assert_json_error(client.get("/api/v1/products", headers=bearer(key)), 429)
    assert client.get("/api/v1/products", headers=bearer(other)).status_code == 200  # its own bucket
    assert all(client.get("/healthz").status_code == 200 for _ in range(10))
    state_of(app).close()


def test_plugins_json_uses_the_api_key(app, client, key_a):
    _, key = key_a
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    anonymous = client.get("/-/plugins.json", environ_base=remote).json
    admin = client.get("/-/plugins.json", environ_base=remote, headers=bearer(key)).json
    assert all("shops" not in p for p in anonymous["plugins"])
    assert all("shops" in p for p in admin["plugins"])
