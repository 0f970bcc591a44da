"""The API's security rules: keys and scopes, shop isolation, untrusted input, limits."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from shopwright.host.api.auth import CACHE_TTL_S, KeyCache, key_usage
from shopwright.host.api.auth import EXTENSION as KEY_CACHE
from shopwright.host.apikeys import API_SCOPES, create_key, revoke_key
from shopwright.host.app import create_app, state_of
from shopwright.host.limitstore import SQLiteStorage
from shopwright.host.models import ApiKey, Product, Variant
from shopwright.host.shops import create_shop

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


def test_a_key_revoked_through_the_api_is_refused_on_the_next_request(app, client, key_a):
    shop_id, key = key_a
    with state_of(app).db.session() as session:
        victim = create_key(session, shop_id, "leaked", ["read:catalog"])
    victim_id = client.get("/api/v1/keys", headers=bearer(key)).json["items"][0]["id"]
    assert client.get("/api/v1/products", headers=bearer(victim)).status_code == 200  # now cached
    revoked = client.post(f"/api/v1/keys/{victim_id}/revoke", headers=bearer(key))
    assert revoked.status_code == 200 and revoked.json["revoked"] is True
    assert revoked.json["revoked_by"] == "api:shop-a-key" and revoked.json["revoked_at"]
    assert_json_error(client.get("/api/v1/products", headers=bearer(victim)), 401)
    again = client.post(f"/api/v1/keys/{victim_id}/revoke", headers=bearer(key))
    assert again.status_code == 200 and again.json["revoked_at"] == revoked.json["revoked_at"]


def test_a_revocation_by_another_process_is_honoured_within_the_cache_time(tmp_path, app, client, key_a):
    """Another worker (or the CLI, or a hand-made database change) revokes the key: this process
    has it cached, and refuses it once CACHE_TTL_S has passed on its clock."""
    _, key = key_a
    now = [1000.0]
    app.extensions[KEY_CACHE] = KeyCache(clock=lambda: now[0])
    assert client.get("/api/v1/products", headers=bearer(key)).status_code == 200
    other = make_app(tmp_path)  # the same instance folder: the same database
    with state_of(other).db.session() as session:
        revoke_key(session, session.scalar(select(ApiKey.shop_id)), session.scalar(select(ApiKey.id)), "cli")
    state_of(other).close()
    assert client.get("/api/v1/products", headers=bearer(key)).status_code == 200  # still cached
    now[0] += CACHE_TTL_S
    assert_json_error(client.get("/api/v1/products", headers=bearer(key)), 401)
    assert CACHE_TTL_S <= 1.0  # the promise: a revoked key stops working within a second


def test_last_used_at_is_written_behind_the_requests(app, client, key_a):
    _, key = key_a
    engine = state_of(app).db.engine
    writes = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *args: writes.append(sql) if sql.lstrip().upper().startswith(
                     ("UPDATE", "INSERT", "DELETE")) else None)
    for _ in range(3):
        assert client.get("/api/v1/products", headers=bearer(key)).status_code == 200
    assert writes == []  # no request wrote anything
    read = lambda: state_of(app).db.sessionmaker().scalar(select(ApiKey.last_used_at))  # noqa: E731
    assert read() is None
    with app.app_context():
        assert key_usage().flush() == 1  # what the background thread does once a minute
    assert read() is not None
    listed = client.get("/api/v1/keys", headers=bearer(key)).json["items"][0]
    assert listed["last_used_at"] is not None


def test_requests_do_not_wait_for_the_database_write_lock(app, client, key_a):
    _, key = key_a
    database = state_of(app).config["DATABASE_URL"].removeprefix("sqlite:///")
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # what a long import does: hold the write lock
    try:
        assert client.get("/api/v1/products", headers=bearer(key)).status_code == 200
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_keys_api_lists_without_secrets_and_cannot_be_turned_against_stronger_keys(app, client, key_a):
    shop_id, key = key_a
    with state_of(app).db.session() as session:
        manager = create_key(session, shop_id, "manager", ["admin:keys", "read:catalog"])
        reader = create_key(session, shop_id, "reader", ["read:catalog"])
    ids = {item["name"]: item["id"] for item in client.get("/api/v1/keys", headers=bearer(manager)).json["items"]}
    listing = client.get("/api/v1/keys", headers=bearer(manager)).get_data(as_text=True)
    assert "key_hash" not in listing and reader.split("_", 2)[2] not in listing
    assert client.get(f"/api/v1/keys/{ids['reader']}", headers=bearer(manager)).json["scopes"] == ["read:catalog"]
    stronger = assert_json_error(client.post(f"/api/v1/keys/{ids['shop-a-key']}/revoke", headers=bearer(manager)), 403)
    assert "write:catalog" in stronger["message"]
    assert_json_error(client.post(f"/api/v1/keys/{ids['manager']}/revoke", headers=bearer(manager)), 403)
    assert client.get("/api/v1/products", headers=bearer(key)).status_code == 200  # untouched
    assert client.post(f"/api/v1/keys/{ids['reader']}/revoke", headers=bearer(manager)).status_code == 200
    assert_json_error(client.get("/api/v1/keys", headers=bearer(reader)), 401)


def test_keys_api_needs_its_scope_and_sees_only_its_shop(app, client, key_a):
    _, key = key_a
    _, other = make_key(app, "shop-b")
    _, reader = make_key(app, "shop-c", ["read:catalog"])
    assert assert_json_error(client.get("/api/v1/keys", headers=bearer(reader)), 403)["scope"] == "admin:keys"
    theirs = client.get("/api/v1/keys", headers=bearer(other)).json["items"][0]["id"]
    assert [k["name"] for k in client.get("/api/v1/keys", headers=bearer(key)).json["items"]] == ["shop-a-key"]
    assert_json_error(client.get(f"/api/v1/keys/{theirs}", headers=bearer(key)), 404)
    assert_json_error(client.post(f"/api/v1/keys/{theirs}/revoke", headers=bearer(key)), 404)
    assert_json_error(client.post(f"/api/v1/keys/{2**64 + 1}/revoke", headers=bearer(key)), 404)
    assert client.get("/api/v1/products", headers=bearer(other)).status_code == 200
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/keys", "/api/v1/keys/{key_id}", "/api/v1/keys/{key_id}/revoke"} <= set(paths)


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


def test_two_app_instances_share_one_count(tmp_path):
    """Two server processes (here: two apps on one instance folder) count one key's requests
    together: the limit holds whatever the worker count."""
    first = make_app(tmp_path, API_RATE_LIMIT="4 per minute")
    _, key = make_key(first, "shop-a")
    second = make_app(tmp_path, API_RATE_LIMIT="4 per minute")
    clients = [first.test_client(), second.test_client()]
    statuses = [clients[n % 2].get("/api/v1/products", headers=bearer(key)).status_code for n in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    for app in (first, second):
        state_of(app).close()


def test_the_store_is_chosen_by_configuration(tmp_path):
    """`memory://` counts per process again (the `limits` storage URL decides, as Redis will)."""
    apps = [make_app(tmp_path, API_RATE_LIMIT="2 per minute", RATE_LIMIT_STORAGE_URL="memory://") for _ in range(2)]
    _, key = make_key(apps[0], "shop-a")
    statuses = [apps[n % 2].test_client().get("/api/v1/products", headers=bearer(key)).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 200]  # each app counted two
    for app in apps:
        state_of(app).close()


COUNTER = """
import sys
from shopwright.host.limitstore import SQLiteStorage
store = SQLiteStorage("sqlite:///" + sys.argv[1])
for _ in range(int(sys.argv[2])):
    store.incr("api/key:1", 60)
