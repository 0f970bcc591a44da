"""Signing in and out of the admin, with throttling.

Two throttles, both answering the same words whether or not the account exists:

- per account: after `ADMIN_LOCK_AFTER` (5) failures in a row the account is locked for
  `ADMIN_LOCK_MINUTES` (15), stored on the AdminUser row so every server process honours it.
  Attempts on emails that have no account are counted the same way in memory, so a lock message
  never tells anyone which emails exist;
- per client IP: `ADMIN_LOGIN_IP_LIMIT` ("30 per 15 minutes") failed attempts, counted with the
  `limits` library in this process's memory.

A successful sign-in replaces the whole session (new CSRF token too), and signing out clears it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask import flash, redirect, request, session, url_for
from limits import RateLimitItemPerSecond, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from host.admin.core import admin, extension, render, safe_next, state, user
from host.admin.forms import LoginForm
from host.models import AdminUser, Shop, utcnow
from host.shops import check_password

WRONG = "That shop, email and password do not match an account."
LOCKED = "Too many failed sign-in attempts. Wait {minutes} minutes and try again."
THROTTLED = "Too many failed sign-in attempts from your network. Try again later."


@dataclass(frozen=True)
class LoginOutcome:
    user_id: int | None
    shop_id: int | None = None
    message: str = ""
    status: int = 200


class LoginThrottle:
    def __init__(self, config) -> None:
        self.limiter = FixedWindowRateLimiter(MemoryStorage())
        self.ip_limit = parse(str(config.get("ADMIN_LOGIN_IP_LIMIT", "30 per 15 minutes")))
        self.lock_after = int(config.get("ADMIN_LOCK_AFTER", 5))
        self.lock_minutes = float(config.get("ADMIN_LOCK_MINUTES", 15))
        self.unknown_limit = RateLimitItemPerSecond(self.lock_after, max(1, int(self.lock_minutes * 60)))

    @property
    def locked_message(self) -> str:
        return LOCKED.format(minutes=f"{self.lock_minutes:g}")

    def ip_allowed(self, ip: str) -> bool:
        return self.limiter.test(self.ip_limit, "admin-login-ip", ip)

    def ip_failed(self, ip: str) -> None:
        self.limiter.hit(self.ip_limit, "admin-login-ip", ip)

    def unknown_allowed(self, shop: str, email: str) -> bool:
        return self.limiter.test(self.unknown_limit, "admin-login-unknown", shop, email)

    def unknown_failed(self, shop: str, email: str) -> bool:
        """Count a failure for an email with no account; True when that "locks" it."""
        self.limiter.hit(self.unknown_limit, "admin-login-unknown", shop, email)
        return not self.unknown_allowed(shop, email)

    def account_failed(self, account: AdminUser) -> bool:
        """Count a failure on a real account; True when it is now locked."""
        now = utcnow()
        if account.locked_until is not None and account.locked_until <= now:
            account.failed_logins = 0  # the last lock ran out: a fresh series
        account.failed_logins += 1
        account.locked_until = None
        if account.failed_logins >= self.lock_after:
            account.locked_until = now + timedelta(minutes=self.lock_minutes)
            return True
        return False


def throttle() -> LoginThrottle:
    return extension().throttle


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Checked against for unknown accounts, so a miss costs as long as a wrong password.
    return generate_password_hash("not a password of anyone")


def attempt(shop_slug: str, email: str, password: str, ip: str) -> LoginOutcome:
    guard = throttle()
    if not guard.ip_allowed(ip):
        return LoginOutcome(None, message=THROTTLED, status=429)
    email = email.strip().lower()
    with state().db.session() as db:
        account = db.scalar(select(AdminUser).join(Shop, Shop.id == AdminUser.shop_id)
                            .where(Shop.slug == shop_slug.strip(), AdminUser.email == email))
        if account is None:
            return _unknown(guard, shop_slug, email, password, ip)
        if account.locked_until is not None and account.locked_until > utcnow():
            return LoginOutcome(None, message=guard.locked_message, status=429)
        if not check_password(account, password):
            guard.ip_failed(ip)
            locked = guard.account_failed(account)
            return LoginOutcome(None, message=guard.locked_message if locked else WRONG,
                                status=429 if locked else 401)
        account.failed_logins, account.locked_until = 0, None
        return LoginOutcome(account.id, account.shop_id)


def _unknown(guard: LoginThrottle, shop_slug: str, email: str, password: str, ip: str) -> LoginOutcome:
    if not guard.unknown_allowed(shop_slug, email):
        return LoginOutcome(None, message=guard.locked_message, status=429)
    check_password_hash(_dummy_hash(), password)
    guard.ip_failed(ip)
    locked = guard.unknown_failed(shop_slug, email)
    return LoginOutcome(None, message=guard.locked_message if locked else WRONG, status=429 if locked else 401)


def shop_slugs() -> list[str]:
    with state().db.session() as db:
        return list(db.scalars(select(Shop.slug).order_by(Shop.slug).limit(2)))


@admin.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"))
    if user() is not None and request.method == "GET" and target:
        return redirect(target)
    form = LoginForm()
    slugs = shop_slugs()
    single_shop = slugs[0] if len(slugs) == 1 else None
    if request.method == "GET":
        form.shop.data, form.next.data = single_shop or "", target or ""
    if not form.validate_on_submit():
        return _login_page(form, single_shop, slugs, status=422 if request.method == "POST" else 200)
    outcome = attempt(form.shop.data, form.email.data, form.password.data, request.remote_addr or "unknown")
    if outcome.user_id is None:
        return _login_page(form, single_shop, slugs, error=outcome.message, status=outcome.status)
    session.clear()  # a new session: nothing from before the sign-in survives, CSRF token included
    session["user_id"], session["shop_id"] = outcome.user_id, outcome.shop_id
    return redirect(safe_next(form.next.data) or url_for("admin.dashboard"))


def _login_page(form: LoginForm, single_shop: str | None, slugs: list[str], error: str = "", status: int = 200):
    form.password.data = ""
    return render("login.html", status, form=form, single_shop=single_shop, no_shops=not slugs, error=error)


@admin.post("/logout")
def logout():
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))
