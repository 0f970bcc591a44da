"""Test plugins that misbehave on purpose, built for every hook in shopwright.host.hookspecs."""

from __future__ import annotations

import inspect
import threading
import types

from shopwright import PluginMeta, hookimpl
from shopwright.host import hookspecs
from shopwright.host.pluginmeta import PERMISSIONS

ALL_HOOKS = [
    name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "shopwright_spec")
]
SHOP_HOOKS = [name for name in ALL_HOOKS if not name.startswith("register_")]
RELEASE = threading.Event()  # set by tests to let hanging plugins finish


def make_plugin(name: str, behaviour: str, hooks=None, **meta):
    """A plugin implementing `hooks` (default: every per-shop hook) that raises, hangs or
    returns garbage; `behaviour="ok"` returns what each hook should."""
    namespace = {"plugin_meta": PluginMeta(name=name, version="1.0", permissions=tuple(PERMISSIONS), **meta)}
    calls: list[str] = []
    for hook in hooks or SHOP_HOOKS:
        namespace[hook] = _impl(hook, behaviour, calls)
    module = types.SimpleNamespace(**namespace)
    module.calls = calls
    return module


def _impl(hook: str, behaviour: str, calls: list[str]):
    def body(**kwargs):
        calls.append(hook)
        if behaviour == "raise":
            raise RuntimeError(f"boom in {hook}")
        if behaviour == "hang":
            RELEASE.wait(10)
            return None
        if behaviour == "garbage":
            return object() if hook == "render_slot" else {"not": "what the host expects"}
        return "<b>ok</b>" if hook == "render_slot" else None

    params = list(inspect.signature(getattr(hookspecs, hook)).parameters)
    return hookimpl(specname=hook)(_with_argnames(body, params))


def _with_argnames(body, params: list[str]):
    # pluggy reads the argument names from the function's code, so generate one that has them.
    source = f"def impl({', '.join(params)}):\n    return body({', '.join(f'{p}={p}' for p in params)})\n"
    namespace = {"body": body}
    exec(source, namespace)  # test helper: the names come from shopwright.host.hookspecs, not from input
    return namespace["impl"]
