"""One import name: installed, everything lives below `shopwright`, and nothing claims a generic
top-level name such as `host` or `kernels` in a user's environment."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERIC_NAMES = ("host", "plugins", "kernels", "themes")
SOURCE_FOLDERS = ("shopwright", "host", "plugins", "kernels", "themes", "tests", "bench", "examples")


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    # Run outside the checkout, so its folders are not on the path: only the installed names count.
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=240)


def absolute_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_no_source_file_imports_a_generic_top_level_name():
    offenders = []
    for folder in SOURCE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            offenders += [f"{path.relative_to(ROOT)}: {name}" for name in absolute_imports(path)
                          if name.split(".")[0] in GENERIC_NAMES]
    assert offenders == []


@pytest.mark.slow
def test_every_host_and_plugin_module_imports_under_shopwright_alone(tmp_path):
    code = f"""
import importlib, importlib.util, pkgutil, sys
import shopwright.host, shopwright.plugins
# wsgi builds an app and the migrations' env.py runs Alembic: neither is a plain import.
skipped = ("shopwright.host.wsgi", "shopwright.host.migrations")
for package in (shopwright.host, shopwright.plugins):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not module.name.startswith(skipped):
            importlib.import_module(module.name)
generic = {GENERIC_NAMES!r}
assert not [name for name in sys.modules if name.split(".")[0] in generic], "a generic name was imported"
assert [name for name in generic if importlib.util.find_spec(name) is not None] == []
"""
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_kernels_import_nothing_of_the_host(tmp_path):
    code = """
import sys
import shopwright.kernels, shopwright.kernels.transformers_attention
assert not [name for name in sys.modules if name.startswith(("shopwright.host", "shopwright.plugins"))]
"""
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr


def test_transformers_no_longer_mistakes_our_kernels_for_its_kernel_hub(tmp_path):
    pytest.importorskip("transformers")
    code = """
from transformers.utils.import_utils import _is_package_available
available, _version = _is_package_available("kernels", return_version=True)
assert available is False
"""
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr


def test_plugins_import_the_public_names_from_shopwright(tmp_path):
    code = """
import shopwright
from shopwright import PermanentError, PluginMeta, __version__, create_app, hookimpl
from shopwright.host.hookspecs import hookimpl as marker
assert hookimpl is marker and callable(create_app) and issubclass(PermanentError, Exception)
assert __version__ == shopwright.__version__
"""
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
