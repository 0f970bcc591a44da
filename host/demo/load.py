"""Load the generated demo shop through the real importers, once per instance."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

from shopwright.host.apikeys import DEFAULT_SCOPES, create_key
from shopwright.host.importers import KINDS, import_records
from shopwright.host.shops import ShopError, create_shop, create_user, get_shop

CREDENTIALS = "demo-credentials.txt"
#: Built-in plugins switched on in the demo, so its storefront shows widgets from the start.
DEMO_PLUGINS = ("bestsellers", "ratings")


def load_demo_shop(state, slug: str = "demo", seed: int = 7) -> Iterator[str]:
    """Yield progress lines; a second run finds the shop and only reprints how to log in."""
    credentials = Path(state.config["INSTANCE_PATH"]) / CREDENTIALS
    with state.db.session() as session:
        try:
            get_shop(session, slug)
            exists = True
        except ShopError:
            exists = False
    if exists:
        yield f"demo shop {slug!r} is already loaded"
        yield from _login_lines(credentials)
        return
    yield from _create(state, slug, seed, credentials)
    yield from _login_lines(credentials)


def _create(state, slug: str, seed: int, credentials: Path) -> Iterator[str]:
    from shopwright.host.demo.generator import generate_shop

    data = generate_shop(seed=seed)
    password = secrets.token_urlsafe(12)
    with state.db.session() as session:
        shop = create_shop(session, slug, "Shopwright Demo Outfitters")
        create_user(session, shop.id, f"owner@{slug}.example.com", password, "owner")
        # Everything but revoking keys: the demo key shows the catalogue and plugin APIs.
        key = create_key(session, shop.id, "demo", sorted({*DEFAULT_SCOPES, "admin:plugins"}))
        shop_id = shop.id
    for kind in KINDS:
        report = import_records(state, shop_id, kind, data.get(kind, []))
        if not report.ok:
            raise RuntimeError(f"demo {kind} did not import: {report.summary()}")
        yield f"imported {report.total} {kind}"
    for name in DEMO_PLUGINS:
        if name in state.registry.plugins and state.registry.plugins[name].loadable:
            state.enable_plugin(shop_id, name)
            yield f"enabled the {name} plugin"
    credentials.write_text(f"email: owner@{slug}.example.com\npassword: {password}\napi key: {key}\n", encoding="utf-8")
    credentials.chmod(0o600)


def _login_lines(credentials: Path) -> Iterator[str]:
    if credentials.exists():
        yield f"log in with the credentials in {credentials}:"
        yield from ("  " + line for line in credentials.read_text(encoding="utf-8").splitlines())
