"""`shopwright plugin new NAME`: the generated package passes its own tests out of the box."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import shopwright
from shopwright.host.cli import main
from shopwright.host.scaffold import ScaffoldError, compatible_range, create_plugin
from shopwright.host.testing import add_fixture_shop, widget_data


def run_new(*args):
    return CliRunner().invoke(main, ["plugin", "new", *args])


def test_plugin_new_writes_a_complete_package(tmp_path):
    result = run_new("gift_wrap", "--directory", str(tmp_path))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "shopwright-gift-wrap"
    assert str(folder) in result.output
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "pyproject.toml",
        "shopwright_gift_wrap/__init__.py",
        "shopwright_gift_wrap/static/gift_wrap.css",
        "shopwright_gift_wrap/templates/gift_wrap/banner.html",
        "tests/conftest.py",
        "tests/test_plugin.py",
    ]
    project = tomllib.loads((folder / "pyproject.toml").read_text())
    assert project["project"]["name"] == "shopwright-gift-wrap"
    assert project["project"]["entry-points"]["shopwright.plugins"] == {"gift_wrap": "shopwright_gift_wrap"}
    assert not any("${" in (folder / f).read_text() for f in files), "every placeholder is filled in"


def test_the_generated_package_passes_its_own_tests(tmp_path):
    folder = create_plugin("gift_wrap", tmp_path)
    # The package itself is not installed: only its folder is on the path, as in a fresh checkout.
    path = os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder,
                            env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


def test_the_generated_package_passes_its_own_lint_settings(tmp_path):
    """The package a new author starts from is clean under the ruff settings it ships with."""
    folder = create_plugin("gift_wrap", tmp_path)
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "--no-cache", "."], cwd=folder, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_generated_plugin_loads_in_the_host(tmp_path, monkeypatch, sw_app_factory):
    folder = create_plugin("gift_wrap", tmp_path)
    monkeypatch.syspath_prepend(str(folder))
    app = sw_app_factory(["shopwright_gift_wrap"])  # a module path, as SHOPWRIGHT_EXTRA_PLUGINS takes
    try:
        shop = add_fixture_shop(app)
        row = shop.enable("gift_wrap")
        assert (row["state"], row["requires_host"]) == ("enabled", compatible_range(shopwright.__version__))
        assert widget_data(shop, "gift_wrap.banner", product="merino-crew")["message"] == "Hello from Gift Wrap"
    finally:
        sys.modules.pop("shopwright_gift_wrap", None)


@pytest.mark.parametrize("name", ["GiftWrap", "gift-wrap", "9lives", "x", "gift wrap", ""])
def test_bad_names_get_a_clear_error(tmp_path, name):
    result = run_new(name, "--directory", str(tmp_path))
    assert result.exit_code != 0
    assert "lowercase letters, digits and _" in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path):
    existing = tmp_path / "shopwright-gift-wrap"
    existing.mkdir()
    (existing / "mine.txt").write_text("keep me")
    result = run_new("gift_wrap", "--directory", str(tmp_path))
    assert result.exit_code != 0 and "exists already" in result.output
    assert [p.name for p in existing.iterdir()] == ["mine.txt"]
    with pytest.raises(ScaffoldError):
        create_plugin("gift_wrap", tmp_path)


@pytest.mark.parametrize("version, expected", [("0.1.0", ">=0.1,<0.2"), ("0.3.2", ">=0.3,<0.4"),
                                               ("1.4.0", ">=1.4,<2"), ("1.4", ">=1.4,<2"),
                                               ("2.1.0.post1", ">=2.1,<3")])
def test_the_new_plugin_declares_the_host_versions_it_was_made_for(version, expected):
    assert compatible_range(version) == expected
