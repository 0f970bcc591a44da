"""Packaging: the wheel installs one import name, `shopwright`, and no PyTorch; the `local` extra
brings the local models. In a fresh environment holding only the wheel, its dependencies and
pytest, a new plugin's tests and the example plugin's tests pass, as on a plugin author's machine.
Every build runs on a copy, so no build/ or egg-info lands in the repository."""

import configparser
import json
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import shopwright
from shopwright.host.scaffold import create_plugin

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shopwright-low-stock"
# What the build reads, and the folders installed below `shopwright` (setup.py's mapping).
BUILD_FILES = ("setup.py", "setup.cfg", "pyproject.toml", "README.md", "plugin_manifest.toml")
INSTALLED_FOLDERS = {"shopwright": "shopwright", "host": "shopwright/host", "plugins": "shopwright/plugins",
                     "kernels": "shopwright/kernels", "themes": "shopwright/themes"}
LOCAL_ONLY = {"torch", "transformers", "triton", "gguf"}  # what a plugin author never downloads
GENERIC_NAMES = ("host", "plugins", "kernels", "themes")
CACHES = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*_cache")


def run(command: list[str], timeout: float = 240, **options) -> str:
    """Run `command`, fail the test with its output unless it succeeds; returns that output."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **options)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)}\n{output}"
    return output


def build_wheel(source: Path, out: Path) -> tuple[Path, str]:
    """The wheel of the project in `source`, and the build's output (verbose: setuptools' warnings)."""
    output = run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                  "--no-index", "-v", "-w", str(out)], cwd=source)
    [wheel] = out.glob("*.whl")
    return wheel, output


def source_files(folder: Path) -> list[str]:
    """Every file below `folder` but caches, relative to it."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc")


def metadata(wheel: zipfile.ZipFile, name: str) -> str:
    [path] = [n for n in wheel.namelist() if n.endswith(f".dist-info/{name}")]
    return wheel.read(path).decode()


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("source")
    for name in BUILD_FILES:
        shutil.copy2(ROOT / name, copy / name)
    for folder in INSTALLED_FOLDERS:
        shutil.copytree(ROOT / folder, copy / folder, ignore=CACHES)
    return copy


@pytest.fixture(scope="module")
def built(source, tmp_path_factory) -> tuple[Path, str]:
    return build_wheel(source, tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def wheel(built):
    with zipfile.ZipFile(built[0]) as opened:
        yield opened


# -- the wheel -------------------------------------------------------------------------------
def test_the_wheel_installs_one_import_name(wheel, built):
    version = shopwright.__version__
    allowed = ("shopwright/", f"shopwright-{version}.dist-info/", f"shopwright-{version}.data/")
    assert [n for n in wheel.namelist() if not n.startswith(allowed)] == []
    assert metadata(wheel, "top_level.txt").split() == ["shopwright"]
    assert "would be ignored" not in built[1].lower()


def test_the_wheel_ships_every_source_and_data_file(wheel, source):
    shipped = set(wheel.namelist())
    for folder, installed_as in INSTALLED_FOLDERS.items():
        missing = [f for f in source_files(source / folder) if f"{installed_as}/{f}" not in shipped]
        assert missing == [], f"{folder}/ files missing from the wheel"
    assert "shopwright/py.typed" in shipped
    for data in ("shopwright/host/templates/admin/", "shopwright/host/static/admin/", "shopwright/themes/default/",
                 "shopwright/host/scaffold/template/", "shopwright/plugins/bestsellers/templates/"):
        assert any(n.startswith(data) for n in shipped), data


def test_the_wheel_declares_the_console_script(wheel):
    entry_points = configparser.ConfigParser()
    entry_points.read_string(metadata(wheel, "entry_points.txt"))
    assert entry_points["console_scripts"]["shopwright"] == "shopwright.host.cli:main"


def test_torch_and_the_models_come_only_with_the_local_extra(wheel):
    fields = Parser().parsestr(metadata(wheel, "METADATA"))
    requirements = [Requirement(line) for line in fields.get_all("Requires-Dist")]
    # Triton's wheels are Linux-only, so its requirement also carries a platform marker.
    local = {r.name.lower() for r in requirements if r.marker and 'extra == "local"' in str(r.marker)}
    assert local == LOCAL_ONLY
    elsewhere = [str(r) for r in requirements
                 if r.name.lower() in LOCAL_ONLY and not (r.marker and 'extra == "local"' in str(r.marker))]
    assert elsewhere == []
    assert {"local", "postgres", "test"} <= set(fields.get_all("Provides-Extra"))


def test_the_repository_install_imports_no_torch(tmp_path):
    """The host, its test kit and the fake models, as a plugin's tests use them."""
    script = """
import json, sys
from shopwright.host.app import state_of
from shopwright.host.testing import add_fixture_shop, build_app, use_fake_models
app = build_app(sys.argv[1])
shop = add_fixture_shop(app)
use_fake_models(app)
inference = state_of(app).inference
inference.text_model(shop.id).complete("hello")
inference.embedder(shop.id).embed(["steel mug"])
state_of(app).close()
print(json.dumps(sorted(set(sys.modules) & set(sys.argv[2].split(",")))))
"""
    output = run([sys.executable, "-c", script, str(tmp_path), ",".join(LOCAL_ONLY)])
    assert json.loads(output.splitlines()[-1]) == []


# -- plugin packages ---------------------------------------------------------------------------
def copy_of_example(tmp_path: Path) -> Path:
    copy = tmp_path / EXAMPLE.name
    shutil.copytree(EXAMPLE, copy, ignore=CACHES)
    return copy


def assert_builds_cleanly_with_its_data(project: Path, package: str, out: Path) -> None:
    wheel, output = build_wheel(project, out)
    assert "running bdist_wheel" in output, "the build's own output is what is checked below"
    assert "would be ignored" not in output.lower(), output
    with zipfile.ZipFile(wheel) as opened:
        shipped = {n for n in opened.namelist() if ".dist-info/" not in n}
    assert shipped == {f"{package}/{f}" for f in source_files(project / package)}  # templates, static, no tests


def test_the_example_plugin_builds_without_warnings_and_ships_its_files(tmp_path):
    assert_builds_cleanly_with_its_data(copy_of_example(tmp_path), "shopwright_low_stock", tmp_path / "out")


def test_a_new_plugin_builds_without_warnings_and_ships_its_files(tmp_path):
    project = create_plugin("gift_wrap", tmp_path)
    assert_builds_cleanly_with_its_data(project, "shopwright_gift_wrap", tmp_path / "out")


# -- a light install, as a plugin author makes it -----------------------------------------------
@pytest.fixture(scope="module")
def light_python(built, tmp_path_factory) -> Path:
    """The python of a new environment with the wheel, its dependencies from the index, and pytest."""
    venv = tmp_path_factory.mktemp("light") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    # This environment's pip installs into the new one: quicker than bootstrapping a pip there.
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", str(built[0]), "pytest"],
        timeout=600)
    return python


