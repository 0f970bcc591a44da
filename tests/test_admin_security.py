"""The admin's security promises: CSRF on every form, untrusted text rendered inert, editors kept
out of owner pages, and each shop's admin blind to every other shop."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from shopwright.host.models import ApiKey, GeneratedContent, Product, Review
from shopwright.host.testing import add_fixture_shop, admin_client
from tests.plugin_doubles import make_plugin

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '" onmouseover="x'
PAYLOAD = f"{SCRIPT}{ATTRIBUTE}"


@pytest.fixture
def app(sw_app_factory):
    return sw_app_factory(plugins=[make_plugin("gadget", "ok", hooks=["on_enable"], description=PAYLOAD)])


def text(response) -> str:
    return response.get_data(as_text=True)


def draft(shop, content, flags=()) -> int:
    with shop.state.db.session() as db:
        product_id = db.scalar(select(Product.id).where(Product.shop_id == shop.id).order_by(Product.id))
        row = GeneratedContent(shop_id=shop.id, plugin="writer", kind="description", product_id=product_id,
                               status="draft", content=content, meta={"flags": list(flags)})
        db.add(row)
        db.flush()
        return row.id


def job(shop, message="", error="") -> int:
    if "test.noop" not in shop.state.jobs.types:
        shop.state.jobs.register("test.noop", lambda run: {}, title="No-op")
    job_id = shop.state.jobs.enqueue(shop.id, "test.noop", {"note": PAYLOAD})
    shop.state.jobs._write(job_id, message=message, error=error, status="failed" if error else "queued")
    return job_id


def assert_inert(page: str) -> None:
    assert SCRIPT not in page and ATTRIBUTE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&#34; onmouseover=&#34;x" in page


# -- CSRF --------------------------------------------------------------------------------------
def forms(shop, draft_id, job_id):
    key_id = api_key_id(shop)
    return [
        (f"/admin/shop/keys/{key_id}/revoke", {}),
        ("/admin/dashboard/sign-in-notice/dismiss", {}),
        ("/admin/login", {"shop": shop.slug, "email": "a@b.example", "password": "x"}),
        ("/admin/logout", {}),
        ("/admin/plugins/gadget/enable", {"grant": "read:catalog"}),
        ("/admin/plugins/gadget/disable", {}),
        ("/admin/plugins/gadget/settings", {}),
        ("/admin/uploads", {"kind": "customers", "file": (io.BytesIO(b"email\na@b.example\n"), "c.csv")}),
        (f"/admin/jobs/{job_id}/cancel", {}),
        (f"/admin/jobs/{job_id}/retry", {}),
        (f"/admin/drafts/{draft_id}/approve", {}),
        (f"/admin/drafts/{draft_id}/edit", {"content-description_html": "x"}),
        (f"/admin/drafts/{draft_id}/reject", {}),
        ("/admin/shop", {"name": "Taken over", "theme": "default", "allowed_origins": "https://evil.example"}),
        ("/admin/account", {"current": "correct horse battery", "new": "taken over 12345",
                            "confirm": "taken over 12345"}),
    ]


def api_key_id(shop, name: str = "test") -> int:
    if name == "test":
        shop.api_key("read:catalog")
    with shop.state.db.session() as db:
        return db.scalar(select(ApiKey.id).where(ApiKey.shop_id == shop.id, ApiKey.name == name)
                         .order_by(ApiKey.id.desc()))


def key_revoked(shop, key_id: int) -> bool:
    with shop.state.db.session() as db:
        return db.get(ApiKey, key_id).revoked


def test_every_admin_form_refuses_a_post_without_a_valid_token(shop, owner):
    draft_id, job_id = draft(shop, {"description_html": "<p>x</p>"}), job(shop)
    for token in (None, "forged-token"):
        for path, data in forms(shop, draft_id, job_id):  # made anew: an upload's file is read once
            sent = dict(data, **({"csrf_token": token} if token else {}))
            response = owner.client.post(path, data=sent, content_type="multipart/form-data")
            assert response.status_code == 400, path
            assert "This form has expired" in text(response) and "nothing was changed" in text(response), path
    assert shop.plugin_state("gadget")["state"] == "installed"
    assert shop.state.jobs.get(shop.id, job_id).status == "queued"
    with shop.state.db.session() as db:
        assert db.scalars(select(ApiKey.revoked)).all() == [False, False]  # one key per round of forms
    assert owner.get("/admin/dashboard").status_code == 200  # still signed in: logout was refused too


def test_api_and_storefront_are_not_under_the_admin_csrf(shop):
    key = shop.api_key("admin:plugins")
    response = shop.app.test_client().post("/api/v1/plugins/gadget/enable", json={},
                                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


# -- untrusted text ----------------------------------------------------------------------------
def test_product_names_reviews_and_drafts_render_escaped(shop, owner):
    with shop.state.db.session() as db:
        mug = db.scalar(select(Product).where(Product.shop_id == shop.id, Product.handle == "enamel-camp-mug"))
        mug.title = PAYLOAD
        mug.description_html = f"<p>{PAYLOAD}</p>"
        review = db.scalar(select(Review).where(Review.shop_id == shop.id))
        review.title, review.body, review.author_name = PAYLOAD, PAYLOAD, PAYLOAD
    draft_id = draft(shop, {"description_html": f"<p>{PAYLOAD}</p>", "seo_title": PAYLOAD,
                            "highlights": [PAYLOAD]}, flags=[PAYLOAD, {"text": SCRIPT, "reason": ATTRIBUTE}])
    for path in ("/admin/dashboard", "/admin/drafts", f"/admin/drafts/{draft_id}", f"/admin/drafts/{draft_id}/edit"):
        page = text(owner.get(path))
        assert_inert(page)
    assert '<mark class="flag">&lt;script&gt;' in text(owner.get(f"/admin/drafts/{draft_id}"))


def test_job_messages_errors_and_params_render_escaped(shop, owner):
    job_id = job(shop, message=PAYLOAD, error=PAYLOAD)
    for path in ("/admin/jobs", f"/admin/jobs/{job_id}", "/admin/dashboard"):
        assert_inert(text(owner.get(path)))


def test_plugin_descriptions_and_errors_render_escaped(shop, owner):
    shop.enable("gadget")
    shop.state.lifecycle.record_failure(shop.id, "gadget", f"RuntimeError: {PAYLOAD}")
    for path in ("/admin/plugins", "/admin/dashboard"):
        assert_inert(text(owner.get(path)))


def test_flash_messages_and_login_fields_render_escaped(app, shop):
    client = app.test_client()
    page = text(client.get(f"/admin/login?next=/admin/{ATTRIBUTE}"))
    assert ATTRIBUTE not in page
    owner = admin_client(app, shop)
    owner.post(f"/admin/plugins/gadget{SCRIPT}/disable")
    assert SCRIPT not in text(owner.get("/admin/plugins"))


def sign_in_as(client, shop, email: str, password: str):
    login = text(client.get("/admin/login"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    return client.post("/admin/login", data={"csrf_token": token, "shop": shop.slug, "email": email,
                                             "password": password})


def test_api_key_names_and_attacking_addresses_render_escaped(app, shop):
    shop.api_key("read:catalog", name=PAYLOAD)
    owner = admin_client(app, shop)
    assert_inert(text(owner.get("/admin/shop")))
    revoked = owner.post(f"/admin/shop/keys/{api_key_id(shop, PAYLOAD)}/revoke")
    assert_inert(text(owner.client.get(revoked.headers["Location"])))
    shop.add_user("boss@acme.example", "correct horse battery", "owner")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = SCRIPT + ATTRIBUTE  # what a lying proxy header could carry
    assert sign_in_as(attacker, shop, "boss@acme.example", "wrong").status_code == 401
    boss = app.test_client()
    assert sign_in_as(boss, shop, "boss@acme.example", "correct horse battery").status_code == 302
    page = text(boss.get("/admin/dashboard"))
    assert "Someone tried to sign in" in page
    assert_inert(page)


def test_admin_pages_send_protective_headers(owner):
    response = owner.get("/admin/dashboard")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["Cache-Control"] == "no-store"


# -- roles -------------------------------------------------------------------------------------
def test_editor_is_kept_out_of_owner_pages(app, shop):
    editor = admin_client(app, shop, "editor")
    job_id = job(shop)
    for path in ("/admin/plugins", "/admin/plugins/gadget/settings", "/admin/uploads", "/admin/shop"):
        response = editor.get(path)
        assert response.status_code == 403 and "Only the shop&#39;s owners" in text(response), path
    key_id = api_key_id(shop)
    for path in ("/admin/plugins/gadget/enable", "/admin/plugins/gadget/settings", f"/admin/jobs/{job_id}/cancel",
                 f"/admin/shop/keys/{key_id}/revoke"):
        assert editor.post(path).status_code == 403, path
    assert shop.plugin_state("gadget")["state"] == "installed" and not key_revoked(shop, key_id)
    for path in ("/admin/dashboard", "/admin/drafts", "/admin/jobs", f"/admin/jobs/{job_id}"):
        assert editor.get(path).status_code == 200, path
    nav = text(editor.get("/admin/dashboard"))
    assert 'href="/admin/plugins"' not in nav and 'href="/admin/uploads"' not in nav


# -- shops apart -------------------------------------------------------------------------------
def test_admin_of_shop_a_gets_not_found_for_shop_b(app, shop):
    other = add_fixture_shop(app, "bravo", "Bravo Goods")
    their_draft, their_job = draft(other, {"description_html": "<p>theirs</p>"}), job(other)
    mine = admin_client(app, shop)
    for path in (f"/admin/drafts/{their_draft}", f"/admin/drafts/{their_draft}/edit", f"/admin/jobs/{their_job}"):
        assert mine.get(path).status_code == 404, path
    their_key = api_key_id(other)
    for path in (f"/admin/drafts/{their_draft}/approve", f"/admin/drafts/{their_draft}/reject",
                 f"/admin/jobs/{their_job}/cancel", f"/admin/jobs/{their_job}/retry",
                 f"/admin/shop/keys/{their_key}/revoke", f"/admin/shop/keys/{2**64}/revoke"):
        assert mine.post(path).status_code == 404, path
    assert not key_revoked(other, their_key)
    assert f'data-key-id="{their_key}"' not in text(mine.get("/admin/shop"))
    assert their_job not in [j["id"] for j in mine.get("/admin/jobs.json").get_json()["jobs"]]
    assert mine.get(f"/admin/jobs.json?id={their_job}").get_json() == {"jobs": []}
    assert "Bravo Goods" not in text(mine.get("/admin/dashboard"))
    assert other.state.jobs.get(other.id, their_job).status == "queued"
    with other.state.db.session() as db:
        assert db.get(GeneratedContent, their_draft).status == "draft"


def test_a_session_cannot_be_moved_to_another_shop(app, shop):
    other = add_fixture_shop(app, "bravo", "Bravo Goods")
    mine = admin_client(app, shop)
    with mine.client.session_transaction() as session:
        session["shop_id"] = other.id  # the cookie is signed, but check the pairing anyway
    assert mine.get("/admin/dashboard").status_code == 302
    assert re.search(r"/admin/login", mine.get("/admin/jobs").headers["Location"])


def test_signing_out_ends_every_copy_of_the_session(sw_app_factory):
    from shopwright.host.testing import add_fixture_shop, admin_client

    app = sw_app_factory()
    shop = add_fixture_shop(app)
    admin = admin_client(app, shop, role="owner")
    stolen = app.test_client()
    stolen.set_cookie("session", admin.client.get_cookie("session").value)
    assert stolen.get("/admin/dashboard").status_code == 200
    admin.post("/admin/logout")
    assert stolen.get("/admin/dashboard").status_code == 302  # back to the sign-in page
