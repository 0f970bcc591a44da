"""The example third-party plugin, pip-installed into this environment: it is found through its
entry point, enabled for a shop, renders its widget on the storefront, answers its admin page,
and disappears from the page when disabled. The guide's quoted snippets are its real code."""

import importlib
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest

from shopwright.host.plugins import ENTRY_POINT_GROUP
from shopwright.host.testing import Storefront, add_fixture_shop, admin_client

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shopwright-low-stock"
GUIDE = ROOT / "docs" / "plugins.md"
DIST = "shopwright-low-stock"
BADGE = 'data-sw-widget="low_stock.badge"'


def pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    # Built from a copy, so no build/ or egg-info lands in the repository.
    source = tmp_path_factory.mktemp("example") / EXAMPLE.name
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".*_cache"))
    pip("install", "--no-deps", "--no-build-isolation", "--no-index", "--quiet", str(source))
    importlib.invalidate_caches()
    yield distribution(DIST)
    pip("uninstall", "--yes", "--quiet", DIST)
    sys.modules.pop("shopwright_low_stock", None)
    importlib.invalidate_caches()


@pytest.fixture
def shop(installed, sw_app_factory):
    return add_fixture_shop(sw_app_factory(LOAD_ENTRY_POINTS=True))


def test_the_package_declares_its_entry_point_and_ships_its_files(installed):
    [entry] = [ep for ep in installed.entry_points if ep.group == ENTRY_POINT_GROUP]
    assert (entry.name, entry.value) == ("low_stock", "shopwright_low_stock")
    shipped = {f.as_posix() for f in installed.files}
    for name in ("templates/low_stock/badge.html", "templates/low_stock/admin/overview.html",
                 "static/low_stock.css"):
        assert f"shopwright_low_stock/{name}" in shipped


def test_it_appears_as_installed_not_enabled(shop):
    listing = shop.app.test_client().get("/-/plugins.json").get_json()
    [row] = [p for p in listing["plugins"] if p["name"] == "low_stock"]
    assert (row["source"], row["version"], row["load_error"]) == ("entry_point", "1.0.0", "")
    assert row["hooks"] == ["register_admin_pages", "register_widgets"]
    described = shop.plugin_state("low_stock")
    assert (described["state"], described["permissions"]) == ("installed", ["read:catalog"])
    module = sys.modules["shopwright_low_stock"]
    assert Path(module.__file__).parent != EXAMPLE / "shopwright_low_stock", "imported from the install"


def test_enable_configure_see_the_badge_then_disable(shop):
    owner = admin_client(shop.app, shop)
    storefront = Storefront(shop.app.test_client(), shop.slug)
    assert BADGE not in storefront.product_page("merino-crew").get_data(as_text=True)

    owner.post("/admin/plugins/low_stock/enable", {"grant": ["read:catalog"]})
    assert shop.plugin_state("low_stock")["state"] == "enabled"
    # The sweater has 3 + 0 + 5 = 8 left: above the default threshold of 5, so no badge yet.
    assert BADGE not in storefront.product_page("merino-crew").get_data(as_text=True)

    saved = owner.post("/admin/plugins/low_stock/settings", {"threshold": "10", "message": "Only {left} left"})
    assert saved.status_code == 302
    page = storefront.product_page("merino-crew").get_data(as_text=True)
    assert BADGE in page and '<p class="sw-low-stock" role="status">Only 8 left</p>' in page
    assert BADGE not in storefront.product_page("enamel-camp-mug").get_data(as_text=True)  # 12 left

    owner.post("/admin/plugins/low_stock/disable")
    assert BADGE not in storefront.product_page("merino-crew").get_data(as_text=True)


def test_a_bad_setting_is_refused_with_the_field_named(shop):
    owner = admin_client(shop.app, shop)
    shop.enable("low_stock")
    refused = owner.post("/admin/plugins/low_stock/settings", {"threshold": "10", "message": "Only a few left"})
    assert refused.status_code == 422 and "{left}" in refused.get_data(as_text=True)
    assert shop.state.lifecycle.stored_settings(shop.id, "low_stock")["threshold"] == 5


def test_its_admin_page_lists_low_stock_products(shop):
    owner = admin_client(shop.app, shop)
    assert owner.get("/admin/plugins/low_stock/overview").status_code == 404, "not enabled yet"
    shop.enable("low_stock")
    shop.configure("low_stock", threshold=10)
    page = owner.get("/admin/plugins/low_stock/overview")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Merino Crew Sweater" in html and "Enamel Camp Mug" not in html
    assert "S: 3, M: 0, L: 5" in html


def test_the_embed_endpoints_serve_the_badge(shop):
    shop.enable("low_stock")
    shop.configure("low_stock", threshold=10)
    storefront = Storefront(shop.app.test_client(), shop.slug)
    assert storefront.widget_json("low_stock.badge", product="merino-crew").get_json()["data"] == {
        "left": 8, "text": "Only 8 left"}
    assert "Only 8 left" in storefront.widget_html("low_stock.badge", product="merino-crew").get_data(as_text=True)


def test_its_stylesheet_is_served_by_the_host(shop):
    response = shop.app.test_client().get("/plugins/low_stock/static/low_stock.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert b".sw-low-stock" in response.data
    response.close()


def test_its_own_tests_pass_against_the_installed_package(installed, tmp_path):
    tests = tmp_path / "tests"
    shutil.copytree(EXAMPLE / "tests", tests, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # ROOT: for a host installed in editable mode from here
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr


# -- the guide quotes the example's real code -----------------------------------------------
QUOTE = re.compile(r"<!-- quote: (?P<path>[^ ]+) -->\s*```[a-z]*\n(?P<code>.*?)```", re.DOTALL)


def test_the_guide_quotes_only_code_that_is_in_the_example():
    quotes = list(QUOTE.finditer(GUIDE.read_text(encoding="utf-8")))
    assert len(quotes) >= 4, "the walk-through quotes the example package"
    for quote in quotes:
        source = (EXAMPLE / quote["path"]).read_text(encoding="utf-8")
        assert quote["code"].strip() in source, f"docs/plugins.md quotes {quote['path']} wrongly"

