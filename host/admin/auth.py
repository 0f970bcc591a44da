"""Signing in and out of the admin.

Guessers are slowed by `host.admin.throttle` (per address, per account and address, and an
account-wide back-off that never locks out an address which has not been failing, only makes it
wait a few seconds), with counters every server process shares. Failed and refused sign-ins on a
real account are also kept per address, so the user's dashboard can tell them afterwards that
their account was under attack (`host.admin.attacks`).

A successful sign-in replaces the whole session (new CSRF token too), and signing out clears it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from flask import flash, g, redirect, request, session, url_for
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from shopwright.host.admin import attacks
from shopwright.host.admin.core import admin, extension, render, safe_next, user
from shopwright.host.admin.forms import LoginForm
from shopwright.host.admin.throttle import LoginThrottle
from shopwright.host.models import AdminUser, Shop
from shopwright.host.shops import check_password
from shopwright.host.state import current_state

WRONG = "That email and password do not match an account."
WRONG_WITH_SHOP = "That shop, email and password do not match an account."  # when the page asks for the shop
LOCKED = "Too many failed sign-in attempts. Wait {minutes} and try again."
THROTTLED = "Too many failed sign-in attempts from your network. Try again later."
UNDER_ATTACK = ("This account is under attack: many failed sign-ins from other addresses. While that lasts, "
                "an address that gets the password wrong is locked out of it: wait {minutes} and "
                "try again, or sign in from another network.")
SPACED = ("This account is under attack: many failed sign-ins from other addresses, so sign-ins to it are "
          "slowed down. Try again in {seconds}.")


@dataclass(frozen=True)
class LoginOutcome:
    user_id: int | None
    shop_id: int | None = None
    message: str = ""
    status: int = 200


def throttle() -> LoginThrottle:
    return extension().throttle


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Checked against for unknown accounts, so a miss costs as long as a wrong password.
    return generate_password_hash("not a password of anyone")


def attempt(shop_slug: str, email: str, password: str, ip: str, *, shop_asked: bool = False) -> LoginOutcome:
    """Sign in, or say why not; the same steps and answers whether or not the account exists.
    A wrong guess is told in terms of the fields on the page: the shop only when `shop_asked`."""
    guard = throttle()
    named = (shop_slug.strip(), email.strip().lower())
    if not guard.address_attempt(ip):
        _refused(guard, named, ip)
        return LoginOutcome(None, message=THROTTLED, status=429)
    verdict = guard.attempt(named, ip)
    if not verdict.allowed:
        _refused(guard, named, ip)
        if verdict.reason == "spacing":
            return LoginOutcome(None, message=SPACED.format(seconds=_count(verdict.retry_after_s, "second")),
                                status=429)
        return _locked(guard, named, minutes=math.ceil(verdict.retry_after_s / 60))
    account = _account(*named)
    if account is None:
        check_password_hash(_dummy_hash(), password)
    elif check_password(account, password):
        guard.succeeded(named, ip)
        with current_state().db.session() as db:
            attacks.signed_in(db, account.id, ip, pending=lambda address: guard.take_refused(named, address))
        return LoginOutcome(account.id, account.shop_id)
    else:
        attacks.record_failure(current_state().db, account, ip)
    if guard.failed(named, ip):
        return _locked(guard, named, minutes=math.ceil(guard.lock_minutes))
    return LoginOutcome(None, message=WRONG_WITH_SHOP if shop_asked else WRONG, status=401)


def _locked(guard: LoginThrottle, named: tuple[str, str], minutes: int) -> LoginOutcome:
    message = UNDER_ATTACK if guard.under_attack(named) else LOCKED
    return LoginOutcome(None, message=message.format(minutes=_count(minutes, "minute")), status=429)


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


def _refused(guard: LoginThrottle, named: tuple[str, str], ip: str) -> None:
    """An attempt turned away unchecked still goes into the account's notice (written at most once
    a second per account and address; the account is looked up only then)."""
    count = guard.refused(named, ip)
    if count:
        account = _account(*named)
        if account is not None:
            attacks.record_failure(current_state().db, account, ip, refused=count)


def _account(shop_slug: str, email: str) -> AdminUser | None:
    with current_state().db.session() as db:
        return db.scalar(select(AdminUser).join(Shop, Shop.id == AdminUser.shop_id)
                         .where(Shop.slug == shop_slug, AdminUser.email == email))


def shop_slugs() -> list[str]:
    with current_state().db.session() as db:
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
    outcome = attempt(form.shop.data, form.email.data, form.password.data, request.remote_addr or "unknown",
                      shop_asked=single_shop is None)
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
    with current_state().db.session() as db:
        return db.scalar(select(AdminUser.session_epoch).where(AdminUser.id == user_id)) or 0


@admin.post("/logout")
def logout():
    """Signing out ends this user's sessions everywhere: the cookie is signed, not stored, so a
    copy of it would otherwise stay valid; bumping the epoch makes every copy worthless."""
    user = g.get("admin_user")
    if user is not None:
        with current_state().db.session() as db:
            db.execute(update(AdminUser).where(AdminUser.id == user.id)
                       .values(session_epoch=AdminUser.session_epoch + 1))
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))
