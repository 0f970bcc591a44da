"""Plugin discovery: built-ins from plugin_manifest.toml, third-party packages from the
`shopwright.plugins` entry-point group, and plugin objects handed over in the config.

Installed is not enabled: this module only finds, loads and registers plugins with pluggy.
Which shop runs which plugin is `host.lifecycle`; calling them is `shopwright.host.dispatcher`.

Hook order, for every hook: `tryfirst=True` implementations first, `trylast=True` ones last, and
within each of those three groups the order in which plugins were found (the manifest's built-ins,
then entry-point packages by entry-point name, then plugins from the config). pluggy on its own mostly calls the
plugin registered last first; Shopwright keeps discovery order instead, the same in every group.
Wrappers (`hookwrapper=True`, `wrapper=True`) are refused: Shopwright calls each implementation
itself, so there is no call for a wrapper to wrap.
"""

from __future__ import annotations

import importlib
import logging
import sys
import tomllib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from shopwright.host import hookspecs
from shopwright.host.pluginmeta import PluginMeta, PluginMetaError
from shopwright.host.settings import schema_problem

ENTRY_POINT_GROUP = "shopwright.plugins"
log = logging.getLogger("shopwright.plugins")


@dataclass
class InstalledPlugin:
    name: str
    meta: PluginMeta | None
    obj: Any = None
    source: str = "builtin"  # builtin | entry_point | config
    load_error: str = ""
    hooks: list[str] = field(default_factory=list)

    @property
    def loadable(self) -> bool:
        return self.meta is not None and not self.load_error

    @property
    def package_dir(self) -> Path | None:
        """The folder of the plugin's module: its `templates/` and `static/` live there."""
        module = self.obj if isinstance(self.obj, ModuleType) else sys.modules.get(type(self.obj).__module__)
        source = getattr(module, "__file__", None)
        return Path(source).resolve().parent if source else None

    def resource_dir(self, kind: str) -> Path | None:
        folder = self.package_dir / kind if self.package_dir else None
        return folder if folder is not None and folder.is_dir() else None


class PluginRegistry:
    """The plugins installed on this server, registered with one pluggy manager."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, InstalledPlugin] = {}
        self._found: dict[str, int] = {}  # plugin name -> its place in discovery order

    def discover(self, manifest: Path | None, load_entry_points: bool, extra: list[Any]) -> None:
        if manifest is not None and manifest.exists():
            for entry in read_manifest(manifest):
                self._add(_load_builtin(entry))
        if load_entry_points:
            # By name: the environment lists distributions in file-system order, which differs
            # between machines, and hook order must not.
            for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
                self._add(_load_entry_point(ep))
        for obj in extra:
            self._add(_load_extra(obj))

    def get(self, name: str) -> InstalledPlugin | None:
        return self.plugins.get(name)

    def hook_impls(self, hook_name: str) -> list[pluggy.HookImpl]:
        """The hook's implementations in call order: tryfirst, plain, trylast; each in discovery order."""

        def place(impl: pluggy.HookImpl) -> tuple[int, int]:
            group = 0 if impl.tryfirst else 2 if impl.trylast else 1
            return group, self._found.get(impl.plugin_name, len(self._found))  # registered around discovery: last

        return sorted(getattr(self.pm.hook, hook_name).get_hookimpls(), key=place)

    def _add(self, plugin: InstalledPlugin) -> None:
        if plugin.name in self.plugins:
            kept = self.plugins[plugin.name].source
            log.error("plugin %s is installed twice; keeping the first (%s)", plugin.name, kept)
            return
        self.plugins[plugin.name] = plugin
        self._found[plugin.name] = len(self._found)
        if plugin.loadable:  # a settings schema that cannot round-trip through storage is refused here, once
            plugin.load_error = schema_problem(plugin.meta) or ""
        if plugin.loadable:
            self._register(plugin)

    def _register(self, plugin: InstalledPlugin) -> None:
        try:
            self.pm.register(plugin.obj, name=plugin.name)
            self.pm.check_pending()
            refuse_wrappers(self.pm, plugin.obj)
        except (pluggy.PluginValidationError, ValueError) as exc:
            if self.pm.is_registered(plugin.obj):
                self.pm.unregister(plugin.obj)
            plugin.load_error = f"invalid hook implementation: {exc}"
            log.error("plugin %s not registered: %s", plugin.name, exc)
            return
        plugin.hooks = sorted(impl_names(self.pm, plugin.obj))


