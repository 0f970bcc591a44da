"""The embed endpoints: fragment and JSON widgets, CORS per shop, the event beacon, the script."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

import tests.widget_doubles as shelf
from shopwright import PluginMeta, hookimpl
from shopwright.host.models import Event, Product, Shop
from shopwright.host.testing import add_fixture_shop

ALLOWED = "https://www.acme.example"
EMBED_JS = Path(__file__).resolve().parent.parent / "host" / "embed" / "static" / "embed.js"


class Listener:
    """Receives on_events, to show the beacon's events reach plugins like API batches do."""

    plugin_meta = PluginMeta(name="listener", version="1.0.0", permissions=("read:events",))

    def __init__(self):
        self.batches = []

    @hookimpl
    def on_events(self, events):
        self.batches.append(events)


@pytest.fixture
def listener():
    return Listener()


@pytest.fixture
def app(sw_app_factory, listener):
    return sw_app_factory(plugins=[shelf, listener], EMBED_EVENT_RATE_LIMIT="5 per minute")


@pytest.fixture
def shop(app):
    fixture = add_fixture_shop(app)
    fixture.enable("shelf")
    fixture.enable("listener")
    with fixture.state.db.session() as session:
        session.get(Shop, fixture.id).allowed_origins = [ALLOWED]
    fixture.state.shops.forget(fixture.slug)
    return fixture


@pytest.fixture
def client(app):
    return app.test_client()


def product_id(shop, handle="enamel-camp-mug"):
    with shop.state.db.session() as session:
        return session.scalar(select(Product.id).where(Product.shop_id == shop.id, Product.handle == handle))


def test_fragment_renders_the_widget_html(client, shop):
    response = client.get("/embed/acme/widgets/shelf.list.html?limit=2")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.text.startswith('<ul class="shelf">') and response.text.count("<li>") == 2
    assert response.headers["Cache-Control"] in ("public, max-age=10", "max-age=10, public")


def test_fragment_escapes_query_values(client, shop):
    response = client.get("/embed/acme/widgets/shelf.echo.html", query_string={"note": "<script>x</script>"})
    assert "<script>" not in response.text and "&lt;script&gt;x" in response.text


def test_json_endpoint_serves_the_widget_data(client, shop):
    response = client.get(f"/embed/acme/widgets/shelf.echo.json?product={product_id(shop)}&note=hi")
    assert response.json == {"widget": "shelf.echo", "data": {"note": "hi", "title": "Enamel Camp Mug 350 ml"}}


def test_a_widget_that_shows_nothing_answers_empty(client, shop):
    assert client.get("/embed/acme/widgets/shelf.broken.html").text == ""
    assert client.get("/embed/acme/widgets/shelf.nothing.json").json == {"widget": "shelf.nothing", "data": None}
    shop.state.disable_plugin(shop.id, "shelf")
    assert client.get("/embed/acme/widgets/shelf.echo.html").text == ""


