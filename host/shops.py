"""Shops and their admin users."""

from __future__ import annotations

import re

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from shopwright.host.models import AdminUser, Shop

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ROLES = ("owner", "editor")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # for a new password (the admin form and `user set-password`)


class ShopError(ValueError):
    pass


def create_shop(session, slug: str, name: str, currency: str = "USD") -> Shop:
    if not SLUG.match(slug or ""):
        raise ShopError(f"shop slug {slug!r} must be lowercase letters, digits and dashes")
    if session.scalar(select(Shop).where(Shop.slug == slug)) is not None:
        raise ShopError(f"a shop named {slug!r} exists already")
    shop = Shop(slug=slug, name=name or slug, currency=currency.upper()[:3], allowed_origins=[])
    session.add(shop)
    session.flush()
    return shop


def get_shop(session, slug: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.slug == slug))
    if shop is None:
        raise ShopError(f"no shop named {slug!r}")
    return shop


def create_user(session, shop_id: int, email: str, password: str, role: str = "editor") -> AdminUser:
    if role not in ROLES:
        raise ShopError(f"role must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise ShopError(f"password must be at least {MIN_PASSWORD} characters")
    email = (email or "").strip().lower()
    if "@" not in email:
        raise ShopError(f"{email!r} is not an email address")
    if session.scalar(select(AdminUser).where(AdminUser.shop_id == shop_id, AdminUser.email == email)):
        raise ShopError(f"user {email} exists already in this shop")
    user = AdminUser(shop_id=shop_id, email=email, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def check_password(user: AdminUser, password: str) -> bool:
    return check_password_hash(user.password_hash, password or "")


def set_password(db, account: AdminUser, password: str) -> int:
    """Give `account` a new password and end its sessions everywhere; returns the new epoch."""
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise ShopError(f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    epoch = (account.session_epoch or 0) + 1
    db.execute(update(AdminUser).where(AdminUser.id == account.id)
               .values(password_hash=generate_password_hash(password), session_epoch=epoch))
    return epoch
