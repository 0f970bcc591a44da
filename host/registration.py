"""Collecting the `register_*` hooks (job types, widgets, admin pages): one mechanism for all.

Each plugin's implementation is called on its own, in hook order (see
`PluginRegistry.hook_impls`), with a `register` callback made for that plugin. One that raises
(or registers something malformed, which makes `register` raise) is logged and gets a load error
such as "register_widgets raised ValueError: ...": the plugin cannot be enabled, so whatever it
registered before failing is never called, and every other plugin and the host start as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from shopwright.host.plugins import PluginRegistry

log = logging.getLogger("shopwright.plugins")


def collect(registry: PluginRegistry, hook: str, register_for: Callable[[str], Callable[..., Any]],
            finish: Callable[[str], None] | None = None) -> None:
    """Call every plugin's `hook` with `register=register_for(plugin_name)`, then `finish(plugin_name)`
    when given: for collections that keep a plugin's registrations only once all of them succeeded.
    An exception from either marks that plugin alone."""
    for impl in registry.hook_impls(hook):
        name = impl.plugin_name
        try:
            impl.function(register=register_for(name))
            if finish is not None:
                finish(name)
        except Exception as exc:  # one plugin's broken registration must not stop the host
            log.exception("plugin %s failed in %s", name, hook)
            plugin = registry.plugins[name]
            # The first failure is the cause the owner needs; a later hook failing too is a consequence.
            plugin.load_error = plugin.load_error or f"{hook} raised {type(exc).__name__}: {exc}"
