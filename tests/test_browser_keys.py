"""An owner revokes a leaked API key from the Shop settings page, in Chromium: the page lists the
shop's keys with their last use, asks before revoking, and the key is refused by the API at once;
and the dashboard tells the owner when their account was under attack, and links to changing
their password. Under the admin's real Content-Security-Policy, without a violation."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from shopwright.host.api.auth import key_usage
from shopwright.host.testing import add_fixture_shop
from tests.browser_kit import OWNER_PASSWORD, live_server, sign_in
from tests.csp_watch import settle, watch_csp

pytestmark = pytest.mark.browser

PASSWORD = OWNER_PASSWORD


@pytest.fixture
def shop(sw_app_factory):
    shop = add_fixture_shop(sw_app_factory())
    shop.add_user("owner@acme.example", PASSWORD, role="owner")
    return shop


def api_status(base: str, key: str) -> int:
    request = urllib.request.Request(base + "/api/v1/products", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_owner_revokes_a_key_from_the_shop_settings_page(shop, page):
    leaked, kept = shop.api_key("read:catalog", name="old storefront"), shop.api_key("write:events", name="tracker")
    violations = watch_csp(page)
    with live_server(shop.app) as base:
        assert api_status(base, leaked) == 200  # the server now has the key cached
        with shop.app.app_context():
            key_usage().flush()
        sign_in(page, base)
        page.goto(base + "/admin/shop")
        row = page.locator("tr", has_text="old storefront")
        expect(row).to_contain_text("read:catalog")
        expect(row).not_to_contain_text("never")  # it was used a moment ago
        expect(page.locator("tr", has_text="tracker")).to_contain_text("never")
        page.once("dialog", lambda dialog: dialog.dismiss())  # second thoughts: nothing happens
        row.get_by_role("button", name="Revoke").click()
        expect(row).to_contain_text("active")
        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Revoke").click()
        expect(page.get_by_text("API key “old storefront” revoked")).to_be_visible()
        expect(page.locator("tr", has_text="old storefront")).to_contain_text("revoked")
        expect(page.locator("tr", has_text="tracker").get_by_role("button", name="Revoke")).to_be_visible()
        assert api_status(base, leaked) == 401
        assert api_status(base, kept) == 403  # still a valid key; it just may not read the catalogue
        settle(page)
    assert violations == [] and page.js_errors == []


def guess_from(shop, address: str, guesses: int) -> None:
    client = shop.app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    for n in range(guesses):
        form = client.get("/admin/login").get_data(as_text=True)
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post("/admin/login", data={"csrf_token": token, "shop": shop.slug, "email": "owner@acme.example",
                                          "password": f"guess {n}"})


def test_dashboard_tells_the_owner_their_account_was_under_attack(shop, page):
    guess_from(shop, "203.0.113.5", 4)
    guess_from(shop, "198.51.100.23", 2)
    violations = watch_csp(page)
    with live_server(shop.app) as base:
        sign_in(page, base)
        notice = page.get_by_role("alert").filter(has_text="Someone tried to sign in to your account")
        expect(notice).to_contain_text("6 sign-in attempts from 2 addresses")
        expect(notice).to_contain_text("6 with a wrong password")
        expect(notice).to_contain_text("203.0.113.5 (4)")
        notice.get_by_role("button", name="Dismiss").click()
        expect(page.get_by_text("Notice dismissed.")).to_be_visible()
        expect(page.get_by_text("Someone tried to sign in")).to_have_count(0)
        settle(page)
    assert violations == [] and page.js_errors == []


def test_the_owner_changes_their_password_from_the_notice(shop, page):
    guess_from(shop, "203.0.113.5", 2)
    violations = watch_csp(page)
    with live_server(shop.app) as base:
        sign_in(page, base)
        notice = page.get_by_role("alert").filter(has_text="Someone tried to sign in to your account")
        notice.get_by_role("link", name="change your password").click()
        page.get_by_label("Current password").fill(PASSWORD)
        page.get_by_label("New password", exact=True).fill("a brand new secret")
        page.get_by_label("New password again").fill("a brand new secret")
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_text("Your password was changed")).to_be_visible()
        settle(page)
    assert violations == [] and page.js_errors == []


def test_the_keys_table_scrolls_on_a_phone_instead_of_widening_the_page(shop, page):
    shop.api_key("read:catalog", "write:events", "read:orders", name="a storefront with a long name")
    page.set_viewport_size({"width": 390, "height": 844})
    with live_server(shop.app) as base:
        sign_in(page, base)
        page.goto(base + "/admin/shop")
        expect(page.get_by_role("button", name="Revoke")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
