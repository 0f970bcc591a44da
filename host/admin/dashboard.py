"""The dashboard: the shop at a glance (counts, recent jobs, drafts to review, plugin alerts), and
a notice when the signed-in user's account was under attack since their last sign-in."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, url_for
from sqlalchemy import func, select

from shopwright.host import drafts
from shopwright.host.admin import attacks
from shopwright.host.admin.core import admin, render, shop_id, user
from shopwright.host.models import Customer, Event, Order, Product, Review, utcnow
from shopwright.host.state import current_state

COUNTED = (("Products", Product), ("Customers", Customer), ("Orders", Order), ("Reviews", Review))
RECENT_DAYS = 7


@admin.get("/")
def index():
    return redirect(url_for("admin.dashboard"))


@admin.get("/dashboard")
def dashboard():
    sid, state = shop_id(), current_state()
    return render("dashboard.html", counts=shop_counts(sid), recent_days=RECENT_DAYS,
                  jobs=state.jobs.list(sid, limit=5), job_titles=job_titles(),
                  drafts=drafts.pending(state, sid, limit=5), drafts_waiting=drafts.count_pending(state, sid),
                  alerts=plugin_alerts(sid), reviews=latest_reviews(sid), sign_in_notice=sign_in_notice())


def sign_in_notice() -> dict | None:
    with current_state().db.session() as db:
        return attacks.notice(db, user().id)


@admin.post("/dashboard/sign-in-notice/dismiss")
def dismiss_sign_in_notice():
    with current_state().db.session() as db:
        attacks.dismiss(db, user().id)
    flash("Notice dismissed.", "info")
    return redirect(url_for("admin.dashboard"))


def shop_counts(sid: int) -> list[tuple[str, int]]:
    since = utcnow() - timedelta(days=RECENT_DAYS)
    with current_state().db.session() as db:
        counts = [(label, _count(db, model, model.shop_id == sid)) for label, model in COUNTED]
        counts.append((f"Events, last {RECENT_DAYS} days",
                       _count(db, Event, Event.shop_id == sid, Event.occurred_at >= since)))
    return counts


def _count(db, model, *conditions) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def latest_reviews(sid: int, limit: int = 3) -> list[dict]:
    """What shoppers said last: review text is untrusted input, shown escaped like all data."""
    query = (select(Review.rating, Review.title, Review.body, Review.author_name, Product.title)
             .join(Product, Product.id == Review.product_id)
             .where(Review.shop_id == sid).order_by(Review.created_at.desc(), Review.id.desc()).limit(limit))
    with current_state().db.session() as db:
        rows = db.execute(query).all()
    keys = ("rating", "title", "body", "author", "product")
    return [dict(zip(keys, row)) for row in rows]


def job_titles() -> dict[str, str]:
    return {name: job_type.title for name, job_type in current_state().jobs.types.items()}


def plugin_alerts(sid: int) -> list[dict]:
    """What an owner should look at: quarantined, failing and incompatible plugins."""
    alerts = []
    streaks = {name: p.consecutive_failures for name, p in current_state().lifecycle.enabled(sid).items()}
    for plugin in current_state().lifecycle.describe(sid):
        alert = _alert(plugin, streaks.get(plugin["name"], 0))
        if alert:
            alerts.append({"plugin": plugin["name"], "kind": alert[0], "message": alert[1]})
    return alerts


def _alert(plugin: dict, streak: int) -> tuple[str, str] | None:
    """(kind, message); "failing" means failing now (a streak), not once long ago."""
    if plugin["state"] == "quarantined":
        return "quarantined", plugin["quarantine_reason"]
    if plugin["state"] in ("enabled", "incompatible") and plugin["incompatible_reason"]:
        return "incompatible", plugin["incompatible_reason"]
    if plugin["state"] == "enabled" and streak:
        return "failing", f"{streak} failure(s) in a row; last: {plugin['last_error']}"
    return None
