"""The `shopwright` command line, run as a user would (click's runner, a real instance folder)."""

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopwright.host.cli import main

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


def test_apikey_list_and_revoke(run):
    key = run("apikey", "create", "--shop", "acme", "--name", "storefront", "--scope", "read:catalog").output.strip()
    run("apikey", "create", "--shop", "acme", "--name", "tracker", "--scope", "write:events")
    listed = run("apikey", "list", "--shop", "acme").output.splitlines()
    assert [line.split("\t")[1] for line in listed] == ["tracker", "storefront"]  # newest first
    assert listed[1].startswith("1\tstorefront\tsw_" + key.split("_")[1] + "_…\tread:catalog\tcreated ")
    assert listed[1].endswith("\tlast used never\tactive") and key.split("_", 2)[2] not in "".join(listed)
    assert run("apikey", "revoke", "1", "--shop", "acme").output == "revoked key 1 (storefront)\n"
    assert "\trevoked " in run("apikey", "list", "--shop", "acme").output.splitlines()[1]
    assert run("apikey", "revoke", "1", "--shop", "acme").exit_code == 0  # again: nothing changes
    missing = run("apikey", "revoke", "99", "--shop", "acme")
    assert missing.exit_code == 1 and "no API key 99 in this shop" in missing.output
    run("shop", "create", "other")
    assert run("apikey", "revoke", "2", "--shop", "other").exit_code == 1  # another shop's key
    assert run("apikey", "list", "--shop", "other").output == ""


def test_apikey_create_without_scope_grants_no_admin_scope(run):
    run("apikey", "create", "--shop", "acme", "--name", "plain")
    scopes = run("apikey", "list", "--shop", "acme").output.split("\t")[3].split(",")
    assert "read:catalog" in scopes and "write:orders" in scopes
    assert not [scope for scope in scopes if scope.startswith("admin:")]
    run("apikey", "create", "--shop", "acme", "--name", "manager", "--scope", "admin:keys", "--scope", "read:catalog")
    assert run("apikey", "list", "--shop", "acme").output.splitlines()[0].split("\t")[3] == "admin:keys,read:catalog"
    assert "except the admin:* ones" in " ".join(run("apikey", "create", "--help").output.split())


def test_user_set_password(run):
    from shopwright.host.app import create_app, state_of
    from shopwright.host.models import AdminUser
    from shopwright.host.shops import check_password

    run("user", "create", "--shop", "acme", "--email", "owner@acme.example", "--role", "owner",
        "--password", "correct horse battery")
    changed = run("user", "set-password", "--shop", "acme", "--email", "Owner@Acme.example",
                  input="a brand new secret\na brand new secret\n")
    assert changed.exit_code == 0 and "password changed for owner@acme.example" in changed.output
    assert "a brand new secret" not in changed.output
    short = run("user", "set-password", "--shop", "acme", "--email", "owner@acme.example", input="short\nshort\n")
    assert short.exit_code == 1 and "10 to 1024 characters" in short.output
    missing = run("user", "set-password", "--shop", "acme", "--email", "nobody@acme.example",
                  input="a brand new secret\na brand new secret\n")
    assert missing.exit_code == 1 and "no user nobody@acme.example in shop acme" in missing.output
    app = create_app()
    try:
        with state_of(app).db.session() as db:
            user = db.query(AdminUser).one()
            assert check_password(user, "a brand new secret") and user.session_epoch == 1
    finally:
        state_of(app).close()


HUGE = str(2**64)


@pytest.mark.parametrize("args", [
    ("jobs", "wait", HUGE, "--shop", "acme"), ("jobs", "cancel", HUGE, "--shop", "acme"),
    ("jobs", "retry", "--shop", "acme", "--", "-" + HUGE), ("apikey", "revoke", HUGE, "--shop", "acme"),
    ("serve", "--port", HUGE), ("serve", "--workers", HUGE), ("serve", "--workers", "0"),
    ("demo", "load", "--seed", HUGE),
])
def test_integers_past_64_bits_are_clear_errors(run, args):
    result = run(*args)
    assert result.exit_code == 2 and "is not in the range" in result.output and "Traceback" not in result.output


def test_integers_past_64_bits_in_json_and_settings_are_clear_errors(run, monkeypatch):
    for args in (("jobs", "queue", "nope", "--shop", "acme", "--params", f'{{"limit": [{HUGE}]}}'),
                 ("plugins", "settings", "shipping_note", "--shop", "acme", "--set", f"days={HUGE}")):
        result = run(*args)
        assert result.exit_code == 2 and "too large: whole numbers must fit in 64 bits" in result.output
    monkeypatch.setenv("SHOPWRIGHT_JOB_WORKERS", HUGE)
    result = run("jobs", "list", "--shop", "acme")
    assert result.exit_code == 1 and "SHOPWRIGHT_JOB_WORKERS" in result.output and "too large" in result.output


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


def test_version_is_the_hosts(run):
    from shopwright.host.version import __version__

    result = run("--version")
    assert result.exit_code == 0 and result.output == f"shopwright, version {__version__}\n"


def test_list_settings_take_comma_separated_text_as_the_importers_do(run):
    def keywords(*pairs):
        result = run("plugins", "settings", "description_writer", "--shop", "acme", *pairs)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["keywords"]

    assert keywords("--set", "keywords=merino, warm ,,wool") == ["merino", "warm", "wool"]
    assert keywords("--set", "keywords=single") == ["single"]
    assert keywords("--set", 'keywords=["a, b", "c"]') == ["a, b", "c"]  # JSON keeps commas inside items
    assert keywords("--set", "keywords=") == []
