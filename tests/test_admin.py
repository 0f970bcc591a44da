"""The admin panel as an owner uses it: sign in, dashboard, plugins and their settings, uploads,
jobs and shop settings (the review queue and plugin pages have files of their own)."""

from __future__ import annotations

import io
import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from marshmallow import Schema, fields, validate
from sqlalchemy import event, select

import tests.widget_doubles as shelf
from shopwright.host.admin.auth import throttle
from shopwright.host.admin.core import EXTENSION as ADMIN
from shopwright.host.admin.forms import parse_origins
from shopwright.host.admin.throttle import LoginThrottle
from shopwright.host.api.auth import key_usage
from shopwright.host.limitstore import SQLiteStorage
from shopwright.host.models import AdminUser, Shop, SignInFailure
from shopwright.host.testing import add_fixture_shop, admin_client
from tests.plugin_doubles import make_plugin

PASSWORD = "correct horse battery"
SECRET = "sk-live-never-echo-0123"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Settings(Schema):
    threshold = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100),
                               metadata={"label": "Low-stock threshold", "description": "Units left"})
    tone = fields.String(load_default="friendly", validate=validate.OneOf(["friendly", "formal"]))
    api_key = fields.String(load_default="", metadata={"secret": True})
    show_badge = fields.Boolean(load_default=True)


def tuned_plugin():
    return make_plugin("tuned", "ok", hooks=["on_enable"], settings=Settings, description="Tunes things")


@pytest.fixture
def app(sw_app_factory):
    return sw_app_factory(plugins=[tuned_plugin()])


def token(client, path="/admin/login") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, shop, email, password, **extra):
    return client.post("/admin/login", data={"csrf_token": token(client), "shop": shop.slug, "email": email,
                                             "password": password, **extra})


def text(response) -> str:
    return response.get_data(as_text=True)


