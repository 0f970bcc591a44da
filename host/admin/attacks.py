"""Telling a user their account was under attack: sign-in attempts since their last sign-in.

Each failed sign-in on a real account adds one to its row for that client address (an IPv4
address or an IPv6 /64, `host.admin.throttle.address_key`; one row per address, so a flood of
guesses grows the table by addresses, not attempts), and so does each attempt refused unchecked
because its address was over a limit (`refused`). At the next successful sign-in the rows become
the account's notice, which the dashboard shows until the user dismisses it: how many attempts
(wrong passwords and refused ones), from how many addresses, when, and the busiest addresses.
Those from the address that has just signed in are left out: they were the user's own typing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from shopwright.host.admin.throttle import address_key
from shopwright.host.models import AdminUser, SignInFailure, utcnow

TOP_ADDRESSES = 5


def record_failure(db_factory, account: AdminUser, ip: str, refused: int = 0) -> None:
    """Count a wrong password on `account` from `ip` (`db_factory`: host.db.Database), or with
    `refused` that many attempts turned away unchecked (over a limit, locked out, waiting a turn)."""
    address = address_key(ip)
    for _ in range(2):  # a parallel first failure from the same address may insert the row first
        try:
            with db_factory.session() as db:
                _count(db, account, address, refused)
            return
        except IntegrityError:
            continue


def _count(db, account: AdminUser, address: str, refused: int) -> None:
    now = utcnow()
    column, amount = (SignInFailure.refused, refused) if refused else (SignInFailure.failures, 1)
    row = (SignInFailure.admin_user_id == account.id) & (SignInFailure.address == address)
    changed = db.execute(update(SignInFailure).where(row).values({column: column + amount, "last_at": now})).rowcount
    if not changed:
        db.add(SignInFailure(shop_id=account.shop_id, admin_user_id=account.id, address=address,
                             failures=0 if refused else 1, refused=refused, first_at=now, last_at=now))
        db.flush()


def signed_in(db, user_id: int, ip: str, pending: Callable[[str], int] = lambda address: 0) -> None:
    """Turn the failures since the last sign-in into the account's notice and start afresh.
    `pending(address)`: attempts from that address turned away but not yet written
    (`LoginThrottle.take_refused`)."""
    user = db.get(AdminUser, user_id)
    rows = db.scalars(select(SignInFailure).where(SignInFailure.admin_user_id == user_id,
                                                  SignInFailure.address != address_key(ip))).all()
    for row in rows:
        row.refused += pending(row.address)
    if rows:
        user.sign_in_notice = merge(user.sign_in_notice, summary(rows, user.last_sign_in_at))
    db.execute(delete(SignInFailure).where(SignInFailure.admin_user_id == user_id))
    user.last_sign_in_at = utcnow()


def summary(rows: list[SignInFailure], since: datetime | None) -> dict[str, Any]:
    busiest = sorted(rows, key=lambda row: row.failures + row.refused, reverse=True)[:TOP_ADDRESSES]
    return {"failures": sum(row.failures for row in rows), "refused": sum(row.refused for row in rows),
            "addresses": len(rows),
            "first_at": min(row.first_at for row in rows).isoformat(),
            "last_at": max(row.last_at for row in rows).isoformat(),
            "since": since.isoformat() if since else None,
            "busiest": [[row.address, row.failures + row.refused] for row in busiest]}


def merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """A notice not yet dismissed grows; addresses are counted once per sign-in, not across them."""
    if not old:
        return new
    busiest = sorted(old["busiest"] + new["busiest"], key=lambda pair: pair[1], reverse=True)[:TOP_ADDRESSES]
    return {"failures": old["failures"] + new["failures"],
            "refused": old.get("refused", 0) + new.get("refused", 0),
            "addresses": old["addresses"] + new["addresses"],
            "first_at": min(old["first_at"], new["first_at"]), "last_at": max(old["last_at"], new["last_at"]),
            "since": old["since"], "busiest": busiest}


def notice(db, user_id: int) -> dict[str, Any] | None:
    """The notice to show, with its times as datetimes; None when there is nothing to tell."""
    found = db.scalar(select(AdminUser.sign_in_notice).where(AdminUser.id == user_id))
    if not found:
        return None
    times = {key: datetime.fromisoformat(found[key]) if found.get(key) else None
             for key in ("first_at", "last_at", "since")}
    return {"refused": 0, **found, **times, "attempts": found["failures"] + found.get("refused", 0)}


def dismiss(db, user_id: int) -> None:
    db.execute(update(AdminUser).where(AdminUser.id == user_id).values(sign_in_notice=None))
