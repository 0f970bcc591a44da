"""`shopwright plugin new NAME`: a new plugin package that passes its own tests out of the box.

The files come from `template/`: every `*.tmpl` file is filled in with `string.Template`
(`${name}`, `${package}`, ...; a literal dollar sign is `$$`) and written without the suffix,
and `__package__` and `__name__` in file and folder names become the package and plugin names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template

from packaging.version import Version

from shopwright.host.pluginmeta import NAME_PATTERN
from shopwright.host.version import __version__ as HOST_VERSION

TEMPLATE = Path(__file__).resolve().parent / "template"
SUFFIX = ".tmpl"


class ScaffoldError(ValueError):
    """The plugin cannot be created; the message says why and what to do instead."""


@dataclass(frozen=True)
class Names:
    name: str  # the plugin's name: gift_wrap
    package: str  # the Python package: shopwright_gift_wrap
    dist: str  # the distribution on PyPI and the folder: shopwright-gift-wrap
    title: str  # for people: Gift Wrap
    requires_host: str  # the host versions the new plugin declares: >=0.1,<0.2


def names_for(name: str) -> Names:
    if not NAME_PATTERN.match(name or ""):
        raise ScaffoldError(f"plugin name {name!r} must start with a lowercase letter and contain only "
                            "lowercase letters, digits and _ (2 to 63 characters), e.g. gift_wrap")
    return Names(name=name, package=f"shopwright_{name}", dist="shopwright-" + name.replace("_", "-"),
                 title=name.replace("_", " ").title(), requires_host=compatible_range(HOST_VERSION))


def compatible_range(version: str) -> str:
    """The releases sharing this host's minor version (0.x releases may break between minors)."""
    release = Version(version)  # read as pip reads it (PEP 440), not by splitting on dots
    major, minor = release.major, release.minor
    return f">={major}.{minor},<{major}.{minor + 1}" if major == 0 else f">={major}.{minor},<{major + 1}"


def create_plugin(name: str, directory: Path | str = ".") -> Path:
    """Write the package folder `<directory>/shopwright-<name>/` and return its path."""
    names = names_for(name)
    target = Path(directory) / names.dist
    if target.exists():
        raise ScaffoldError(f"{target} exists already; choose another name or --directory")
    values = asdict(names)
    files = {_target_path(source, names): _fill(source, values) for source in _sources()}
    target.mkdir(parents=True)
    for relative, text in sorted(files.items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


def _sources() -> list[Path]:
    return sorted(p for p in TEMPLATE.rglob("*") if p.is_file() and p.name.endswith(SUFFIX))


def _target_path(source: Path, names: Names) -> Path:
    relative = source.relative_to(TEMPLATE).as_posix().removesuffix(SUFFIX)
    return Path(relative.replace("__package__", names.package).replace("__name__", names.name))


def _fill(source: Path, values: dict[str, str]) -> str:
    try:
        return Template(source.read_text(encoding="utf-8")).substitute(values)
    except (KeyError, ValueError) as exc:  # a broken template is the host's bug: say which file
        raise ScaffoldError(f"scaffold template {source.name} is broken: {exc!r}") from exc