class WrapperRefused(ValueError):
    """A `hookwrapper=True` or `wrapper=True` implementation: the dispatcher calls each
    implementation on its own, in its own thread, so a wrapper would have no call to wrap."""


def refuse_wrappers(pm: pluggy.PluginManager, obj: Any) -> None:
    for caller in pm.get_hookcallers(obj) or []:
        for impl in caller.get_hookimpls():
            if impl.plugin is obj and (impl.hookwrapper or impl.wrapper):
                raise WrapperRefused(f"plugin {impl.plugin_name} implements {caller.name} as a wrapper; "
                                     "Shopwright calls each implementation itself; wrappers are not supported")


def impl_names(pm: pluggy.PluginManager, obj: Any) -> set[str]:
    callers = pm.get_hookcallers(obj) or []
    return {caller.name for caller in callers}


def read_manifest(path: Path) -> list[dict[str, Any]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return list(data.get("plugin", []))


def default_manifest() -> Path | None:
    """The manifest beside the source tree, or the installed copy under sys.prefix."""
    for candidate in (
        Path(__file__).resolve().parent.parent / "plugin_manifest.toml",
        Path(sys.prefix) / "share" / "shopwright" / "plugin_manifest.toml",
    ):
        if candidate.exists():
            return candidate
    return None


def _load_builtin(entry: dict[str, Any]) -> InstalledPlugin:
    name = entry.get("name", "?")
    try:
        module = importlib.import_module(entry["module"])
        meta = PluginMeta(
            name=name,
            version=entry["version"],
            description=entry.get("description", ""),
            requires_host=entry.get("requires_host", ""),
            permissions=tuple(entry.get("permissions", ())),
            settings=_resolve(entry["settings"]) if entry.get("settings") else PluginMeta.settings,
            author=entry.get("author", "Shopwright"),
        )
    except Exception as exc:  # a broken built-in must not stop the server
        log.exception("built-in plugin %s failed to load", name)
        return InstalledPlugin(name=name, meta=None, load_error=f"failed to load: {exc}")
    return InstalledPlugin(name=name, meta=meta, obj=module, source="builtin")


def _load_entry_point(ep) -> InstalledPlugin:
    try:
        obj = ep.load()
    except Exception as exc:  # a broken third-party package must not stop the server
        log.exception("plugin package %s failed to import", ep.name)
        return InstalledPlugin(name=ep.name, meta=None, source="entry_point", load_error=f"failed to import: {exc}")
    return _from_object(obj, "entry_point", fallback_name=ep.name)


def _load_extra(obj: Any) -> InstalledPlugin:
    """A plugin object, or a module path (from SHOPWRIGHT_EXTRA_PLUGINS, for local development)."""
    if not isinstance(obj, str):
        return _from_object(obj, "config")
    try:
        return _from_object(importlib.import_module(obj), "config")
    except Exception as exc:
        log.exception("plugin module %s failed to import", obj)
        return InstalledPlugin(name=obj, meta=None, source="config", load_error=f"failed to import: {exc}")


def _from_object(obj: Any, source: str, fallback_name: str = "") -> InstalledPlugin:
    meta = getattr(obj, "plugin_meta", None)
    name = getattr(meta, "name", None) or fallback_name or getattr(obj, "__name__", repr(obj))
    if not isinstance(meta, PluginMeta):
        error = "has no `plugin_meta = PluginMeta(...)`"
        return InstalledPlugin(name=name, meta=None, obj=obj, source=source, load_error=error)
    return InstalledPlugin(name=name, meta=meta, obj=obj, source=source)


def _resolve(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    module: ModuleType = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise PluginMetaError(f"{path}: no attribute {attr!r}") from exc
