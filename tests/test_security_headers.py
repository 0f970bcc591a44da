"""Security headers on every kind of answer: the admin's strict CSP and frame protection, the
storefront's CSP that themes and widgets live with, the embed answers other sites load
(nosniff, the right Content-Type, never the admin's CORP or frame rules), and the data answers.
The admin and theme templates carry no inline script or style for the CSP to block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Response

import tests.widget_doubles as shelf
from shopwright.host.models import Shop
from shopwright.host.security_headers import ADMIN_CSP, DATA_CSP, EMBED_CSP, STOREFRONT_CSP
from shopwright.host.testing import add_fixture_shop, admin_client

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = "https://www.acme.example"
#: Inline script and style a CSP without 'unsafe-inline' would block: a <script> without src, an
#: event-handler attribute, a javascript: address, a <style> block or a style attribute.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|<style\b|\sstyle\s*=", re.I)


@pytest.fixture
def app(sw_app_factory):
    return sw_app_factory(plugins=[shelf])


@pytest.fixture
def shop(app):
    fixture = add_fixture_shop(app)
    fixture.enable("shelf")
    fixture.enable("bestsellers")
    with fixture.state.db.session() as session:
        session.get(Shop, fixture.id).allowed_origins = [ALLOWED]
    fixture.state.shops.forget(fixture.slug)
    return fixture


@pytest.fixture
def client(app, shop):
    return app.test_client()


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_admin_headers(response) -> None:
    assert response.headers["Content-Security-Policy"] == ADMIN_CSP
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def assert_storefront_headers(response) -> None:
    assert response.headers["Content-Security-Policy"] == STOREFRONT_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Frame-Options" not in response.headers


def assert_embed_headers(response, content_type: str) -> None:
    assert response.mimetype == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Other sites load these: nothing meant for the admin may block them.
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Content-Security-Policy"] == EMBED_CSP


# -- the admin --------------------------------------------------------------------------------
def test_the_admin_policy_runs_only_its_own_files_and_cannot_be_framed():
    parts = {part.split()[0]: part for part in ADMIN_CSP.split("; ")}
    assert "'unsafe-inline'" not in ADMIN_CSP and "'unsafe-eval'" not in ADMIN_CSP
    assert parts["script-src"] == "script-src 'self'" and parts["style-src"] == "style-src 'self'"
    assert parts["frame-ancestors"] == "frame-ancestors 'none'"
    assert parts["connect-src"] == "connect-src 'self'"  # the job progress poller
    for directive in ("form-action 'self'", "base-uri 'none'", "object-src 'none'"):
        assert directive in parts.values()


@pytest.mark.parametrize("path", ["/admin/dashboard", "/admin/plugins", "/admin/plugins/shelf/settings",
                                  "/admin/uploads", "/admin/jobs", "/admin/jobs.json", "/admin/drafts",
                                  "/admin/shop", "/admin/models", "/admin/jobs/999999"])
def test_admin_answers_carry_the_admin_headers(app, shop, path):
    response = admin_client(app, shop).get(path)
    assert response.status_code in (200, 404)
    assert_admin_headers(response)


def test_the_sign_in_page_its_refusals_and_the_admin_files_carry_them_too(client):
    assert_admin_headers(client.get("/admin/login"))
    assert_admin_headers(client.post("/admin/login", data={"email": "x"}))  # no CSRF token: refused
    with client.get("/admin/static/admin.js") as script:
        assert_admin_headers(script)
        assert script.mimetype == "text/javascript"


def test_a_cancel_button_asks_first_through_a_data_attribute(app, shop):
    shop.state.jobs.register("test.noop", lambda run: {}, title="No-op")
    job_id = shop.state.jobs.enqueue(shop.id, "test.noop", {})
    page = admin_client(app, shop).get("/admin/jobs").get_data(as_text=True)
    assert f'data-confirm="Cancel job #{job_id}? It stops at its next checkpoint."' in page


# -- the storefront ---------------------------------------------------------------------------
def test_the_storefront_policy_allows_product_images_from_anywhere_but_scripts_only_from_here():
    parts = {part.split()[0]: part for part in STOREFRONT_CSP.split("; ")}
    assert "'unsafe-inline'" not in STOREFRONT_CSP
    assert parts["script-src"] == "script-src 'self'"
    assert parts["img-src"] == "img-src 'self' data: https: http:"
    assert parts["connect-src"] == "connect-src 'self'"  # the embed script's fetches and beacon


@pytest.mark.parametrize("path", ["/shop/acme/", "/shop/acme/p/merino-crew", "/shop/acme/c/apparel",
                                  "/shop/acme/search?q=mug", "/shop/acme/p/no-such-thing", "/shop/nobody/"])
def test_storefront_pages_carry_the_storefront_policy(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert response.mimetype == "text/html"
    assert_storefront_headers(response)


def test_theme_files_are_not_sniffed(client):
    page = client.get("/shop/acme/").get_data(as_text=True)
    stylesheet = re.search(r'href="(/themes/default/static/theme\.css[^"]*)"', page).group(1)
    with client.get(stylesheet.replace("&amp;", "&")) as response:
        assert response.mimetype == "text/css"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_theme_guide_quotes_the_storefront_policy_as_sent():
    guide = (ROOT / "docs" / "themes.md").read_text(encoding="utf-8")
    quoted = re.search(r"```\n(default-src 'self'; script-src[^`]*)```", guide).group(1)
    assert " ".join(quoted.split()) == STOREFRONT_CSP


def test_a_server_may_widen_the_storefront_policy(sw_app_factory):
    wider = STOREFRONT_CSP.replace("script-src 'self'", "script-src 'self' https://stats.example")
    app = sw_app_factory(STOREFRONT_CSP=wider)
    add_fixture_shop(app)
    client = app.test_client()
    assert client.get("/shop/acme/").headers["Content-Security-Policy"] == wider
    admin_page = client.get("/admin/login")
    assert admin_page.headers["Content-Security-Policy"] == ADMIN_CSP  # the admin's stays fixed


# -- the embed answers ------------------------------------------------------------------------
def test_the_embed_script_is_javascript_loadable_from_any_site(client):
    with client.get("/embed.js") as script:  # a file answer: closed after reading
        assert_embed_headers(script, "text/javascript")


def test_widget_fragments_and_json_are_not_sniffed_cross_origin_or_same(client):
    for origin in (ALLOWED, None):
        headers = {"Origin": origin} if origin else {}
        fragment = client.get("/embed/acme/widgets/shelf.list.html", headers=headers)
        assert fragment.status_code == 200
        assert_embed_headers(fragment, "text/html")
        data = client.get("/embed/acme/widgets/shelf.list.json", headers=headers)
        assert data.status_code == 200
        assert_embed_headers(data, "application/json")


def test_embed_refusals_preflights_and_beacon_answers_carry_them_too(client):
    assert_embed_headers(client.get("/embed/acme/widgets/nothing.here.json"), "application/json")
    assert_embed_headers(client.get("/embed/nobody/widgets/shelf.list.json"), "application/json")
    refused = client.get("/embed/acme/widgets/shelf.list.json", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert_embed_headers(refused, "application/json")
    preflight = client.options("/embed/acme/events", headers={"Origin": ALLOWED})
    assert preflight.headers["X-Content-Type-Options"] == "nosniff"
    beacon = client.post("/embed/acme/events", data='{"events": [{"type": "view"}]}', content_type="text/plain")
    assert beacon.status_code == 202
    assert_embed_headers(beacon, "application/json")


def test_plugin_files_are_served_with_their_type_to_any_site(client):
    with client.get("/plugins/bestsellers/static/bestsellers.css") as stylesheet:
        assert_embed_headers(stylesheet, "text/css")


# -- everything else --------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1/products", "/-/plugins.json", "/no/such/page"])
def test_data_and_other_answers_are_never_sniffed_or_framed(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == DATA_CSP


def test_a_view_that_sets_its_own_header_keeps_it(sw_app_factory):
    app = sw_app_factory()
    app.add_url_rule("/own", "own", lambda: Response("x", headers={"Content-Security-Policy": "sandbox"}))
    response = app.test_client().get("/own")
    assert response.headers.getlist("Content-Security-Policy") == ["sandbox"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- templates the policies must not break ----------------------------------------------------
def templates_under(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*")
                  if path.name.endswith((".html", ".jinja", ".j2", ".html.tmpl")))


def test_the_template_check_finds_what_the_csp_blocks():
    for blocked in ("<script>go()</script>", '<a href="#" onclick="go()">', "<a href='javascript:go()'>",
                    "<style>p {}</style>", '<p style="color: red">', "<button ONCLICK = 'go()'>"):
        assert INLINE.search(blocked), blocked
    for allowed in ('<script src="/embed.js" async></script>', '<p class="stylish" data-one="1">'):
        assert not INLINE.search(allowed), allowed


@pytest.mark.parametrize("path", templates_under("host/templates/admin", "host/scaffold", "plugins", "themes",
                                                 "examples"),
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_templates_carry_no_inline_script_or_style(path):
    found = INLINE.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)}: {found} would be blocked by the CSP; use a static file"
