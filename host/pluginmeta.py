"""What a plugin says about itself: name, version, supported host versions, permissions, settings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import marshmallow
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from shopwright.host.version import __version__ as HOST_VERSION

#: Data scopes a plugin can ask for; the owner grants them when enabling the plugin.
PERMISSIONS = {
    "read:catalog": "Read products, variants and stock",
    "read:reviews": "Read product reviews",
    "read:orders": "Read orders (without customer details)",
    "read:customers": "Read customer details (names, emails, addresses)",
    "read:events": "Read storefront events (views, carts, widget clicks)",
    "write:content": "Save drafts of product copy and summaries for review",
}

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class PluginMetaError(ValueError):
    """A plugin's metadata is incomplete or inconsistent."""


class EmptySettings(marshmallow.Schema):
    """Settings schema of a plugin that has none."""


@dataclass(frozen=True)
class PluginMeta:
    """Metadata a plugin declares (third-party: a module attribute `plugin_meta`; built-ins: the
    manifest). `settings` is a marshmallow Schema class; mark secret fields with
    ``metadata={"secret": True}`` so they are never echoed back."""

    name: str
    version: str
    description: str = ""
    requires_host: str = ""
    permissions: tuple[str, ...] = ()
    settings: type[marshmallow.Schema] = EmptySettings
    author: str = ""
    homepage: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name or ""):
            raise PluginMetaError(f"plugin name {self.name!r} must be lowercase letters, digits, _")
        _check_version(self.name, self.version)
        unknown = set(self.permissions) - set(PERMISSIONS)
        if unknown:
            raise PluginMetaError(f"plugin {self.name}: unknown permissions {sorted(unknown)}")
        try:
            SpecifierSet(self.requires_host)
        except InvalidSpecifier as exc:
            raise PluginMetaError(f"plugin {self.name}: requires_host {self.requires_host!r}: {exc}") from exc
        if not (isinstance(self.settings, type) and issubclass(self.settings, marshmallow.Schema)):
            raise PluginMetaError(f"plugin {self.name}: settings must be a marshmallow Schema class")

    def incompatibility(self, host_version: str = HOST_VERSION) -> str | None:
        """Why this host cannot run the plugin, or None when it can."""
        spec = SpecifierSet(self.requires_host)
        if Version(host_version) in spec or not self.requires_host:
            return None
        return f"requires host {self.requires_host}, this host is {host_version}"

    def secret_fields(self) -> set[str]:
        fields = self.settings().fields
        return {name for name, f in fields.items() if f.metadata.get("secret")}


def _check_version(name: str, version: str) -> None:
    try:
        Version(version)
    except Exception as exc:
        raise PluginMetaError(f"plugin {name}: version {version!r} is not a version number") from exc
