"""Signing in and out of the admin, with throttling.

Every attempt is counted before its password is checked, so guesses sent in parallel are counted
too, and all three limits answer the same words whether or not the account exists:

- per account and client address: after `ADMIN_LOCK_AFTER` (5) failures from one address, that
  address may not try that account again for `ADMIN_LOCK_MINUTES` (15), counted in this
  process's memory. Someone guessing from one place locks out only themselves: the owner,
  signing in from elsewhere, is not affected;
- per account, from anywhere: `failed_logins` on the AdminUser row counts failures in a row (one
  atomic UPDATE each; a successful sign-in resets it). When it reaches `ADMIN_ACCOUNT_LOCK_AFTER`
  (20, never below `ADMIN_LOCK_AFTER`) the account is locked for `ADMIN_LOCK_MINUTES` in the
  database, so every server process honours it: the brake on guessing spread over many
  addresses, which takes several addresses (or an hour from one) to reach. Emails that have no
  account are counted the same way in memory, so a lock message never tells which emails exist;
- per client address: `ADMIN_LOGIN_IP_LIMIT` ("30 per 15 minutes") failed attempts, counted
  with the `limits` library in this process's memory (a successful sign-in is given back).

A successful sign-in replaces the whole session (new CSRF token too), and signing out clears it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask import flash, g, redirect, request, session, url_for
from limits import RateLimitItemPerSecond, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select, update
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
        self.account_lock_after = max(self.lock_after, int(config.get("ADMIN_ACCOUNT_LOCK_AFTER", 20)))
        self.lock_minutes = float(config.get("ADMIN_LOCK_MINUTES", 15))
        window = max(1, int(self.lock_minutes * 60))
        self.address_limit = RateLimitItemPerSecond(self.lock_after, window)
        self.unknown_limit = RateLimitItemPerSecond(self.account_lock_after, window)

    @property
    def locked_message(self) -> str:
        return LOCKED.format(minutes=f"{self.lock_minutes:g}")

    def ip_attempt(self, ip: str) -> bool:
        """Count an attempt from `ip`; False when the address is over its limit."""
        return self.limiter.hit(self.ip_limit, "admin-login-ip", ip)

    def ip_succeeded(self, ip: str) -> None:
        self.limiter.hit(self.ip_limit, "admin-login-ip", ip, cost=-1)  # only failures count

    def address_attempt(self, shop: str, email: str, ip: str) -> bool:
        """Count an attempt on one account from one address; False when that pair is locked."""
        return self.limiter.hit(self.address_limit, "admin-login-address", shop, email, ip)

    def address_locked(self, shop: str, email: str, ip: str) -> bool:
        return not self.limiter.test(self.address_limit, "admin-login-address", shop, email, ip)

    def address_succeeded(self, shop: str, email: str, ip: str) -> None:
        self.limiter.clear(self.address_limit, "admin-login-address", shop, email, ip)

    def unknown_locked(self, shop: str, email: str) -> bool:
        return not self.limiter.test(self.unknown_limit, "admin-login-unknown", shop, email)

    def unknown_failed(self, shop: str, email: str) -> bool:
        """Count a failure for an email with no account; True when that "locks" it."""
        self.limiter.hit(self.unknown_limit, "admin-login-unknown", shop, email)
        return self.unknown_locked(shop, email)

    def account_failed(self, db, account_id: int) -> bool:
        """Count a failure on a real account in one atomic UPDATE, so parallel attempts are all
        counted; True when the account is now locked."""
        now = utcnow()
        row = AdminUser.id == account_id
        # The last lock ran out: a fresh series.
        db.execute(update(AdminUser).where(row, AdminUser.locked_until.is_not(None), AdminUser.locked_until <= now)
                   .values(failed_logins=0, locked_until=None))
        db.execute(update(AdminUser).where(row).values(failed_logins=AdminUser.failed_logins + 1))
        count, locked_until = db.execute(select(AdminUser.failed_logins, AdminUser.locked_until).where(row)).one()
        if locked_until is not None:
            return True  # locked by a parallel attempt meanwhile
        if count >= self.account_lock_after:
            db.execute(update(AdminUser).where(row).values(locked_until=now + timedelta(minutes=self.lock_minutes)))
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
    if not guard.ip_attempt(ip):
        return LoginOutcome(None, message=THROTTLED, status=429)
    shop_slug, email = shop_slug.strip(), email.strip().lower()
    locked = LoginOutcome(None, message=guard.locked_message, status=429)
    with state().db.session() as db:
        account = db.scalar(select(AdminUser).join(Shop, Shop.id == AdminUser.shop_id)
                            .where(Shop.slug == shop_slug, AdminUser.email == email))
    if account is None:
        return _unknown(guard, shop_slug, email, password, ip)
    if account.locked_until is not None and account.locked_until > utcnow():
        return locked
    if not guard.address_attempt(shop_slug, email, ip):
        return locked
    if not check_password(account, password):
        with state().db.session() as db:
            account_locked = guard.account_failed(db, account.id)
        if account_locked or guard.address_locked(shop_slug, email, ip):
            return locked
        return LoginOutcome(None, message=WRONG, status=401)
    with state().db.session() as db:
        db.execute(update(AdminUser).where(AdminUser.id == account.id).values(failed_logins=0, locked_until=None))
    guard.address_succeeded(shop_slug, email, ip)
    guard.ip_succeeded(ip)
    return LoginOutcome(account.id, account.shop_id)


def _unknown(guard: LoginThrottle, shop_slug: str, email: str, password: str, ip: str) -> LoginOutcome:
    # The same steps and answers as for a real account, so none of them tells that it is missing.
    if guard.unknown_locked(shop_slug, email) or not guard.address_attempt(shop_slug, email, ip):
        return LoginOutcome(None, message=guard.locked_message, status=429)
    check_password_hash(_dummy_hash(), password)
    if guard.unknown_failed(shop_slug, email) or guard.address_locked(shop_slug, email, ip):
        return LoginOutcome(None, message=guard.locked_message, status=429)
    return LoginOutcome(None, message=WRONG, status=401)


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
    session["epoch"] = _session_epoch(outcome.user_id)
    return redirect(safe_next(form.next.data) or url_for("admin.dashboard"))


def _login_page(form: LoginForm, single_shop: str | None, slugs: list[str], error: str = "", status: int = 200):
    form.password.data = ""
    return render("login.html", status, form=form, single_shop=single_shop, no_shops=not slugs, error=error)


def _session_epoch(user_id: int) -> int:
    with state().db.session() as db:
        return db.scalar(select(AdminUser.session_epoch).where(AdminUser.id == user_id)) or 0


@admin.post("/logout")
def logout():
    """Signing out ends this user's sessions everywhere: the cookie is signed, not stored, so a
    copy of it would otherwise stay valid; bumping the epoch makes every copy worthless."""
    user = g.get("admin_user")
    if user is not None:
        with state().db.session() as db:
            db.execute(update(AdminUser).where(AdminUser.id == user.id)
                       .values(session_epoch=AdminUser.session_epoch + 1))
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))
