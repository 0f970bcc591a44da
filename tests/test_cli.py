"""The `shopwright` command line, run as a user would (click's runner, a real instance folder)."""

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from host.cli import main

TESTS = Path(__file__).parent


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPWRIGHT_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("SHOPWRIGHT_EXTRA_PLUGINS", "cli_plugin")
    monkeypatch.setenv("SHOPWRIGHT_LOAD_ENTRY_POINTS", "0")
    monkeypatch.syspath_prepend(str(TESTS))
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    assert invoke("shop", "create", "acme", "--name", "Acme").exit_code == 0
    return invoke


def test_shop_user_and_key(run):
    assert "acme\tAcme\tUSD" in run("shop", "list").output
    result = run("user", "create", "--shop", "acme", "--email", "Owner@Acme.example", "--role", "owner",
                 "--password", "correct horse battery")
    assert result.exit_code == 0 and "created owner owner@acme.example" in result.output
    key = run("apikey", "create", "--shop", "acme", "--name", "storefront", "--scope", "read:catalog").output.strip()
    assert key.startswith("sw_")
    assert run("apikey", "create", "--shop", "acme", "--name", "x", "--scope", "root").exit_code != 0


def test_unknown_shop_and_short_password_are_clear_errors(run):
    result = run("plugins", "list", "--shop", "nope")
    assert result.exit_code != 0 and "no shop named 'nope'" in result.output
    result = run("user", "create", "--shop", "acme", "--email", "a@b.example", "--password", "short")
    assert result.exit_code != 0 and "at least 10 characters" in result.output


def test_plugins_list_enable_settings_disable(run):
    assert "shipping_note\t1.0.0\tinstalled" in run("plugins", "list", "--shop", "acme").output
    assert "enabled with read:catalog" in run("plugins", "enable", "shipping_note", "--shop", "acme").output
    shown = run("plugins", "settings", "shipping_note", "--shop", "acme", "--set", "days=5", "--set", "token=s3cret")
    assert json.loads(shown.output) == {"days": 5, "token": "••••••••"}
    bad = run("plugins", "settings", "shipping_note", "--shop", "acme", "--set", "days=99")
    assert bad.exit_code != 0 and "nothing changed" in bad.output and "days" in bad.output
    assert json.loads(run("plugins", "settings", "shipping_note", "--shop", "acme").output)["days"] == 5
    assert "disabled" in run("plugins", "disable", "shipping_note", "--shop", "acme").output


def test_import_reports_errors_and_writes_nothing(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"handle": "a", "title": "A", "variants": [{"sku": "A1", "price": "-1"}]}]))
    result = run("import", "products", str(bad), "--shop", "acme")
    assert result.exit_code == 1 and "price" in result.output
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"handle": "a", "title": "A", "variants": [{"sku": "A1", "price": "4.00"}]}]))
    assert run("import", "products", str(good), "--shop", "acme").exit_code == 0


def test_job_queue_waits_with_a_progress_bar(run, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"handle": "a", "title": "A", "variants": [{"sku": "A1", "price": "4.00"}]}]))
    result = run("import", "products", str(good), "--shop", "acme", "--background")
    assert result.exit_code == 0 and "job 1 succeeded" in result.output
    run("plugins", "enable", "shipping_note", "--shop", "acme")
    result = run("jobs", "queue", "shipping_note.count", "--shop", "acme")
    assert result.exit_code == 0 and "job 2" in result.output and "succeeded" in result.output
    assert "shipping_note.count\tsucceeded" in run("jobs", "list", "--shop", "acme").output
    assert run("jobs", "queue", "nope", "--shop", "acme").exit_code != 0


def test_db_upgrade_is_repeatable(run):
    assert "database upgraded" in run("db", "upgrade").output


def test_demo_load_is_idempotent(run):
    first = run("demo", "load")
    assert first.exit_code == 0 and "imported 160 products" in first.output and "password:" in first.output
    second = run("demo", "load")
    assert "already loaded" in second.output and "api key:" in second.output
    del sys.modules["cli_plugin"]
