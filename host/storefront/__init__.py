"""The storefront: a shop's pages rendered with its theme, at `/shop/<slug>/...`.

`create_storefront(app)` adds the template globals to every theme's environment (before the first
render builds one) and registers the pages. See `docs/themes.md` for what a theme receives.
"""

from __future__ import annotations

from flask import Flask

from shopwright.host.state import state_of
from shopwright.host.storefront.catalog import CategoryCache
from shopwright.host.storefront.helpers import StaticFiles, template_globals
from shopwright.host.storefront.views import storefront


class Storefront:
    """What the storefront keeps per app: the host's services and its own small caches."""

    def __init__(self, state):
        self.state = state  # the app's AppState (host/state.py)
        self.categories = CategoryCache(state.db.engine)
        self.static = StaticFiles(state.themes)


def create_storefront(app: Flask) -> Storefront:
    state = state_of(app)
    store = Storefront(state)
    app.extensions["storefront"] = store
    state.themes.globals.update(template_globals(state, store.static))
    app.register_blueprint(storefront)
    return store
