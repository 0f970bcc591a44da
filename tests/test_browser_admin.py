"""The shop owner's day in the admin panel, in Chromium: sign in, enable the example plugin,
get a setting wrong and right, see its widget on the storefront and gone again after disabling,
read the row errors of a bad upload, watch a job's progress bar reach 100%, and go through every
main page under the admin's real Content-Security-Policy without a violation."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from shopwright import PluginMeta, hookimpl
from shopwright.host.models import GeneratedContent, Product
from shopwright.host.testing import add_fixture_shop
from tests import browser_kit
from tests.browser_kit import live_server
from tests.csp_watch import settle, watch_csp

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shopwright-low-stock"
PASSWORD = browser_kit.OWNER_PASSWORD
BAD_PRODUCTS = (
    "handle,title,sku,price,inventory_qty\n"
    "good-one,Good One,G-1,10.00,3\n"
    "bad-price,Bad Price,B-1,ten dollars,3\n"
    ",No Handle,N-1,5.00,1\n"
)
GOOD_PRODUCTS = "handle,title,sku,price,inventory_qty\n" + "".join(
    f"item-{n},Item {n},I-{n},{n}.00,{n}\n" for n in range(1, 41))


@pytest.fixture
def example_plugin():
    """The example package straight from its source folder, forgotten again afterwards so the
    test that pip-installs it imports the installed copy."""
    sys.path.insert(0, str(EXAMPLE))
    try:
        yield importlib.import_module("shopwright_low_stock")
    finally:
        sys.path.remove(str(EXAMPLE))
        for name in [m for m in sys.modules if m.split(".")[0] == "shopwright_low_stock"]:
            del sys.modules[name]


class Counter:
    """A job that takes a few seconds, reporting progress as it goes."""

    plugin_meta = PluginMeta(name="counter", version="1.0.0")

    @hookimpl
    def register_job_types(self, register):
        def count(job):
            steps = job.params.get("steps", 10)
            for step in range(1, steps + 1):
                job.check_cancelled()
                time.sleep(0.2)
                job.progress(step, steps, f"counted {step}")
            return {"counted": steps}

        register("count", count, title="Count slowly")


@pytest.fixture
def owner(sw_app_factory, example_plugin):
    app = sw_app_factory(plugins=[example_plugin, Counter()], JOB_WORKERS=1, JOB_HEARTBEAT_S=0.2)
    shop = add_fixture_shop(app)
    shop.add_user("owner@acme.example", PASSWORD, role="owner")
    return shop


def sign_in(page, base: str) -> None:
    browser_kit.sign_in(page, base)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")


def test_owner_enables_configures_sees_and_disables_the_example_widget(page, owner):
    with live_server(owner.app) as base:
        sign_in(page, base)
        page.get_by_role("link", name="Plugins").first.click()
        card = page.locator("#plugin-low_stock")
        card.get_by_role("button", name="Enable low_stock").click()
        expect(page.locator("#plugin-low_stock .badge")).to_have_text("enabled")

        page.locator("#plugin-low_stock").get_by_role("link", name="Settings").click()
        page.locator("#setting-threshold").fill("0")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#setting-threshold-errors")).to_be_visible()
        page.locator("#setting-threshold").fill("10")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#setting-threshold-errors")).to_have_count(0)

        page.goto(base + "/shop/acme/p/merino-crew")
        badge = page.locator('[data-sw-widget="low_stock.badge"]')
        expect(badge).to_contain_text("8")

        page.goto(base + "/admin/plugins")
        page.locator("#plugin-low_stock").get_by_role("button", name="Disable low_stock").click()
        expect(page.locator("#plugin-low_stock .badge")).to_have_text("disabled")
        page.goto(base + "/shop/acme/p/merino-crew")
        expect(page.get_by_role("heading", level=1)).to_have_text("Merino Crew Sweater")
        expect(page.locator('[data-sw-widget="low_stock.badge"]')).to_have_count(0)
    assert page.js_errors == []


def test_a_bad_csv_upload_lists_its_row_errors(page, owner, tmp_path):
    upload = tmp_path / "products.csv"
    upload.write_text(BAD_PRODUCTS)
    with live_server(owner.app) as base:
        sign_in(page, base)
        page.goto(base + "/admin/uploads")
        page.get_by_label("What the file holds").select_option("products")
        page.get_by_label("File (CSV or JSON)").set_input_files(str(upload))
        page.get_by_role("button", name="Upload and import").click()
        report = page.locator("#import-report")
        expect(report.get_by_role("alert")).to_contain_text("Nothing was written")
        rows = report.locator("table.row-errors tbody tr")
        expect(rows.first).to_be_visible()
        text = report.locator("table.row-errors").inner_text()
        assert "price" in text and "handle" in text
    with pytest.raises(LookupError):  # all or nothing: not even the good row was written
        owner.product("good-one")


def test_a_jobs_progress_bar_reaches_100_percent(page, owner):
    owner.enable("counter")
    with live_server(owner.app) as base:
        sign_in(page, base)
        job_id = owner.state.jobs.enqueue(owner.id, "counter.count", {"steps": 20})  # about 4 s of work
        page.goto(base + "/admin/jobs")
        bar = page.locator(f'progress[data-job-id="{job_id}"]')
        expect(bar).to_be_visible()
        assert int(bar.get_attribute("value")) < 100  # so reaching 100 below is a live update
        cancel = page.locator(f'[data-job-action="cancel"][data-job-id="{job_id}"]')
        expect(cancel).to_be_visible()
        expect(bar).to_have_attribute("value", "100", timeout=20_000)
        expect(page.locator(f'[data-job-status="{job_id}"]')).to_contain_text("succeeded")
        expect(cancel).to_be_hidden()  # a finished job cannot be cancelled: the poller took the button away
        expect(page.locator(f'[data-job-action="retry"][data-job-id="{job_id}"]')).to_be_hidden()
    assert page.js_errors == []


def add_draft(shop) -> int:
    with shop.state.db.session() as db:
        product_id = db.query(Product.id).filter_by(shop_id=shop.id, handle="enamel-camp-mug").scalar()
        row = GeneratedContent(shop_id=shop.id, plugin="writer", kind="description", product_id=product_id,
                               content={"description_html": "<p>A steel mug that keeps tea hot for days.</p>"},
                               meta={"flags": [{"text": "hot for days", "reason": "no insulation data"}]})
        db.add(row)
        db.flush()
        return row.id


def visit(page, url: str, heading: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    settle(page)


def test_the_main_admin_pages_work_under_the_admins_csp(page, owner, tmp_path):
    """Every page loads its own script and stylesheet only, reports no violation, and the
    scripted parts (live progress, the confirmation before cancelling a job) still work."""
    violations = watch_csp(page)
    owner.enable("counter")
    draft_id = add_draft(owner)
    upload = tmp_path / "products.csv"
    upload.write_text(GOOD_PRODUCTS)
    with live_server(owner.app) as base:
        sign_in(page, base)
        settle(page)
        for path, heading in (("/admin/plugins", "Plugins"), ("/admin/plugins/low_stock/settings", "Settings of"),
                              ("/admin/drafts", "Review queue"), (f"/admin/drafts/{draft_id}", "Draft #"),
                              ("/admin/shop", "Shop settings"), ("/admin/models", "Models")):
            visit(page, base + path, heading)
        expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
        assert page.locator(".card").first.evaluate("e => getComputedStyle(e).borderTopStyle") != "none"

        visit(page, base + "/admin/uploads", "Uploads")
        page.get_by_label("What the file holds").select_option("products")
        page.get_by_label("File (CSV or JSON)").set_input_files(str(upload))
        page.get_by_label("Import in the background").check()
        page.get_by_role("button", name="Upload and import").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Job #")
        expect(page.locator("progress[data-job-id]")).to_have_attribute("value", "100", timeout=20_000)
        settle(page)

        job_id = owner.state.jobs.enqueue(owner.id, "counter.count", {"steps": 100})  # about 20 s of work
        visit(page, base + "/admin/jobs", "Jobs")
        bar = page.locator(f'progress[data-job-id="{job_id}"]')
        expect(bar).not_to_have_attribute("value", "0", timeout=10_000)  # the poller moves it
        cancel = page.locator(f'[data-job-action="cancel"][data-job-id="{job_id}"]')
        questions = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        cancel.get_by_role("button").click()
        assert owner.state.jobs.get(owner.id, job_id).status != "cancelled"  # dismissed: not sent
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        cancel.get_by_role("button").click()
        expect(page.locator(".flash-success")).to_contain_text(f"Job {job_id} is cancelled")
        assert questions == [f"Cancel job #{job_id}? It stops at its next checkpoint."] * 2

        visit(page, base + "/admin/dashboard", "Dashboard")
        page.screenshot(path=str(tmp_path / "admin-dashboard.png"), full_page=True)
    assert violations == []
    assert page.js_errors == []