# -- signing in and out ------------------------------------------------------------------------
def test_login_succeeds_and_lands_on_the_dashboard(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    client = app.test_client()
    page = text(client.get("/admin/login"))
    assert 'type="hidden" name="shop" value="acme"' in page  # one shop: no need to type it
    response = sign_in(client, shop, "Owner@Acme.example", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/dashboard")
    dashboard = client.get("/admin/dashboard")
    assert dashboard.status_code == 200 and "owner@acme.example" in text(dashboard)


def test_wrong_password_and_unknown_account_read_the_same(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    client = app.test_client()
    wrong = sign_in(client, shop, "owner@acme.example", "not the password")
    unknown = sign_in(client, shop, "nobody@acme.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an account" in text(wrong) and "do not match an account" in text(unknown)
    assert client.get("/admin/dashboard").status_code == 302


LOGIN_ERROR = re.compile(r'<p[^>]*id="login-error"[^>]*>([^<]*)</p>')


def login_error(response) -> str:
    found = LOGIN_ERROR.search(text(response))
    assert found, "the failed sign-in page shows no error"
    return found.group(1)


def test_a_failed_sign_in_names_only_the_fields_on_the_page(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    client = app.test_client()
    page = text(client.get("/admin/login"))
    assert 'type="hidden" name="shop"' in page  # one shop: the page asks only for email and password
    for email in ("owner@acme.example", "nobody@acme.example"):
        error = login_error(sign_in(client, shop, email, "not the password")).lower()
        assert "shop" not in error and "email" in error and "password" in error


def test_a_failed_sign_in_names_the_shop_when_the_page_asks_for_it(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    add_fixture_shop(app, "other", "Other shop")
    failed = sign_in(app.test_client(), shop, "owner@acme.example", "not the password")
    assert failed.status_code == 401 and 'id="shop"' in text(failed)
    error = login_error(failed).lower()
    assert "shop" in error and "email" in error and "password" in error


def test_shop_field_is_shown_when_the_server_has_several_shops(app, shop):
    add_fixture_shop(app, "other", "Other shop")
    page = text(app.test_client().get("/admin/login"))
    assert 'name="shop" type="text"' in page or 'type="text" name="shop"' in page or 'id="shop"' in page


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def failures_recorded(shop, email: str) -> dict[str, int]:
    """What the notice will count: failures per address on a real account."""
    with shop.state.db.session() as db:
        rows = db.execute(select(SignInFailure.address, SignInFailure.failures)
                          .join(AdminUser, AdminUser.id == SignInFailure.admin_user_id)
                          .where(AdminUser.email == email)).all()
    return dict(rows)


def test_five_failures_lock_the_account_without_telling_whether_it_exists(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    client = app.test_client()
    answers = [sign_in(client, shop, "owner@acme.example", f"wrong {i}") for i in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    locked = sign_in(client, shop, "owner@acme.example", PASSWORD)
    assert locked.status_code == 429 and "Wait 15 minutes" in text(locked)
    ghosts = [sign_in(client, shop, "ghost@acme.example", f"wrong {i}") for i in range(6)]
    assert [g.status_code for g in ghosts] == [401, 401, 401, 401, 429, 429]
    assert "Wait 15 minutes" in text(ghosts[-1])
    assert failures_recorded(shop, "owner@acme.example") == {"127.0.0.1": 5}  # the locked one was not checked


def test_guessing_from_one_address_does_not_lock_the_owner_out(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    attacker = client_at(app, "203.0.113.9")
    for i in range(8):
        sign_in(attacker, shop, "owner@acme.example", f"wrong {i}")
    assert sign_in(attacker, shop, "owner@acme.example", PASSWORD).status_code == 429
    assert sign_in(client_at(app, "198.51.100.4"), shop, "owner@acme.example", PASSWORD).status_code == 302
    assert failures_recorded(shop, "owner@acme.example") == {}  # the owner's sign-in turned them into a notice
    assert sign_in(attacker, shop, "owner@acme.example", PASSWORD).status_code == 429  # still locked there


def test_twenty_failures_from_a_handful_of_addresses_do_not_lock_the_owner_out(app, shop):
    """The outside probe's case: 20 wrong passwords from four addresses once locked the account for
    everyone for 15 minutes. The owner, from an address that has not been failing, gets in."""
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    for n in range(1, 5):
        attacker = client_at(app, f"203.0.113.{n}")
        for i in range(5):
            sign_in(attacker, shop, "owner@acme.example", f"wrong {n}.{i}")
    assert sign_in(client_at(app, "198.51.100.4"), shop, "owner@acme.example", PASSWORD).status_code == 302
    assert sign_in(client_at(app, "203.0.113.1"), shop, "owner@acme.example", PASSWORD).status_code == 429


def test_after_many_failures_each_failing_address_gets_one_guess(sw_app_factory):
    app = sw_app_factory(ADMIN_LOCK_AFTER=2, ADMIN_ACCOUNT_LOCK_AFTER=7)
    shop = add_fixture_shop(app)
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    for email in ("owner@acme.example", "ghost@acme.example"):  # an account, and no account: alike
        early = sign_in(client_at(app, "10.0.0.9"), shop, email, "wrong")  # fails once before the attack
        answers = [sign_in(client_at(app, f"10.0.0.{n}"), shop, email, "wrong") for n in range(1, 4) for _ in range(2)]
        assert early.status_code == 401 and [a.status_code for a in answers] == [401, 429, 401, 429, 401, 429]
        # The account backs off: a new address gets one guess, an address that failed gets none.
        assert sign_in(client_at(app, "10.0.0.50"), shop, email, "wrong").status_code == 429
        late = sign_in(client_at(app, "10.0.0.9"), shop, email, PASSWORD)
        assert late.status_code == 429 and "under attack" in text(late) and "wait 15 minutes" in text(late)
    # A fresh address waits its turn (one every few seconds for the whole account), then gets in.
    waiting = sign_in(client_at(app, "10.0.0.99"), shop, "owner@acme.example", PASSWORD)
    assert waiting.status_code == 429 and "under attack" in text(waiting)
    assert re.search(r"Try again in [1-5] seconds?\.", text(waiting))
    let_the_turn_pass(app, ("acme", "owner@acme.example"))
    assert sign_in(client_at(app, "10.0.0.99"), shop, "owner@acme.example", PASSWORD).status_code == 302


def let_the_turn_pass(app, account):
    """What waiting ADMIN_ATTACK_SPACING_S seconds does, without waiting: the account's turn ends."""
    with app.app_context():
        guard = throttle()
        guard.storage.clear(guard._turn(account))


def test_under_attack_fresh_addresses_take_turns_and_the_owner_gets_in(sw_app_factory):
    """A crowd of fresh addresses (a botnet) gets one guess per turn for the whole account, not one
    guess each at once; an address turned away is not counted as failing, so the owner, told to
    wait a few seconds, then signs in."""
    app = sw_app_factory(ADMIN_ACCOUNT_LOCK_AFTER=5)
    shop = add_fixture_shop(app)
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    account = ("acme", "owner@acme.example")
    for n in range(5):
        sign_in(client_at(app, f"10.2.0.{n}"), shop, "owner@acme.example", "wrong")
    with app.app_context():
        assert throttle().under_attack(account)
    first = sign_in(client_at(app, "10.2.1.1"), shop, "owner@acme.example", "wrong")
    assert first.status_code == 429 and "under attack" in text(first)  # checked: its one guess, then locked
    crowd = [sign_in(client_at(app, f"10.2.2.{n}"), shop, "owner@acme.example", "wrong") for n in range(20)]
    assert all(r.status_code == 429 and "Try again in" in text(r) for r in crowd)  # none was checked
    assert sum(failures_recorded(shop, "owner@acme.example").values()) == 6
    owner = client_at(app, "10.2.2.7")  # the owner, unlucky enough to share an address with the crowd
    told = sign_in(owner, shop, "owner@acme.example", PASSWORD)
    assert told.status_code == 429 and "This account is under attack" in text(told)
    let_the_turn_pass(app, account)
    assert sign_in(owner, shop, "owner@acme.example", PASSWORD).status_code == 302


def test_an_ipv6_slash_64_counts_as_one_address(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    answers = [sign_in(client_at(app, f"2001:db8:1:2::{n:x}"), shop, "owner@acme.example", "wrong")
               for n in range(1, 7)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429, 429]
    assert sign_in(client_at(app, "2001:db8:1:2:ffff::1"), shop, "owner@acme.example", PASSWORD).status_code == 429
    assert failures_recorded(shop, "owner@acme.example") == {"2001:db8:1:2::/64": 5}  # one row, not six
    assert sign_in(client_at(app, "2001:db8:1:3::1"), shop, "owner@acme.example", PASSWORD).status_code == 302


def test_an_ipv6_slash_64_shares_one_address_limit(sw_app_factory):
    app = sw_app_factory(ADMIN_LOGIN_IP_LIMIT="3 per 1 hour")
    shop = add_fixture_shop(app)
    for n in range(3):
        sign_in(client_at(app, f"2001:db8::{n + 1}"), shop, f"guess{n}@acme.example", "wrong")
    throttled = sign_in(client_at(app, "2001:db8::ffff"), shop, "owner@acme.example", PASSWORD)
    assert throttled.status_code == 429 and "from your network" in text(throttled)


def test_the_notice_counts_attempts_refused_unchecked(app, shop, tmp_path):
    """10 guesses from one address: 5 checked and failed, 5 turned away while it was locked out;
    the notice counts all 10, though the database is written once a second, not per attempt."""
    frozen = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.db'}", clock=lambda: 1000.0)  # all in one second
    app.extensions[ADMIN].throttle = LoginThrottle(app.config, frozen)
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    attacker = client_at(app, "203.0.113.5")
    for i in range(10):
        sign_in(attacker, shop, "owner@acme.example", f"wrong {i}")
    with shop.state.db.session() as db:
        assert db.execute(select(SignInFailure.failures, SignInFailure.refused)).all() == [(5, 1)]  # 4 wait
    home = client_at(app, "198.51.100.4")
    assert sign_in(home, shop, "owner@acme.example", PASSWORD).status_code == 302
    page = text(home.get("/admin/dashboard"))
    assert re.search(r"10 sign-in attempts from\s+1 address\s", page)
    assert re.search(r"5 with a wrong password, and 5\s+turned away unchecked", page)
    assert "<code>203.0.113.5</code> (10)" in page
    assert "was not affected" not in page and 'href="/admin/account"' in page


def test_parallel_wrong_passwords_are_all_counted(sw_app_factory):
    guesses = 8
    app = sw_app_factory(ADMIN_ACCOUNT_LOCK_AFTER=guesses)
    shop = add_fixture_shop(app)
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    clients = [client_at(app, f"10.1.0.{n}") for n in range(guesses)]
    forms = [{"csrf_token": token(client), "shop": shop.slug, "email": "owner@acme.example", "password": "wrong"}
             for client in clients]
    start, statuses = threading.Barrier(guesses), []

    def guess(client, form):
        start.wait()
        statuses.append(client.post("/admin/login", data=form).status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == guesses and set(statuses) <= {401, 429} and 429 in statuses  # the last one counted
    assert sum(failures_recorded(shop, "owner@acme.example").values()) == guesses
    with app.app_context():
        assert throttle().under_attack(("acme", "owner@acme.example"))
    assert all(sign_in(client, shop, "owner@acme.example", PASSWORD).status_code == 429 for client in clients[:2])


def test_sign_in_limits_hold_across_server_processes(sw_app_factory, tmp_path):
    """Two apps on one instance folder stand for two gunicorn workers: guesses sent to either
    are counted together."""
    first = sw_app_factory(INSTANCE_PATH=str(tmp_path))
    shop = add_fixture_shop(first)
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    second = sw_app_factory(INSTANCE_PATH=str(tmp_path))
    clients = [client_at(first, "203.0.113.7"), client_at(second, "203.0.113.7")]
    answers = [sign_in(clients[n % 2], shop, "owner@acme.example", f"wrong {n}") for n in range(6)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429, 429]


def test_failed_attempts_from_one_address_are_throttled(sw_app_factory):
    app = sw_app_factory(ADMIN_LOGIN_IP_LIMIT="3 per 1 hour")
    shop = add_fixture_shop(app)
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    client = app.test_client()
    for i in range(3):
        assert sign_in(client, shop, f"guess{i}@acme.example", "wrong").status_code == 401
    throttled = sign_in(client, shop, "owner@acme.example", PASSWORD)
    assert throttled.status_code == 429 and "from your network" in text(throttled)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert sign_in(elsewhere, shop, "owner@acme.example", PASSWORD).status_code == 302


def test_login_replaces_the_session_and_logout_clears_it(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    client = app.test_client()
    before = token(client)
    sign_in(client, shop, "owner@acme.example", PASSWORD)
    stale = client.post("/admin/logout", data={"csrf_token": before})
    assert stale.status_code == 400  # the pre-login token died with the old session
    assert client.get("/admin/logout").status_code == 405  # signing out is a POST
    out = client.post("/admin/logout", data={"csrf_token": token(client, "/admin/dashboard")})
    assert out.status_code == 302 and out.headers["Location"].endswith("/admin/login")
    assert client.get("/admin/dashboard").status_code == 302


def test_unauthenticated_pages_redirect_to_login_and_come_back(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    client = app.test_client()
    response = client.get("/admin/jobs?status=failed")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/admin/login" and parse_qs(location.query) == {"next": ["/admin/jobs?status=failed"]}
    back = sign_in(client, shop, "owner@acme.example", PASSWORD, next="/admin/jobs?status=failed")
    assert back.headers["Location"].endswith("/admin/jobs?status=failed")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin", "/\\evil.example", "/shop/x"])
def test_login_never_redirects_off_the_admin(app, shop, target):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    response = sign_in(app.test_client(), shop, "owner@acme.example", PASSWORD, next=target)
    assert response.headers["Location"].endswith("/admin/dashboard")


def test_session_cookie_is_httponly_and_samesite(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    response = sign_in(app.test_client(), shop, "owner@acme.example", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# -- dashboard ---------------------------------------------------------------------------------
def test_dashboard_counts_jobs_and_alerts(app, shop, owner):
    shop.enable("tuned")
    shop.state.lifecycle.record_failure(shop.id, "tuned", "RuntimeError: the feed is down")
    page = text(owner.get("/admin/dashboard"))
    assert "Products" in page and re.search(r'stat-value">2<', page)
    assert "tuned" in page and "failing" in page and "the feed is down" in page
    for _ in range(5):
        shop.state.lifecycle.record_failure(shop.id, "tuned", "RuntimeError: still down")
    page = text(owner.get("/admin/dashboard"))
    assert "quarantined" in page and "failures in a row" in page


def test_navigation_marks_the_current_page(owner):
    page = text(owner.get("/admin/jobs"))
    assert re.search(r'href="/admin/jobs" aria-current="page"', page)
    assert 'href="/admin/dashboard" aria-current' not in page


def test_the_dashboard_tells_the_owner_their_account_was_under_attack(app, shop):
    shop.add_user("owner@acme.example", PASSWORD, "owner")
    home = client_at(app, "198.51.100.4")
    assert sign_in(home, shop, "owner@acme.example", PASSWORD).status_code == 302
    assert "Someone tried to sign in" not in text(home.get("/admin/dashboard"))
    for n, guesses in ((1, 3), (2, 2), (3, 1)):
        attacker = client_at(app, f"203.0.113.{n}")
        for i in range(guesses):
            sign_in(attacker, shop, "owner@acme.example", f"wrong {i}")
    phone = client_at(app, "192.0.2.10")
    sign_in(phone, shop, "owner@acme.example", "typo")  # the owner's own slip: not part of the notice
    assert sign_in(phone, shop, "owner@acme.example", PASSWORD).status_code == 302
    page = text(phone.get("/admin/dashboard"))
    assert "Someone tried to sign in to your account" in page
    assert re.search(r"6 sign-in attempts from\s+3 addresses\s+since your sign-in of", page)
    assert "6 with a wrong password." in page
    assert "<code>203.0.113.1</code> (3)" in page
    dismissed = phone.post("/admin/dashboard/sign-in-notice/dismiss",
                           data={"csrf_token": token(phone, "/admin/dashboard")})
    assert dismissed.status_code == 302
    assert "Someone tried to sign in" not in text(phone.get("/admin/dashboard"))
    assert sign_in(client_at(app, "198.51.100.4"), shop, "owner@acme.example", PASSWORD).status_code == 302
    assert "Someone tried to sign in" not in text(home.get("/admin/dashboard"))  # nothing new since


# -- your account ------------------------------------------------------------------------------
def change_password(client, current, new, confirm=None):
    return client.post("/admin/account", data={"csrf_token": token(client, "/admin/account"), "current": current,
                                                "new": new, "confirm": new if confirm is None else confirm})


@pytest.mark.parametrize("role", ["owner", "editor"])
def test_a_signed_in_user_changes_their_password(app, shop, role):
    shop.add_user("me@acme.example", PASSWORD, role)
    here, elsewhere = client_at(app, "198.51.100.4"), client_at(app, "192.0.2.10")
    for client in (here, elsewhere):
        assert sign_in(client, shop, "me@acme.example", PASSWORD).status_code == 302
    page = text(here.get("/admin/dashboard"))
    assert 'href="/admin/account"' in page  # from every page's top bar
    form = text(here.get("/admin/account"))
    assert "Change your password" in form and 'autocomplete="current-password"' in form
    wrong = change_password(here, "not my password", "a brand new secret")
    assert wrong.status_code == 422 and "That is not your current password." in text(wrong)
    differ = change_password(here, PASSWORD, "a brand new secret", "a brand new secreT")
    assert differ.status_code == 422 and "The two new passwords differ." in text(differ)
    short = change_password(here, PASSWORD, "short")
    assert short.status_code == 422 and "Your password was not changed" in text(short)
    changed = change_password(here, PASSWORD, "a brand new secret")
    assert changed.status_code == 302 and "Your password was changed" in text(here.get("/admin/account"))
    assert here.get("/admin/dashboard").status_code == 200  # this session stays
    assert elsewhere.get("/admin/dashboard").status_code == 302  # every other one is signed out
    assert sign_in(client_at(app, "192.0.2.11"), shop, "me@acme.example", PASSWORD).status_code == 401
    assert sign_in(client_at(app, "192.0.2.12"), shop, "me@acme.example", "a brand new secret").status_code == 302


def test_guessing_the_current_password_counts_against_the_address(sw_app_factory):
    app = sw_app_factory(ADMIN_LOGIN_IP_LIMIT="3 per 1 hour")
    shop = add_fixture_shop(app)
    shop.add_user("me@acme.example", PASSWORD, "editor")
    client = client_at(app, "198.51.100.4")
    assert sign_in(client, shop, "me@acme.example", PASSWORD).status_code == 302
    answers = [change_password(client, f"guess {n}", "a brand new secret").status_code for n in range(4)]
    assert answers == [422, 422, 422, 429]


# -- plugins -----------------------------------------------------------------------------------
def test_plugins_page_lists_state_permissions_and_toggles(shop, owner):
    page = text(owner.get("/admin/plugins"))
    assert "tuned" in page and "Tunes things" in page and "Read customer details" in page
    response = owner.post("/admin/plugins/tuned/enable", {"grant": ["read:catalog", "read:reviews"]})
    assert response.status_code == 302
    described = shop.plugin_state("tuned")
    assert described["state"] == "enabled" and sorted(described["granted"]) == ["read:catalog", "read:reviews"]
    assert "is enabled" in text(owner.get("/admin/plugins"))
    owner.post("/admin/plugins/tuned/disable")
    assert shop.plugin_state("tuned")["state"] == "disabled"


def test_plugins_page_shows_quarantine_reason_and_incompatible_plugins(sw_app_factory):
    old = make_plugin("antique", "ok", hooks=["on_enable"], requires_host="<0.0.1")
    app = sw_app_factory(plugins=[tuned_plugin(), old])
    shop = add_fixture_shop(app)
    shop.enable("tuned")
    for _ in range(5):
        shop.state.lifecycle.record_failure(shop.id, "tuned", "ValueError: bad row")
    owner = admin_client(app, shop)
    page = text(owner.get("/admin/plugins"))
    assert "Quarantined:" in page and "5 failures in a row" in page and "Enable again tuned" in page
    assert "requires host &lt;0.0.1" in page and "Enable antique" not in page
    assert owner.post("/admin/plugins/antique/enable").status_code == 302
    assert "cannot be enabled" in text(owner.get("/admin/plugins"))
    assert owner.post("/admin/plugins/nothing/enable").status_code == 404


def test_settings_form_shows_schema_fields_and_masks_secrets(shop, owner):
    shop.configure("tuned", api_key=SECRET)
    page = text(owner.get("/admin/plugins/tuned/settings"))
    assert 'type="number" id="setting-threshold" name="threshold" value="5"' in page
    assert '<select id="setting-tone" name="tone"' in page and 'value="formal"' in page
    assert 'type="checkbox" id="setting-show_badge" name="show_badge" value="on" checked' in page
    assert 'type="password" id="setting-api_key"' in page and SECRET not in page
    assert 'data-secret-state="set"' in page and "Low-stock threshold" in page


def test_settings_errors_are_shown_per_field_and_nothing_is_written(shop, owner):
    shop.configure("tuned", threshold=7, api_key=SECRET)
    response = owner.post("/admin/plugins/tuned/settings",
                          {"threshold": "500", "tone": "shouty", "api_key": "", "show_badge": "on"})
    page = text(response)
    assert response.status_code == 422 and "were not saved" in page
    assert re.search(r'id="setting-threshold-errors"><li>Must be greater than or equal to 1', page)
    assert re.search(r'id="setting-tone-errors"><li>Must be one of', page)
    assert 'value="500"' in page  # what was typed stays in the form
    stored = shop.state.lifecycle.stored_settings(shop.id, "tuned")
    assert stored["threshold"] == 7 and stored["tone"] == "friendly" and stored["api_key"] == SECRET


def test_settings_save_keeps_a_blank_secret_and_reads_checkboxes(shop, owner):
    shop.configure("tuned", api_key=SECRET)
    response = owner.post("/admin/plugins/tuned/settings", {"threshold": "9", "tone": "formal", "api_key": ""})
    assert response.status_code == 302
    stored = shop.state.lifecycle.stored_settings(shop.id, "tuned")
    assert stored == {"threshold": 9, "tone": "formal", "api_key": SECRET, "show_badge": False}
    assert "Settings of tuned saved." in text(owner.get("/admin/plugins/tuned/settings"))
    owner.post("/admin/plugins/tuned/settings", {"threshold": "9", "tone": "formal", "api_key": "sk-new"})
    assert shop.state.lifecycle.stored_settings(shop.id, "tuned")["api_key"] == "sk-new"


# -- uploads -----------------------------------------------------------------------------------
def upload(owner, kind, name, data, **extra):
    return owner.post("/admin/uploads", {"kind": kind, "file": (io.BytesIO(data), name), **extra},
                      content_type="multipart/form-data")


def test_upload_imports_a_good_file_and_reports_counts(shop, owner):
    response = upload(owner, "customers", "people.csv",
                      b"email,first_name\nann@example.com,Ann\ndana@example.com,Dana\n")
    page = text(response)
    assert response.status_code == 200 and "Imported people.csv" in page
    assert 'data-count="created">1<' in page and 'data-count="updated">1<' in page


def test_upload_of_a_bad_csv_lists_row_errors_and_writes_nothing(shop, owner):
    response = upload(owner, "customers", "people.csv",
                      b"email,first_name\nann@example.com,Ann\nnot-an-email,Bob\n,Cy\n")
    page = text(response)
    assert response.status_code == 422 and "Nothing was written" in page
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", page)
    assert [(row, field) for row, field, _ in rows] == [("3", "email"), ("4", "email")]
    from shopwright.host.models import Customer

    with shop.state.db.session() as db:
        assert db.scalar(select(Customer).where(Customer.email == "ann@example.com")) is None


def test_upload_without_a_file_asks_for_one(owner):
    response = owner.post("/admin/uploads", {"kind": "products"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a file to upload." in text(response)


def test_upload_in_the_background_queues_an_import_job(shop, owner):
    response = upload(owner, "customers", "people.csv", b"email,first_name\nann@example.com,Ann\n", background="y")
    assert response.status_code == 302 and "/admin/jobs/" in response.headers["Location"]
    assert shop.state.jobs.run_pending() == 1
    job = shop.state.jobs.list(shop.id)[0]
    assert (job.type, job.status) == ("host.import", "succeeded")
    assert job.created_by.startswith("user:owner-") and job.result["created"] == 1


def test_too_large_upload_gets_a_friendly_page(app, owner):
    # A few KB rather than MAX_UPLOAD_MB: the test client spools bigger bodies to a file it never closes.
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = upload(owner, "products", "big.csv", b"x" * 5000)
    assert response.status_code == 413 and "Uploads are limited to 4 KB" in text(response)


# -- jobs --------------------------------------------------------------------------------------
def register_work(shop):
    def work(job):
        job.progress(1, 1, "all done")
        return {"made": 3}

    if "test.work" not in shop.state.jobs.types:
        shop.state.jobs.register("test.work", work, title="Test work")


def test_jobs_page_shows_progress_bars_and_the_json_feed(shop, owner):
    register_work(shop)
    job_id = shop.state.jobs.enqueue(shop.id, "test.work", {})
    page = text(owner.get("/admin/jobs"))
    assert f'<progress id="job-{job_id}-progress" data-job-id="{job_id}" max="100" value="0"' in page
    assert f'aria-label="Progress of job {job_id}"' in page and 'data-polling="on"' in page
    shop.state.jobs.run_pending()
    feed = owner.get("/admin/jobs.json").get_json()
    assert feed["jobs"][0] == {"id": job_id, "type": "test.work", "status": "succeeded", "progress": 1.0,
                               "percent": 100, "message": "all done", "finished": True}
    assert owner.get(f"/admin/jobs.json?id={job_id}&id=99999").get_json()["jobs"] == feed["jobs"]
    assert 'value="100"' in text(owner.get("/admin/jobs"))
    detail = text(owner.get(f"/admin/jobs/{job_id}"))
    assert "Test work" in detail and "&#34;made&#34;: 3" in detail


def test_jobs_cancel_and_retry(shop, owner):
    register_work(shop)
    job_id = shop.state.jobs.enqueue(shop.id, "test.work", {})
    assert owner.post(f"/admin/jobs/{job_id}/cancel").status_code == 302
    assert shop.state.jobs.get(shop.id, job_id).status == "cancelled"
    assert "is cancelled" in text(owner.get("/admin/jobs"))
    owner.post(f"/admin/jobs/{job_id}/cancel")
    assert "cannot be cancelled" in text(owner.get("/admin/jobs"))
    response = owner.post(f"/admin/jobs/{job_id}/retry", {"next": f"/admin/jobs/{job_id}"})
    assert response.headers["Location"].endswith(f"/admin/jobs/{job_id}")
    assert shop.state.jobs.get(shop.id, job_id).status == "queued"
    assert owner.get("/admin/jobs/99999").status_code == 404


# -- shop settings -----------------------------------------------------------------------------
def test_shop_settings_save_name_theme_and_origins(shop, owner):
    page = text(owner.get("/admin/shop"))
    assert '<option selected value="default">' in page or 'value="default" selected' in page
    response = owner.post("/admin/shop", {"name": "Acme Two", "theme": "default",
                                          "allowed_origins": "https://Shop.Example.com/\n\nhttp://localhost:8080"})
    assert response.status_code == 302
    with shop.state.db.session() as db:
        row = db.get(Shop, shop.id)
        assert (row.name, row.allowed_origins) == ("Acme Two", ["https://shop.example.com", "http://localhost:8080"])


def test_owner_sees_api_keys_with_last_use_and_revokes_one(shop, owner):
    key, other = shop.api_key("read:catalog", name="storefront"), shop.api_key("write:events", name="tracker")
    api = shop.app.test_client()
    assert api.get("/api/v1/products", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    with shop.app.app_context():
        key_usage().flush()
    page = text(owner.get("/admin/shop"))
    rows = dict(re.findall(r'<tr data-key-id="(\d+)">\s*<td>([^<]*)</td>', page))
    assert sorted(rows.values()) == ["storefront", "tracker"]
    storefront = next(key_id for key_id, name in rows.items() if name == "storefront")
    row = page[page.index(f'data-key-id="{storefront}"'):]
    assert "read:catalog" in row and "never" not in row[:row.index("</tr>")]  # it was used
    assert key.split("_", 2)[2] not in page  # never the secret
    response = owner.post(f"/admin/shop/keys/{storefront}/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/shop#api-keys")
    assert "API key “storefront” revoked" in text(owner.get("/admin/shop"))
    refused = api.get("/api/v1/products", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401  # on the very next request, though it was cached
    assert api.get("/api/v1/products", headers={"Authorization": f"Bearer {other}"}).status_code == 403  # still valid
    assert owner.post("/admin/shop/keys/999999/revoke").status_code == 404


@pytest.mark.parametrize("origins", ["shop.example.com", "ftp://shop.example.com", "https://shop.example.com/path",
                                     "https://shop.example.com:99999", "https://user@shop.example.com"])
def test_shop_settings_refuse_bad_origins_field_by_field(shop, owner, origins):
    response = owner.post("/admin/shop", {"name": "", "theme": "no-such-theme", "allowed_origins": origins})
    page = text(response)
    assert response.status_code == 422
    assert re.search(r'id="name-errors"><li>The shop needs a name', page)
    assert re.search(r'id="theme-errors"><li>Not a valid choice', page)
    assert re.search(r'id="allowed_origins-errors"><li>“[^”]*” is not an origin', page)
    with shop.state.db.session() as db:
        assert db.get(Shop, shop.id).name == "Acme Outfitters"


def test_saved_shop_settings_reach_the_storefront_and_embeds_at_once(sw_app_factory):
    app = sw_app_factory(plugins=[shelf])
    shop = add_fixture_shop(app)
    shop.enable("shelf")
    owner = admin_client(app, shop)
    site = app.test_client()
    embed = {"path": "/embed/acme/widgets/shelf.echo.html", "headers": {"Origin": "https://www.acme.example"}}
    assert "/themes/linen/static/" not in text(site.get("/shop/acme/p/enamel-camp-mug"))  # now cached
    assert site.get(**embed).status_code == 403
    response = owner.post("/admin/shop", {"name": "Acme Outfitters", "theme": "linen",
                                          "allowed_origins": "https://www.acme.example:443"})
    assert response.status_code == 302
    assert "/themes/linen/static/" in text(site.get("/shop/acme/p/enamel-camp-mug"))
    assert site.get(**embed).status_code == 200


@pytest.mark.parametrize(("typed", "stored"), [
    ("https://shop.example.com:443", "https://shop.example.com"),
    ("http://shop.example.com:80/", "http://shop.example.com"),
    ("https://shop.example.com:80", "https://shop.example.com:80"),
    ("http://localhost:443", "http://localhost:443"),
    ("https://[::1]:443", "https://[::1]"),
])
def test_origins_drop_the_default_port_as_browsers_do(typed, stored):
    assert parse_origins(typed) == ([stored], [])
    assert parse_origins(f"{stored}\n{typed}") == ([stored], [])  # the same origin twice is kept once


def test_refused_background_import_shows_its_row_errors_on_the_job_page(shop, owner):
    response = upload(owner, "customers", "people.csv",
                      b"email,first_name\nann@example.com,Ann\nnot-an-email,Bob\n,Cy\n", background="y")
    job_path = response.headers["Location"]
    assert shop.state.jobs.run_pending() == 1
    job = shop.state.jobs.list(shop.id)[0]
    assert job.status == "failed" and job.error.startswith("ImportFailed: Nothing imported")
    page = text(owner.get(job_path))
    assert "people.csv was not imported" in page and 'class="row-errors"' in page
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", page)
    assert [(row, field) for row, field, _ in rows] == [("3", "email"), ("4", "email")]
    assert all(message.strip() for _, _, message in rows)
    assert "job-result-title" not in page  # the table, not the report's raw JSON


def test_jobs_feed_reads_the_requested_jobs_in_one_query(shop, owner):
    register_work(shop)
    ids = [shop.state.jobs.enqueue(shop.id, "test.work", {}) for _ in range(5)]
    other = add_fixture_shop(shop.app, "bravo", "Bravo")
    theirs = shop.state.jobs.enqueue(other.id, "test.work", {})
    statements = []

    def seen(conn, cursor, statement, *args):
        if "FROM jobs" in statement:
            statements.append(statement)

    engine = shop.state.db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        query = "&".join(f"id={job_id}" for job_id in [*ids, theirs, 99999])
        feed = owner.get(f"/admin/jobs.json?{query}").get_json()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [job["id"] for job in feed["jobs"]] == sorted(ids, reverse=True)  # not the other shop's
    assert len(statements) == 1


def test_unfinished_jobs_carry_a_hidden_retry_for_the_poller_to_show(shop, owner):
    register_work(shop)
    queued = shop.state.jobs.enqueue(shop.id, "test.work", {})
    page = text(owner.get("/admin/jobs"))
    assert re.search(rf'<span data-job-action="cancel" data-job-id="{queued}">\s*<form', page)
    assert re.search(rf'<span data-job-action="retry" data-job-id="{queued}" hidden>\s*<form', page)
    shop.state.jobs.cancel(shop.id, queued)
    page = text(owner.get(f"/admin/jobs/{queued}"))
    assert f'data-job-action="cancel" data-job-id="{queued}"' not in page
    assert re.search(rf'<span data-job-action="retry" data-job-id="{queued}">\s*<form', page)
    assert "Retry job" in page
