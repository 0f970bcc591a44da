"""Telling a user their account was under attack: failed sign-ins since their last sign-in.

Each failed sign-in on a real account adds one to its row for that client address (one row per
address, so a flood of guesses grows the table by addresses, not attempts). At the next
successful sign-in the rows become the account's notice, which the dashboard shows until the user
dismisses it: how many failures, from how many addresses, when, and the busiest addresses. The
failures from the address that has just signed in are left out: they were the user's own typing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from host.models import AdminUser, SignInFailure, utcnow

ADDRESS_CHARS = 64
TOP_ADDRESSES = 5


def record_failure(db_factory, account: AdminUser, ip: str) -> None:
    """Count a failure on `account` from `ip` (`db_factory`: host.db.Database)."""
    address = ip[:ADDRESS_CHARS]
    for _ in range(2):  # a parallel first failure from the same address may insert the row first
        try:
            with db_factory.session() as db:
                _count(db, account, address)
            return
        except IntegrityError:
            continue


def _count(db, account: AdminUser, address: str) -> None:
    now = utcnow()
    row = (SignInFailure.admin_user_id == account.id) & (SignInFailure.address == address)
    changed = db.execute(update(SignInFailure).where(row)
                         .values(failures=SignInFailure.failures + 1, last_at=now)).rowcount
    if not changed:
        db.add(SignInFailure(shop_id=account.shop_id, admin_user_id=account.id, address=address, failures=1,
                             first_at=now, last_at=now))
        db.flush()


def signed_in(db, user_id: int, ip: str) -> None:
    """Turn the failures since the last sign-in into the account's notice and start afresh."""
    user = db.get(AdminUser, user_id)
    rows = db.scalars(select(SignInFailure).where(SignInFailure.admin_user_id == user_id,
                                                  SignInFailure.address != ip[:ADDRESS_CHARS])).all()
    if rows:
        user.sign_in_notice = merge(user.sign_in_notice, summary(rows, user.last_sign_in_at))
    db.execute(delete(SignInFailure).where(SignInFailure.admin_user_id == user_id))
    user.last_sign_in_at = utcnow()


def summary(rows: list[SignInFailure], since: datetime | None) -> dict[str, Any]:
    busiest = sorted(rows, key=lambda row: row.failures, reverse=True)[:TOP_ADDRESSES]
    return {"failures": sum(row.failures for row in rows), "addresses": len(rows),
            "first_at": min(row.first_at for row in rows).isoformat(),
            "last_at": max(row.last_at for row in rows).isoformat(),
            "since": since.isoformat() if since else None,
            "busiest": [[row.address, row.failures] for row in busiest]}


def merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """A notice not yet dismissed grows; addresses are counted once per sign-in, not across them."""
    if not old:
        return new
    busiest = sorted(old["busiest"] + new["busiest"], key=lambda pair: pair[1], reverse=True)[:TOP_ADDRESSES]
    return {"failures": old["failures"] + new["failures"], "addresses": old["addresses"] + new["addresses"],
            "first_at": min(old["first_at"], new["first_at"]), "last_at": max(old["last_at"], new["last_at"]),
            "since": old["since"], "busiest": busiest}


def notice(db, user_id: int) -> dict[str, Any] | None:
    """The notice to show, with its times as datetimes; None when there is nothing to tell."""
    found = db.scalar(select(AdminUser.sign_in_notice).where(AdminUser.id == user_id))
    if not found:
        return None
    times = {key: datetime.fromisoformat(found[key]) if found.get(key) else None
             for key in ("first_at", "last_at", "since")}
    return {**found, **times}


def dismiss(db, user_id: int) -> None:
    db.execute(update(AdminUser).where(AdminUser.id == user_id).values(sign_in_notice=None))