"""


def test_counts_from_two_real_processes_add_up(tmp_path):
    path, hits = str(tmp_path / "limits.db"), 300
    runs = [subprocess.Popen([sys.executable, "-c", COUNTER, path, str(hits)]) for _ in range(2)]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    store = SQLiteStorage("sqlite:///" + path)
    assert store.get("api/key:1") == 2 * hits  # no increment lost to the other process
    store.close()


def test_shared_counters_behave_like_limits_own_storages(tmp_path):
    now = [1000.0]
    store = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.db'}", clock=lambda: now[0])
    assert [store.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert store.incr("k", 60, amount=-1) == 2 and store.get_expiry("k") == 1060.0
    now[0] += 60  # the window ran out: the count starts again
    assert store.get("k") == 0 and store.incr("k", 60) == 1 and store.get_expiry("k") == 1120.0
    store.clear("k")
    assert store.get("k") == 0 and store.check()
    store.incr("a", 5)
    assert store.reset() == 1
    store.close()
    with pytest.raises(ValueError, match="not a SQLite storage URL"):
        SQLiteStorage("sqlite://")


def test_plugins_json_uses_the_api_key(app, client, key_a):
    _, key = key_a
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    anonymous = client.get("/-/plugins.json", environ_base=remote).json
    admin = client.get("/-/plugins.json", environ_base=remote, headers=bearer(key)).json
    assert all("shops" not in p for p in anonymous["plugins"])
    assert all("shops" in p for p in admin["plugins"])


# -- what a review of the key and limit changes found ------------------------------------------
def test_a_key_made_without_scopes_cannot_manage_keys_or_plugins(app, client):
    from shopwright.host.testing import add_fixture_shop

    shop = add_fixture_shop(app)
    plain = shop.api_key()  # what `shopwright apikey create` without --scope makes too
    assert client.get("/api/v1/products", headers=bearer(plain)).status_code == 200
    assert assert_json_error(client.get("/api/v1/keys", headers=bearer(plain)), 403)["scope"] == "admin:keys"
    assert assert_json_error(client.get("/api/v1/plugins", headers=bearer(plain)), 403)["scope"] == "admin:plugins"
    manager = shop.api_key("admin:keys", name="manager")  # named explicitly: granted
    assert client.get("/api/v1/keys", headers=bearer(manager)).status_code == 200


def test_the_api_never_shows_who_revoked_a_key_by_email(app, client, key_a):
    shop_id, key = key_a
    with state_of(app).db.session() as session:
        create_key(session, shop_id, "old", ["read:catalog"])
        old = session.scalar(select(ApiKey.id).where(ApiKey.name == "old"))
        revoke_key(session, shop_id, old, "user:owner@acme.example")
    answer = client.get(f"/api/v1/keys/{old}", headers=bearer(key))
    assert answer.json["revoked_by"] == "admin user"
    assert "owner@acme.example" not in client.get("/api/v1/keys", headers=bearer(key)).get_data(as_text=True)


def test_the_store_takes_what_limits_3_and_4_pass(tmp_path):
    """limits 3.x/4.x's fixed-window limiter calls incr(key, expiry, elastic_expiry=False, amount=cost)."""
    store = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.db'}")
    assert store.incr("k", 60, elastic_expiry=False, amount=2) == 2
    store.close()


