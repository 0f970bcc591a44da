"""mypy over what plugin authors touch: the host's public surface checks clean (as `make
typecheck` runs it), and a plugin that annotates its hooks with `from shopwright import ...`
gets real types through the package's `py.typed`, so its mistakes are reported."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The repository folders that install below `shopwright` (setup.py's mapping).
FOLDERS = ("host", "plugins", "kernels", "themes")

pytestmark = pytest.mark.slow


def public_surface() -> list[str]:
    """The modules `make typecheck` checks, read from the Makefile so the two cannot drift."""
    found = re.search(r"^PUBLIC_SURFACE := (.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert found, "the Makefile names no PUBLIC_SURFACE"
    return found.group(1).split()


def installed_layout(where: Path, typed: bool = True) -> Path:
    """A `shopwright` folder of links laid out as the package installs (mypy does not follow
    setup.py's folder mapping); the marker file only when `typed`."""
    package = where / "shopwright"
    package.mkdir(parents=True)
    (package / "__init__.py").symlink_to(ROOT / "shopwright" / "__init__.py")
    if typed:
        (package / "py.typed").symlink_to(ROOT / "shopwright" / "py.typed")
    for folder in FOLDERS:
        (package / folder).symlink_to(ROOT / folder, target_is_directory=True)
    return where


def mypy(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if name not in ("MYPYPATH", "PYTHONPATH")}
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=cwd, env={**environment, **env},
                          capture_output=True, text=True, timeout=600)


def test_the_public_surface_typechecks_as_make_typecheck_runs_it(tmp_path):
    tree = installed_layout(tmp_path / "typecheck")
    modules = ["shopwright", *(f"shopwright.host.{name}" for name in public_surface())]
    result = mypy("--cache-dir", str(tmp_path / "cache"), *(arg for name in modules for arg in ("-m", name)),
                  cwd=ROOT, MYPYPATH=str(tree))  # setup.cfg's [mypy] sections apply, as in `make typecheck`
    assert result.returncode == 0, result.stdout + result.stderr


TYPED_PLUGIN = '''
from __future__ import annotations

from typing import Any

from markupsafe import Markup

from shopwright import JobRun, PluginMeta, Product, RegisterJobType, RegisterWidget, Review, ShopContext, hookimpl

plugin_meta = PluginMeta(name="typed_example", version="1.0", permissions=("read:catalog", "read:reviews"))


def units_left(product: Product) -> int:
    return sum(max(0, variant["inventory_qty"]) for variant in product["variants"])


def badge(ctx: ShopContext, product: Product | None = None) -> dict[str, Any] | None:
    left = units_left(product) if product else 0
    threshold: int = ctx.settings["threshold"]
    return {"left": left} if 0 < left <= threshold else None


def recount(job: JobRun) -> dict[str, Any]:
    products = job.ctx.products()
    for done, product in enumerate(products, 1):
        job.check_cancelled()
        job.progress(done, len(products), product["title"])
    return {"products": len(products)}


@hookimpl
def register_widgets(register: RegisterWidget) -> None:
    register("badge", badge, title="Low stock badge")


@hookimpl
def register_job_types(register: RegisterJobType) -> None:
    register("recount", recount, title="Recount stock")


@hookimpl
def on_review_created(ctx: ShopContext, review: Review) -> None:
    ctx.cache.forget(review["product_id"])


@hookimpl
def render_slot(ctx: ShopContext, slot: str, product: Product | None) -> Markup | None:
    if slot == "product.below_description" and product and product["in_stock"]:
        return Markup("<p>Ships in {} days</p>").format(ctx.settings["days"])
    return None
'''

#: file name -> (a change to the typed plugin, what mypy must say about it)
MISTAKES = {
    "unknown_key.py": (('product["title"]', 'product["nonexistent"]'), 'TypedDict "Product" has no key "nonexistent"'),
    "misspelt_import.py": (("Review, ShopContext", "Review, ShopContext, Prodcut"),
                           'Module "shopwright" has no attribute "Prodcut"'),
    "misspelt_argument.py": (('title="Low stock badge"', 'titel="Low stock badge"'),
                             'Unexpected keyword argument "titel"'),
    "wrong_result.py": (('return {"products": len(products)}', 'return len(products)'),
                        'Incompatible return value type (got "int", expected "dict[str, Any]")'),
}


@pytest.fixture
def plugins(tmp_path):
    """The typed plugin and one copy per mistake, in a folder of their own, and a strict config."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "typed_plugin.py").write_text(TYPED_PLUGIN, encoding="utf-8")
    for name, ((old, new), _said) in MISTAKES.items():
        assert TYPED_PLUGIN.count(old) == 1, old
        (folder / name).write_text(TYPED_PLUGIN.replace(old, new), encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy]\npython_version = 3.11\nstrict = True\n", encoding="utf-8")
    return folder


def check_plugins(tmp_path: Path, files: list[str], typed: bool = True) -> subprocess.CompletedProcess[str]:
    """mypy as a plugin author runs it: `shopwright` found as an installed package (on the path,
    not MYPYPATH), so mypy reads it only if it ships `py.typed`."""
    site = installed_layout(tmp_path / ("site" if typed else "site-untyped"), typed=typed)
    return mypy("--config-file", str(tmp_path / "mypy.ini"), "--cache-dir", str(tmp_path / "cache"),
                "--no-error-summary", *files, cwd=tmp_path / "plugins", PYTHONPATH=str(site))


def test_a_plugin_gets_the_types_through_py_typed_and_its_mistakes_are_reported(tmp_path, plugins):
    result = check_plugins(tmp_path, ["typed_plugin.py", *MISTAKES])
    reported = result.stdout.splitlines()
    assert [line for line in reported if line.startswith("typed_plugin.py")] == []
    for name, (_change, said) in MISTAKES.items():
        assert [line for line in reported if line.startswith(name) and said in line], (name, result.stdout)
    assert sorted({line.split(":")[0] for line in reported if ": error:" in line}) == sorted(MISTAKES), result.stdout


def test_without_py_typed_mypy_would_not_read_the_package(tmp_path, plugins):
    result = check_plugins(tmp_path, ["typed_plugin.py"], typed=False)
    assert result.returncode == 1
    assert 'module is installed, but missing library stubs or py.typed marker' in result.stdout, result.stdout


def guide_types_example() -> str:
    """The first Python example under "### Types" in the plugin guide."""
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = guide[guide.index("### Types"):]
    return section[section.index("```python\n") + len("```python\n"):section.index("\n```", section.index("```python"))]


def test_the_guides_typed_example_passes_strict_mypy(tmp_path, plugins):
    (plugins / "guide_example.py").write_text(guide_types_example() + "\n", encoding="utf-8")
    result = check_plugins(tmp_path, ["guide_example.py"])
    assert result.returncode == 0, result.stdout
