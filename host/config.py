"""Configuration: defaults, then the instance file, then SHOPWRIGHT_* environment variables,
then the mapping passed to create_app — each layer overrides the one before."""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "SECRET_KEY": None,  # None: generated once and kept in the instance folder
    "JOB_WORKERS": 2,  # worker threads per process; 0 runs no workers (tests, CLI)
    "JOB_HEARTBEAT_S": 2.0,
    "JOB_STALE_AFTER_S": 30.0,  # a running job whose heartbeat is older is taken as crashed
    "JOB_MAX_ATTEMPTS": 3,
    "STOREFRONT_HOOK_BUDGET_MS": 250,
    "BACKGROUND_HOOK_BUDGET_MS": 30000,
    "QUARANTINE_AFTER": 5,  # consecutive failures before a plugin is quarantined for a shop
    "MAX_UPLOAD_MB": 20,
    "API_RATE_LIMIT": "600 per minute",  # per API key, counted across all server processes
    # Where limits are counted (host.limitstore): None is limits.db in the instance folder, shared
    # by every process on this machine; "redis://host:6379" for several machines; "memory://" per process.
    "RATE_LIMIT_STORAGE_URL": None,
    "EMBED_EVENT_RATE_LIMIT": "300 per minute",  # per client address, for the public event beacon
    "WIDGET_CACHE_SECONDS": 10,  # Cache-Control max-age of the embed fragment and JSON answers
    "WIDGET_REUSE": True,  # reuse a rendered widget while the shop's plugin states are unchanged
    "ADMIN_LOGIN_IP_LIMIT": "30 per 15 minutes",  # failed admin logins per client address
    "ADMIN_LOCK_AFTER": 5,  # failed logins on an account from one address before that address is locked out of it
    # Failed logins on an account from any addresses after which every address that has failed on it
    # is locked out of it; the account itself never locks (host.admin.throttle).
    "ADMIN_ACCOUNT_LOCK_AFTER": 20,
    "ADMIN_LOCK_MINUTES": 15.0,
    "ADMIN_ATTACK_SPACING_S": 5.0,  # under attack, seconds between tries from addresses not yet failing
    "ADMIN_SESSION_HOURS": 12.0,  # an admin session cookie is refused once it is older than this
    "SESSION_COOKIE_SECURE": False,  # true behind HTTPS; off by default for plain-HTTP LAN servers
    "PROXY_COUNT": 0,  # reverse proxies in front whose X-Forwarded-For/-Proto/-Host are trusted
    "STOREFRONT_CSP": None,  # None: the built-in storefront Content-Security-Policy (host.security_headers)
    "TRACE_HOOKS": False,
    "LOAD_ENTRY_POINTS": True,
    "EXTRA_PLUGINS": [],  # plugin objects or modules registered directly (tests, embedding)
    "MANIFEST_PATH": None,
    # -- models (shopwright.host.inference) --
    "MODEL_CACHE_DIR": None,  # None: <instance>/models, where the embedded model is converted once
    "TEXT_BACKEND": "embedded",  # for shops that chose none; "fake" gives every shop the test kit's fake
    "EMBEDDING_BACKEND": "embedded",  # MiniLM-L6 from its wheel; "fake" for tests
    "GENERATION_MAX_BATCH": 32,  # requests per shared forward pass (more: higher throughput, later first answers)
    "GENERATION_MAX_WAIT_MS": 20,  # how long a batch waits for more requests to join
    "GENERATION_QUEUE": 256,  # requests waiting per model before callers are told it is busy
    "GENERATION_TIMEOUT_S": 120.0,  # how long a caller waits for each batch's worth of answers
}

INSTANCE_FILE = "shopwright.toml"
ENV_PREFIX = "SHOPWRIGHT_"


class ConfigError(ValueError):
    """A configuration value could not be understood."""


def instance_path(explicit: str | os.PathLike | None = None) -> Path:
    raw = explicit or os.environ.get(ENV_PREFIX + "INSTANCE") or Path.cwd() / "instance"
    path = Path(raw).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    folder = instance_path(overrides.pop("INSTANCE_PATH", None))
    config = dict(DEFAULTS)
    config.update(_read_instance_file(folder))
    config.update(_read_environment())
    config.update(overrides)
    config["INSTANCE_PATH"] = str(folder)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{folder / 'shopwright.db'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(folder)
    return config


def _read_instance_file(folder: Path) -> dict[str, Any]:
    path = folder / INSTANCE_FILE
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return {key.upper(): value for key, value in data.items()}


def _read_environment() -> dict[str, Any]:
    found = {}
    for key, default in DEFAULTS.items():
        raw = os.environ.get(ENV_PREFIX + key)
        if raw is not None:
            found[key] = _coerce(key, raw, default)
    return found


def _coerce(key: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int | float):
        return _number(key, raw, type(default))
    if isinstance(default, list):
        return [part for part in raw.split(",") if part]
    return raw


def _number(key: str, raw: str, kind: type[int] | type[float]) -> int | float:
    try:
        value = kind(raw)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{key}={raw!r} is not a number") from exc
    # Counts, sizes and limits past 64 bits are typing slips, and the database could not store them.
    if kind is int and not -(2**63) <= value < 2**63:
        raise ConfigError(f"{ENV_PREFIX}{key}={raw} is too large: whole numbers must fit in 64 bits")
    return value


def _instance_secret(folder: Path) -> str:
    path = folder / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
