"""How the admin's sign-in slows guessers without locking the owner out.

Every attempt is counted before its password is checked, so guesses sent in parallel count too.
The counters live in the store all server processes share (host.limitstore), so the limits hold
whatever the worker count. An account that does not exist is counted exactly like one that does,
so no answer tells which emails have accounts. Three counters, each a window of
`ADMIN_LOCK_MINUTES` (15) unless said otherwise:

- per client address, any account: `ADMIN_LOGIN_IP_LIMIT` ("30 per 15 minutes") failed attempts,
  then "too many from your network" (a successful sign-in is given back);
- per account and address: after `ADMIN_LOCK_AFTER` (5) failures that address is locked out of
  that account. Someone guessing from one place locks out only themselves;
- per account, from anywhere: once `ADMIN_ACCOUNT_LOCK_AFTER` (20) failures have come from any
  addresses, the account backs off: every address that has failed on it even once is locked out
  of it until its window ends, so a crowd of addresses gets one guess each instead of five. An
  address that has not been failing (the owner's) still gets in with the right password: the
  account itself is never locked.
"""

from __future__ import annotations

from limits import parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

Account = tuple[str, str]  # (shop slug, email), as typed, normalised


class LoginThrottle:
    def __init__(self, config, storage: Storage) -> None:
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.ip_limit = parse(str(config.get("ADMIN_LOGIN_IP_LIMIT", "30 per 15 minutes")))
        self.lock_after = int(config.get("ADMIN_LOCK_AFTER", 5))
        self.backoff_after = max(self.lock_after, int(config.get("ADMIN_ACCOUNT_LOCK_AFTER", 20)))
        self.lock_minutes = float(config.get("ADMIN_LOCK_MINUTES", 15))
        self.window = max(1, int(self.lock_minutes * 60))

    # -- per client address ---------------------------------------------------------------
    def address_attempt(self, ip: str) -> bool:
        """Count an attempt from `ip`; False when the address is over its limit."""
        return self.limiter.hit(self.ip_limit, "admin-login-ip", ip)

    # -- per account (and address) --------------------------------------------------------
    def attempt(self, account: Account, ip: str) -> bool:
        """Count an attempt on `account` from `ip`; False when that address is locked out of it."""
        return self.storage.incr(self._pair(account, ip), self.window) <= self._allowed(account)

    def failed(self, account: Account, ip: str) -> bool:
        """Count a failure on the account; True when `ip` is now locked out of it."""
        self.storage.incr(self._account(account), self.window)
        return self.storage.get(self._pair(account, ip)) >= self._allowed(account)

    def succeeded(self, account: Account, ip: str) -> None:
        # The failures before it were the owner's own typing: that address starts afresh. The
        # account-wide count stays: a guesser elsewhere gains nothing from the owner's sign-in.
        self.storage.clear(self._pair(account, ip))
        self.limiter.hit(self.ip_limit, "admin-login-ip", ip, cost=-1)  # only failures count

    def under_attack(self, account: Account) -> bool:
        return self.storage.get(self._account(account)) >= self.backoff_after

    def _allowed(self, account: Account) -> int:
        return 1 if self.under_attack(account) else self.lock_after

    @staticmethod
    def _pair(account: Account, ip: str) -> str:
        return "/".join(("admin-login-pair", *account, ip))

    @staticmethod
    def _account(account: Account) -> str:
        return "/".join(("admin-login-account", *account))