def light_environ(python: Path, path: Path | None = None) -> dict[str, str]:
    """The environment of a shell in the light install: nothing of this repository's on the path."""
    # No PostgreSQL either: the light install has no driver, and its kit apps use SQLite.
    environ = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "SHOPWRIGHT_TEST_POSTGRES")}
    environ["PATH"] = f"{python.parent}{os.pathsep}{environ.get('PATH', '')}"
    if path is not None:
        environ["PYTHONPATH"] = str(path)
    return environ


def run_package_tests(python: Path, project: Path) -> str:
    # The package is not installed: its folder is on the path, as in a fresh checkout.
    return run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
               env=light_environ(python, project), timeout=300)


@pytest.mark.slow
def test_the_light_install_has_the_public_surface_and_no_torch(light_python, tmp_path):
    script = """
import importlib.util, json, sys
import shopwright
from shopwright import PluginMeta, hookimpl
try:
    import torch
    torch_imports = True
except ImportError:
    torch_imports = False
found = [name for name in sys.argv[1].split(",") if importlib.util.find_spec(name)]
print(json.dumps({"version": shopwright.__version__, "torch": torch_imports, "generic": found}))
"""
    output = run([str(light_python), "-c", script, ",".join(GENERIC_NAMES)], cwd=tmp_path,
                 env=light_environ(light_python))
    assert json.loads(output.splitlines()[-1]) == {"version": shopwright.__version__, "torch": False, "generic": []}


@pytest.mark.slow
def test_a_shop_on_the_embedded_model_is_told_to_install_the_local_extra(light_python, tmp_path):
    script = """
import sys
from shopwright.host.app import state_of
from shopwright.host.inference import InferenceError
from shopwright.host.testing import add_fixture_shop, build_app
app = build_app(sys.argv[1], TEXT_BACKEND="embedded")
shop = add_fixture_shop(app)
try:
    state_of(app).inference.text_model(shop.id).complete("hello")
except InferenceError as exc:
    print(exc)
finally:
    state_of(app).close()
"""
    output = run([str(light_python), "-c", script, str(tmp_path)], cwd=tmp_path, env=light_environ(light_python))
    assert "The embedded model needs the local extra: pip install 'shopwright[local]'" in output


@pytest.mark.slow
def test_a_new_plugin_passes_its_tests_in_the_light_install(light_python, tmp_path):
    shopwright_cli = light_python.parent / "shopwright"  # the console script the wheel installed
    run([str(shopwright_cli), "plugin", "new", "gift_wrap", "--directory", str(tmp_path)],
        env=light_environ(light_python))
    assert " passed" in run_package_tests(light_python, tmp_path / "shopwright-gift-wrap")


@pytest.mark.slow
def test_the_example_plugin_passes_its_tests_in_the_light_install(light_python, tmp_path):
    assert " passed" in run_package_tests(light_python, copy_of_example(tmp_path))
