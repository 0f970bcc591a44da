"""Shopwright: the public surface that plugins and deployments import.

Plugins import from here (`from shopwright import hookimpl, PluginMeta`), never from pluggy
directly, so the host can change how hooks are wired without breaking them. The types of what
hooks receive come from here too (`ShopContext`, `Product`, `Order`, `RegisterWidget`, ...), and
the package ships `py.typed`, so mypy checks a plugin's annotated hooks against them.

The rest of the distribution lives below this name: `shopwright.host` (the Flask host, its test
kit in `shopwright.host.testing`), `shopwright.plugins` (the built-in plugins),
`shopwright.kernels` (the Triton kernels) and `shopwright.themes` (the storefront themes).

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
    # What hooks receive, for plugins' annotations (see `shopwright.host.plugintypes`).
    "ShopContext": "shopwright.host.context",
    "JobRun": "shopwright.host.jobs",
    "Product": "shopwright.host.plugintypes",
    "Variant": "shopwright.host.plugintypes",
    "Order": "shopwright.host.plugintypes",
    "OrderLine": "shopwright.host.plugintypes",
    "Review": "shopwright.host.plugintypes",
    "Customer": "shopwright.host.plugintypes",
    "Event": "shopwright.host.plugintypes",
    "ProductChange": "shopwright.host.plugintypes",
    "RegisterWidget": "shopwright.host.plugintypes",
    "RegisterAdminPage": "shopwright.host.plugintypes",
    "RegisterJobType": "shopwright.host.plugintypes",
    "WidgetRender": "shopwright.host.plugintypes",
    "AdminPageView": "shopwright.host.plugintypes",
    "JobHandler": "shopwright.host.plugintypes",
}

if TYPE_CHECKING:
    from shopwright.host.app import create_app
    from shopwright.host.context import ShopContext
    from shopwright.host.hookspecs import hookimpl
    from shopwright.host.jobs import JobRun, PermanentError
    from shopwright.host.pluginmeta import PluginMeta
    from shopwright.host.plugintypes import (
        AdminPageView,
        Customer,
        Event,
        JobHandler,
        Order,
        OrderLine,
        Product,
        ProductChange,
        RegisterAdminPage,
        RegisterJobType,
        RegisterWidget,
        Review,
        Variant,
        WidgetRender,
    )
    from shopwright.host.version import __version__
else:
    # Hidden from type checkers: a module `__getattr__` would make every misspelt
    # `from shopwright import ...` pass as Any instead of being reported.
    def __getattr__(name: str) -> Any:
        if name not in _PUBLIC:
            raise AttributeError(f"module 'shopwright' has no attribute {name!r}")
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


__all__ = [
    "AdminPageView",
    "Customer",
    "Event",
    "JobHandler",
    "JobRun",
    "Order",
    "OrderLine",
    "PermanentError",
    "PluginMeta",
    "Product",
    "ProductChange",
    "RegisterAdminPage",
    "RegisterJobType",
    "RegisterWidget",
    "Review",
    "ShopContext",
    "Variant",
    "WidgetRender",
    "__version__",
    "create_app",
    "hookimpl",
]
