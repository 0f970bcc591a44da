"""The admin blueprint and what every admin view shares: who is signed in, role checks, CSRF,
cache headers, error pages and the navigation.

The blueprint lives at module level (like the API's) so its routes and handlers are declared
once; `host.admin.create_admin(app)` registers it with each app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from shopwright.host.models import AdminUser, Shop
from shopwright.host.state import current_state

HOST_DIR = Path(__file__).resolve().parent.parent
EXTENSION = "shopwright.admin"
PUBLIC_ENDPOINTS = {"admin.login", "admin.static"}

admin = Blueprint("admin", __name__, url_prefix="/admin",
                  static_folder=str(HOST_DIR / "static" / "admin"), static_url_path="/static")

#: (endpoint, label, owners only). An endpoint marks its whole section: "admin.drafts" is
#: current on "admin.drafts_detail" too.
NAV = (
    ("admin.dashboard", "Dashboard", False),
    ("admin.drafts", "Review queue", False),
    ("admin.jobs", "Jobs", False),
    ("admin.plugins", "Plugins", True),
    ("admin.models", "Models", True),
    ("admin.uploads", "Uploads", True),
    ("admin.shop", "Shop settings", True),
)

@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    role: str
    shop_id: int
    shop_slug: str
    shop_name: str

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    @property
    def actor(self) -> str:
        """How audit entries and jobs name this person."""
        return f"user:{self.email}"


def extension():
    """This app's admin services (`host.admin.AdminExtension`)."""
    return current_app.extensions[EXTENSION]


def user() -> CurrentUser | None:
    return g.get("admin_user")


def shop_id() -> int:
    return user().shop_id


def owner_only(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not user().is_owner:
            abort(403, "Only the shop's owners can open this page; ask an owner to change your role.")
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path inside the admin of this site, else None (no open redirects)."""
    if not target or not target.startswith("/admin") or "\\" in target:
        return None
    if any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def load_user() -> CurrentUser | None:
    """The signed-in user, read fresh each request so a deleted user is signed out at once."""
    user_id, user_shop, epoch = session.get("user_id"), session.get("shop_id"), session.get("epoch")
    if not all(isinstance(value, int) for value in (user_id, user_shop, epoch)):
        return None
    with current_state().db.session() as db:
        row = db.execute(
            select(AdminUser.id, AdminUser.email, AdminUser.role, Shop.id, Shop.slug, Shop.name)
            .join(Shop, Shop.id == AdminUser.shop_id)
            .where(AdminUser.id == user_id, AdminUser.shop_id == user_shop, AdminUser.session_epoch == epoch)
        ).first()
    return CurrentUser(*row) if row else None


@admin.before_request
def guard():
    # CSRF first: a forged POST is refused before anything reads or acts on it.
    current_app.extensions["csrf"].protect()
    g.admin_user = load_user()
    if g.admin_user is None and "user_id" in session:
        session.clear()  # the user was deleted or moved: the old session is worth nothing
    if g.admin_user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        here = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("admin.login", next=safe_next(here)))
    return None


@admin.after_request
def no_caching(response):
    # The CSP, frame and other security headers come from shopwright.host.security_headers, for every part.
    if request.endpoint != "admin.static":
        response.headers["Cache-Control"] = "no-store"  # pages show shop data; keep them out of caches
    return response


@admin.errorhandler(HTTPException)
def error_page(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if "admin_user" not in g:  # refused before `guard` got to it (CSRF): still show who is signed in
        g.admin_user = load_user()
    if isinstance(exc, CSRFError):
        title, message = "This form has expired", (
            "The form was sent without a valid security token, so nothing was changed. "
            "Go back, reload the page and send it again.")
    elif exc.code == 413:
        limit = readable_size(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
        title, message = "File too large", f"Uploads are limited to {limit}; split the file and try again."
    else:
        title, message = exc.name, exc.description
    response = current_app.make_response((render_template("admin/error.html", code=exc.code, title=title,
                                                           message=message), exc.code))
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def readable_size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


def pretty_json(value) -> str:
    """JSON for people to read; a plain string, so the template escapes it like any other text."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


@admin.context_processor
def layout_context():
    current = user()
    shared = {"admin_user": current, "pretty_json": pretty_json, "admin_nav": [], "plugin_nav": []}
    if current is None:
        return shared
    endpoint = request.endpoint or ""
    shared["admin_nav"] = [{"url": url_for(ep), "label": label,
                            "current": endpoint == ep or endpoint.startswith(ep + "_")}
                           for ep, label, owners in NAV if current.is_owner or not owners]
    shared["plugin_nav"] = extension().pages.nav(current, request)
    return shared


def render(template: str, status: int = 200, **context):
    return render_template(f"admin/{template}", **context), status