def test_a_sqlite_too_old_for_the_store_is_named_at_start():
    from shopwright.host.limitstore import check_sqlite_version

    with pytest.raises(RuntimeError, match=r"needs SQLite 3\.35 or newer .* uses SQLite 3\.31\.1"):
        check_sqlite_version((3, 31, 1))
    check_sqlite_version()  # this Python's: fine


def test_a_broken_limits_store_lets_requests_through_and_logs(app, client, key_a, monkeypatch, caplog):
    from shopwright.host.limitstore import EXTENSION as LIMITS

    _, key = key_a

    def read_only(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(app.extensions[LIMITS], "incr", read_only)
    statuses = [client.get("/api/v1/products", headers=bearer(key)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    logged = [r for r in caplog.records if "rate limit" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelname == "ERROR"  # once, not once per request


class BrokenDatabase:
    def session(self):
        raise sqlite3.OperationalError("database is locked")


def test_closing_logs_a_failed_last_flush_instead_of_raising(caplog):
    from shopwright.host.api.keyusage import KeyUsage

    usage = KeyUsage(BrokenDatabase(), every_s=3600)
    usage.note(1)
    usage.stop()  # before: raised, and AppState.close() skipped the rest
    assert any("could not record API key use" in r.getMessage() for r in caplog.records)


def test_app_close_goes_on_past_a_failing_part(tmp_path, caplog):
    app = make_app(tmp_path)
    state = state_of(app)
    disposed = []
    dispose = state.db.dispose

    def fail():
        raise RuntimeError("a part that cannot close")

    state.on_close.insert(0, fail)
    state.db.dispose = lambda: (disposed.append(True), dispose())
    state.close()
    assert disposed == [True]
    assert any("a part that cannot close" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