@pytest.mark.parametrize(("url", "status"), [
    ("/embed/nowhere/widgets/shelf.echo.html", 404),
    ("/embed/acme/widgets/shelf.missing.html", 404),
    ("/embed/acme/widgets/shelf.echo.json?product=999999", 404),
    ("/embed/acme/widgets/shelf.list.json?limit=0", 400),
    ("/embed/acme/widgets/shelf.echo.html?colour=red", 400),
    ("/embed/acme/widgets/shelf.echo.json?product=" + "9" * 30, 404),
    ("/embed/acme/widgets/shelf.echo.json?product=%C2%B2", 404),  # "²" is a digit to str.isdigit, not to int()
])
def test_bad_widget_requests_get_clear_json_errors(client, shop, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.json["error"]["message"]


def test_another_shops_product_is_not_found(client, app, shop):
    other = add_fixture_shop(app, slug="other", name="Other")
    response = client.get(f"/embed/acme/widgets/shelf.echo.json?product={product_id(other)}")
    assert response.status_code == 404


def test_allowed_origin_gets_cors_headers(client, shop):
    response = client.get("/embed/acme/widgets/shelf.echo.html", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("path", ["widgets/shelf.echo.html", "widgets/shelf.echo.json"])
def test_origins_the_shop_did_not_allow_are_refused(client, shop, path):
    response = client.get(f"/embed/acme/{path}", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "not allowed" in response.json["error"]["message"]
    assert "Access-Control-Allow-Origin" not in response.headers


def test_same_origin_and_server_side_callers_need_no_allow_list(client, shop):
    assert client.get("/embed/acme/widgets/shelf.echo.html", headers={"Origin": "http://localhost"}).status_code == 200
    plain = client.get("/embed/acme/widgets/shelf.echo.html")
    assert plain.status_code == 200 and "Access-Control-Allow-Origin" not in plain.headers


def test_preflight_answers_only_allowed_origins(client, shop):
    ok = client.options("/embed/acme/events", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"})
    assert ok.status_code == 204 and ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    refused = client.options("/embed/acme/events", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403


def beacon(client, events, origin=ALLOWED, session="s-1"):
    return client.post("/embed/acme/events", data=json.dumps({"session": session, "events": events}),
                       content_type="text/plain;charset=UTF-8", headers={"Origin": origin})


def stored_events(shop):
    with shop.state.db.session() as session:
        return [(e.type, e.widget, e.product_id, e.session_id) for e in session.scalars(
            select(Event).where(Event.shop_id == shop.id).order_by(Event.id))]


def test_beacon_records_impressions_and_clicks_and_tells_plugins(client, shop, listener):
    mug = product_id(shop)
    response = beacon(client, [{"type": "widget_impression", "widget": "shelf.list", "product_id": mug},
                               {"type": "widget_click", "widget": "shelf.list", "product_id": mug},
                               {"type": "view", "product_id": mug}])
    assert response.status_code == 202 and response.json == {"accepted": 3}
    assert stored_events(shop) == [("widget_impression", "shelf.list", mug, "s-1"),
                                   ("widget_click", "shelf.list", mug, "s-1"), ("view", None, mug, "s-1")]
    shop.state.dispatcher.background.submit(lambda: None).result(5)  # plugins hear after the answer
    deadline = time.monotonic() + 5
    while not listener.batches and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [e["type"] for e in listener.batches[-1]] == ["widget_impression", "widget_click", "view"]
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_beacon_drops_widgets_of_plugins_the_shop_has_not_enabled(client, shop):
    shop.state.disable_plugin(shop.id, "shelf")
    response = beacon(client, [{"type": "widget_impression", "widget": "shelf.list"}])
    assert response.json == {"accepted": 0}


def test_beacon_drops_unknown_widgets_and_other_shops_products(client, app, shop):
    other = add_fixture_shop(app, slug="other", name="Other")
    response = beacon(client, [{"type": "widget_click", "widget": "shelf.nope", "product_id": None},
                               {"type": "widget_click", "widget": "shelf.list", "product_id": product_id(other)}])
    assert response.json == {"accepted": 0} and stored_events(shop) == []


@pytest.mark.parametrize(("body", "status"), [
    ("not json", 400),
    ("[1, 2]", 400),
    (json.dumps({"events": []}), 422),
    (json.dumps({"events": [{"type": "purchase"}]}), 422),  # purchases come from orders, never a browser
    (json.dumps({"events": [{"type": "view"}] * 51}), 422),
    (json.dumps({"events": [{"type": "view", "product_id": 10**30}]}), 422),
])
def test_bad_beacons_are_refused_and_record_nothing(client, shop, body, status):
    response = client.post("/embed/acme/events", data=body, content_type="text/plain")
    assert response.status_code == status and response.json["error"]["message"]
    assert stored_events(shop) == []


def test_beacon_from_a_foreign_origin_is_refused(client, shop):
    response = beacon(client, [{"type": "view"}], origin="https://evil.example")
    assert response.status_code == 403 and stored_events(shop) == []


def test_beacon_is_rate_limited_per_address(client, shop):
    statuses = [beacon(client, [{"type": "view"}]).status_code for _ in range(6)]
    assert statuses == [202] * 5 + [429]


def test_embed_script_is_small_public_and_dependency_free(client):
    response = client.get("/embed.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    source = EMBED_JS.read_text()
    assert len(gzip.compress(source.encode(), 9)) <= 10_000
    assert "import " not in source and "require(" not in source
    response.close()


def test_plugin_static_files_are_served_from_the_plugin_package(client, tmp_path, shop):
    static = Path(shelf.__file__).parent / "static"
    static.mkdir(exist_ok=True)
    (static / "shelf.css").write_text(".shelf{display:flex}")
    try:
        response = client.get("/plugins/shelf/static/shelf.css")
        assert response.status_code == 200 and response.text == ".shelf{display:flex}"
        response.close()
        assert client.get("/plugins/shelf/static/../__init__.py").status_code == 404
        assert client.get("/plugins/nobody/static/x.css").status_code == 404
    finally:
        (static / "shelf.css").unlink()
        static.rmdir()



def test_links_in_a_fragment_name_this_server(client, shop):
    html = client.get("/embed/acme/widgets/shelf.link.html?product=merino-crew").text
    assert 'href="http://localhost/shop/acme/p/merino-crew"' in html


def test_behind_a_trusted_proxy_the_storefronts_own_https_origin_is_same_site(sw_app_factory):
    app = sw_app_factory(plugins=[shelf], PROXY_COUNT=1)
    fixture = add_fixture_shop(app)
    fixture.enable("shelf")
    headers = {"Origin": "https://shop.example", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example"}
    response = app.test_client().get("/embed/acme/widgets/shelf.link.html?product=merino-crew", headers=headers)
    assert response.status_code == 200
    assert 'href="https://shop.example/shop/acme/p/merino-crew"' in response.text
    untrusted = sw_app_factory(plugins=[shelf])
    add_fixture_shop(untrusted).enable("shelf")
    assert untrusted.test_client().get("/embed/acme/widgets/shelf.echo.html", headers=headers).status_code == 403
