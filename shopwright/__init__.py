"""Shopwright: the public surface that plugins and deployments import.

Plugins import from here (`from shopwright import hookimpl, PluginMeta`), never from pluggy
directly, so the host can change how hooks are wired without breaking them. The rest of the
distribution lives below this name: `shopwright.host` (the Flask host, its test kit in
`shopwright.host.testing`), `shopwright.plugins` (the built-in plugins), `shopwright.kernels`
(the Triton kernels) and `shopwright.themes` (the storefront themes).

Every name here is loaded when first used, so `import shopwright.kernels` pulls in nothing of
the host, and a plugin module's import stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# name -> module that defines it
_PUBLIC = {
    "hookimpl": "shopwright.host.hookspecs",
    "PluginMeta": "shopwright.host.pluginmeta",
    "__version__": "shopwright.host.version",
    "create_app": "shopwright.host.app",
    "PermanentError": "shopwright.host.jobs",
}

if TYPE_CHECKING:
    from shopwright.host.app import create_app
    from shopwright.host.hookspecs import hookimpl
    from shopwright.host.jobs import PermanentError
    from shopwright.host.pluginmeta import PluginMeta
    from shopwright.host.version import __version__


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'shopwright' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


__all__ = ["PermanentError", "PluginMeta", "__version__", "create_app", "hookimpl"]
