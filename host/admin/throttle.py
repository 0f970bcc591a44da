"""How the admin's sign-in slows guessers without locking the owner out.

Every attempt is counted before its password is checked, so guesses sent in parallel count too.
The counters live in the store all server processes share (host.limitstore), so the limits hold
whatever the worker count. An account that does not exist is counted exactly like one that does,
so no answer tells which emails have accounts.

"Address" means a client's IPv4 address, or the /64 network of an IPv6 address (`address_key`):
one IPv6 subscriber usually holds a whole /64, so counting single IPv6 addresses would give them
2^64 fresh starts. Four counters, each a window of `ADMIN_LOCK_MINUTES` (15) unless said otherwise:

- per address, any account: `ADMIN_LOGIN_IP_LIMIT` ("30 per 15 minutes") failed attempts, then
  "too many from your network" (a successful sign-in is given back);
- per account and address: after `ADMIN_LOCK_AFTER` (5) failures that address is locked out of
  that account. Someone guessing from one place locks out only themselves;
- per account, from anywhere: once `ADMIN_ACCOUNT_LOCK_AFTER` (20) failures have come from any
  addresses, the account is under attack and backs off: every address that has failed on it even
  once is locked out of it until its window ends;
- per account under attack, from addresses that have not failed on it: one attempt every
  `ADMIN_ATTACK_SPACING_S` (5) seconds, however many addresses try. A crowd of fresh addresses
  then gets 12 guesses a minute in all instead of one each at once, and the owner, whose address
  has not been failing, is told the account is under attack and to try again in a few seconds.
  The account itself is never locked.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from limits import parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

Account = tuple[str, str]  # (shop slug, email), as typed, normalised
ADDRESS_CHARS = 64


def address_key(ip: str) -> str:
    """The address counters and notices use: an IPv4 address, or an IPv6 address's /64 network
    ("2001:db8:1:2::/64"); an IPv4 address written as IPv6 (::ffff:a.b.c.d) is that IPv4 address."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return ip[:ADDRESS_CHARS]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may have its password checked; if not, why ("locked": this address is
    locked out of the account; "spacing": the account is under attack and this address must wait
    its turn) and in how many seconds to try again."""

    allowed: bool
    reason: str = ""
    retry_after_s: int = 0


ALLOWED = Verdict(True)


class LoginThrottle:
    def __init__(self, config, storage: Storage) -> None:
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.ip_limit = parse(str(config.get("ADMIN_LOGIN_IP_LIMIT", "30 per 15 minutes")))
        self.lock_after = int(config.get("ADMIN_LOCK_AFTER", 5))
        self.backoff_after = max(self.lock_after, int(config.get("ADMIN_ACCOUNT_LOCK_AFTER", 20)))
        self.lock_minutes = float(config.get("ADMIN_LOCK_MINUTES", 15))
        self.window = max(1, int(self.lock_minutes * 60))
        self.spacing = max(1, int(config.get("ADMIN_ATTACK_SPACING_S", 5)))

    # -- per client address ---------------------------------------------------------------
    def address_attempt(self, ip: str) -> bool:
        """Count an attempt from `ip`; False when the address is over its limit."""
        return self.limiter.hit(self.ip_limit, "admin-login-ip", address_key(ip))

    def give_back(self, ip: str) -> None:
        """A password that turned out right: its attempt does not count against the address."""
        self.limiter.hit(self.ip_limit, "admin-login-ip", address_key(ip), cost=-1)

    # -- per account (and address) --------------------------------------------------------
    def attempt(self, account: Account, ip: str) -> Verdict:
        """Count an attempt on `account` from `ip`, and say whether its password may be checked."""
        pair = self._pair(account, ip)
        count = self.storage.incr(pair, self.window)
        attacked = self.under_attack(account)
        if count > (1 if attacked else self.lock_after):
            return Verdict(False, "locked", self._seconds_left(pair))
        if attacked and count == 1:  # an address that has not failed on the account: wait its turn
            turn = self._turn(account)
            if self.storage.incr(turn, self.spacing) > 1:
                self.storage.incr(pair, self.window, amount=-1)  # not checked: the address stays fresh
                return Verdict(False, "spacing", self._seconds_left(turn))
        return ALLOWED

    def failed(self, account: Account, ip: str) -> bool:
        """Count a failure on the account; True when `ip` is now locked out of it."""
        self.storage.incr(self._account(account), self.window)
        return self.storage.get(self._pair(account, ip)) >= self._allowed(account)

    def succeeded(self, account: Account, ip: str) -> None:
        # The failures before it were the owner's own typing: that address starts afresh. The
        # account-wide count stays: a guesser elsewhere gains nothing from the owner's sign-in.
        self.storage.clear(self._pair(account, ip))
        self.give_back(ip)  # only failures count

    # -- attempts turned away, for the account's notice ----------------------------------------
    def refused(self, account: Account, ip: str) -> int:
        """Count an attempt turned away unchecked; returns how many such attempts from this address
        to add to the account's notice now (0: later). The first of each second is written at once
        and the rest wait for the next, so a flood writes the database at most once a second per
        account and address; `take_refused` collects what waits at the next sign-in."""
        address = address_key(ip)
        self.storage.incr(self._refused(account, address), self.window)
        if self.storage.incr(self._refused(account, address) + "/written", 1) > 1:
            return 0
        return self.take_refused(account, address)

    def take_refused(self, account: Account, address: str) -> int:
        """The attempts from `address` (an `address_key`) turned away and not yet written; zeroed."""
        key = self._refused(account, address)
        pending = self.storage.get(key)
        if pending > 0:
            self.storage.incr(key, self.window, amount=-pending)  # ones counted meanwhile stay
        return max(0, pending)

    def under_attack(self, account: Account) -> bool:
        return self.storage.get(self._account(account)) >= self.backoff_after

    def _allowed(self, account: Account) -> int:
        return 1 if self.under_attack(account) else self.lock_after

    def _seconds_left(self, key: str) -> int:
        now = getattr(self.storage, "clock", time.time)()  # the store's own clock (host.limitstore)
        return max(1, math.ceil(self.storage.get_expiry(key) - now))

    @staticmethod
    def _pair(account: Account, ip: str) -> str:
        return "/".join(("admin-login-pair", *account, address_key(ip)))

    @staticmethod
    def _account(account: Account) -> str:
        return "/".join(("admin-login-account", *account))

    @staticmethod
    def _refused(account: Account, address: str) -> str:
        return "/".join(("admin-login-refused", *account, address))

    @staticmethod
    def _turn(account: Account) -> str:
        return "/".join(("admin-login-turn", *account))
