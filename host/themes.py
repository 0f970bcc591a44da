"""Storefront themes and the template lookup chain.

A theme is a folder with `theme.toml` (title, description), `templates/` and `static/`. Built-in
themes live in the `themes` package; a shop's own can go in `<instance>/themes/` (found first).

Templates are looked up in the shop's theme, then in the plugins' `templates/` folders (each under
its plugin's name), then in the host defaults (`host/templates/storefront`, then the default
theme). A name prefixed with ``default:`` skips the shop's theme, so a theme that overrides a
template can still extend the version it replaces: ``{% extends "default:product.html" %}``.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from shopwright import themes as builtin_themes
from shopwright.host.plugins import PluginRegistry

log = logging.getLogger("shopwright.themes")

DEFAULT_THEME = "default"
DEFAULT_PREFIX = "default:"
HOST_TEMPLATES = Path(__file__).resolve().parent / "templates" / "storefront"
BUILTIN_DEFAULT = Path(builtin_themes.__file__).resolve().parent / DEFAULT_THEME / "templates"


@dataclass(frozen=True)
class Theme:
    name: str
    title: str
    description: str
    path: Path

    @property
    def templates(self) -> Path:
        return self.path / "templates"

    @property
    def static(self) -> Path:
        return self.path / "static"


def theme_folders(instance_path: str) -> list[Path]:
    """Where themes are looked for, first match wins: the instance's own, then the built-ins."""
    return [Path(instance_path) / "themes", Path(builtin_themes.__file__).resolve().parent]


def discover_themes(folders: list[Path]) -> dict[str, Theme]:
    found: dict[str, Theme] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for candidate in sorted(folder.iterdir()):
            if candidate.name not in found and (candidate / "templates").is_dir():
                found[candidate.name] = _read_theme(candidate)
    return found


def _read_theme(path: Path) -> Theme:
    info: dict[str, Any] = {}
    if (path / "theme.toml").exists():
        try:
            info = tomllib.loads((path / "theme.toml").read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:  # a broken description must not hide the theme
            log.error("theme %s: theme.toml is not valid TOML: %s", path.name, exc)
    return Theme(name=path.name, title=info.get("title", path.name.title()),
                 description=info.get("description", ""), path=path)


def plugin_template_loader(registry: PluginRegistry) -> jinja2.BaseLoader:
    """`<plugin>/...` from that plugin package's `templates/<plugin>/...` file."""
    folders = {name: plugin.resource_dir("templates") for name, plugin in registry.plugins.items()}
    return PluginTemplateLoader({name: jinja2.FileSystemLoader(str(f)) for name, f in folders.items() if f})


class PluginTemplateLoader(jinja2.BaseLoader):
    """Each plugin answers only for names under its own name, so one plugin's templates can never
    shadow another's; the file keeps its full name inside the package (`templates/<plugin>/x.html`)."""

    def __init__(self, loaders: dict[str, jinja2.BaseLoader]):
        self.loaders = loaders

    def get_source(self, environment: jinja2.Environment, template: str):
        plugin = template.split("/", 1)[0]
        if plugin not in self.loaders:
            raise jinja2.TemplateNotFound(template)
        return self.loaders[plugin].get_source(environment, template)

    def list_templates(self) -> list[str]:
        return sorted(name for plugin, loader in self.loaders.items()
                      for name in loader.list_templates() if name.startswith(plugin + "/"))


class ChainLoader(jinja2.BaseLoader):
    """The lookup chain: the theme's loader first, then `fallbacks`; ``default:NAME`` skips the theme."""

    def __init__(self, theme: jinja2.BaseLoader, fallbacks: list[jinja2.BaseLoader]):
        self.theme = theme
        self.fallbacks = fallbacks

    def get_source(self, environment: jinja2.Environment, template: str):
        loaders = [self.theme, *self.fallbacks]
        name = template
        if template.startswith(DEFAULT_PREFIX):
            loaders, name = self.fallbacks, template[len(DEFAULT_PREFIX):]
        for loader in loaders:
            try:
                return loader.get_source(environment, name)
            except jinja2.TemplateNotFound:
                continue
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for loader in [self.theme, *self.fallbacks]:
            names.update(loader.list_templates())
        return sorted(names)


class ThemeHost:
    """The themes this server knows and one Jinja environment per theme, built on first use."""

    def __init__(self, instance_path: str, registry: PluginRegistry, auto_reload: bool = False):
        self.themes = discover_themes(theme_folders(instance_path))
        self.registry = registry
        self.auto_reload = auto_reload
        self._environments: dict[str, jinja2.Environment] = {}
        self.globals: dict[str, Any] = {}  # added to every theme's environment (widget(), url_for, ...)

    def available(self) -> list[Theme]:
        return sorted(self.themes.values(), key=lambda t: (t.name != DEFAULT_THEME, t.name))

    def get(self, name: str) -> Theme:
        """The named theme, or the default one when a shop names a theme that is gone."""
        if name in self.themes:
            return self.themes[name]
        if DEFAULT_THEME not in self.themes:
            raise LookupError(f"theme {name!r} is not installed, nor is the {DEFAULT_THEME!r} theme")
        log.warning("theme %r is not installed; using %r", name, DEFAULT_THEME)
        return self.themes[DEFAULT_THEME]

    def environment(self, name: str) -> jinja2.Environment:
        theme = self.get(name)
        if theme.name not in self._environments:
            self._environments[theme.name] = self._build(theme)
        return self._environments[theme.name]

    def render(self, theme: str, template: str, **context: Any) -> str:
        return self.environment(theme).get_template(template).render(**context)

    def _build(self, theme: Theme) -> jinja2.Environment:
        fallbacks = [plugin_template_loader(self.registry), jinja2.FileSystemLoader(str(HOST_TEMPLATES))]
        if DEFAULT_THEME in self.themes and theme.name != DEFAULT_THEME:
            fallbacks.append(jinja2.FileSystemLoader(str(self.themes[DEFAULT_THEME].templates)))
        if BUILTIN_DEFAULT.is_dir():
            # Last of all the built-in default, even when the instance has its own `default`: a
            # page that theme leaves out, or its `default:` extends, still resolves.
            fallbacks.append(jinja2.FileSystemLoader(str(BUILTIN_DEFAULT)))
        env = jinja2.Environment(
            loader=ChainLoader(jinja2.FileSystemLoader(str(theme.templates)), fallbacks),
            autoescape=True,  # every template, whatever its extension: plugin output included
            auto_reload=self.auto_reload,
            undefined=jinja2.ChainableUndefined,  # a missing optional field renders empty, not a 500
        )
        env.globals.update(self.globals, theme=theme)
        return env
