"""Plugin discovery and metadata: manifest built-ins, entry-point packages, broken plugins."""

import sys
import textwrap

import marshmallow
import pytest
from plugin_doubles import ALL_HOOKS

from shopwright import PluginMeta, hookimpl
from shopwright.host import hookspecs
from shopwright.host.pluginmeta import PluginMetaError
from shopwright.host.plugins import ENTRY_POINT_GROUP
from shopwright.host.testing import add_fixture_shop


def test_every_hook_is_documented_with_its_arguments():
    for name in ALL_HOOKS:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert len(doc.strip()) > 80, f"{name} needs a docstring that explains it"
    assert hookspecs.STOREFRONT_HOOKS <= set(ALL_HOOKS)


def test_hook_names_say_their_role():
    assert all(name.startswith(("register_", "on_", "render_")) for name in ALL_HOOKS)


def _write_package(root, module, body, dist="swtest_plugin", entry="swtest"):
    (root / f"{module}.py").write_text(textwrap.dedent(body))
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry} = {module}\n")


@pytest.fixture
def site_dir(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in [m for m in sys.modules if m.startswith("swtest_")]:
        del sys.modules[name]


def test_third_party_plugin_is_found_through_its_entry_point(site_dir, sw_app_factory):
    _write_package(site_dir, "swtest_hello", """
        from shopwright import PluginMeta, hookimpl
        plugin_meta = PluginMeta(name="hello", version="2.1.0", description="Says hello",
                                 requires_host=">=0.1", permissions=("read:catalog",))
        @hookimpl
        def render_slot(ctx, slot):
            return "hello"
    """)
    app = sw_app_factory(LOAD_ENTRY_POINTS=True)
    shop = add_fixture_shop(app)
    [row] = [p for p in shop.state.lifecycle.describe(shop.id) if p["name"] == "hello"]
    assert row["source"] == "entry_point" and row["version"] == "2.1.0"
    assert row["state"] == "installed", "installed is not enabled"
    assert shop.call("render_slot", slot="x", product=None) == []
    shop.enable("hello")
    assert [r.value for r in shop.call("render_slot", slot="x", product=None)] == ["hello"]


def test_a_package_that_fails_to_import_is_listed_not_fatal(site_dir, sw_app_factory):
    _write_package(site_dir, "swtest_broken", "raise ImportError('missing dependency frobnitz')\n")
    app = sw_app_factory(LOAD_ENTRY_POINTS=True)
    shop = add_fixture_shop(app)
    [row] = [p for p in shop.state.lifecycle.describe(shop.id) if p["name"] == "swtest"]
    assert row["state"] == "incompatible" and "frobnitz" in row["incompatible_reason"]
    with pytest.raises(Exception, match="frobnitz"):
        shop.enable("swtest")


def test_builtins_come_from_the_manifest(tmp_path, sw_app_factory, site_dir):
    (site_dir / "swtest_builtin.py").write_text(
        "from shopwright import hookimpl\n@hookimpl\ndef render_slot(slot):\n    return 'built in'\n")
    (site_dir / "swtest_settings.py").write_text(
        "import marshmallow\nclass Settings(marshmallow.Schema):\n    days = marshmallow.fields.Int(load_default=3)\n")
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(textwrap.dedent("""
        [[plugin]]
        name = "shipping_note"
        module = "swtest_builtin"
        version = "1.0.0"
        description = "Shows shipping times"
        requires_host = ">=0.1,<1"
        permissions = ["read:catalog"]
        settings = "swtest_settings:Settings"
    """))
    shop = add_fixture_shop(sw_app_factory(MANIFEST_PATH=str(manifest)))
    [row] = shop.state.lifecycle.describe(shop.id)
    assert (row["name"], row["source"], row["permissions"]) == ("shipping_note", "builtin", ["read:catalog"])
    shop.enable("shipping_note")
    assert shop.state.lifecycle.stored_settings(shop.id, "shipping_note") == {"days": 3}


def test_the_shipped_manifest_loads_without_errors(sw_app):
    from shopwright.host.app import state_of

    assert all(not p.load_error for p in state_of(sw_app).registry.plugins.values())


def test_plugin_with_incompatible_host_range_cannot_be_enabled(sw_app_factory):
    plugin = type("P", (), {"plugin_meta": PluginMeta(name="future", version="1.0", requires_host=">=99")})
    shop = add_fixture_shop(sw_app_factory([plugin]))
    row = shop.state.lifecycle.describe_one(shop.id, "future")
    assert row["state"] == "incompatible" and "requires host >=99" in row["incompatible_reason"]
    with pytest.raises(Exception, match="requires host >=99"):
        shop.enable("future")


def test_a_hook_implementation_with_an_unknown_name_is_rejected(sw_app_factory):
    class Typo:
        plugin_meta = PluginMeta(name="typo", version="1.0")

        @hookimpl
        def render_slott(self, slot):
            return "x"

    shop = add_fixture_shop(sw_app_factory([Typo()]))
    assert "render_slott" in shop.state.lifecycle.describe_one(shop.id, "typo")["incompatible_reason"]


def test_a_failing_job_registration_marks_only_that_plugin(sw_app_factory):
    class Bad:
        plugin_meta = PluginMeta(name="badjobs", version="1.0")

        @hookimpl
        def register_job_types(self, register):
            raise RuntimeError("cannot register")

    shop = add_fixture_shop(sw_app_factory([Bad()]))
    assert "cannot register" in shop.state.lifecycle.describe_one(shop.id, "badjobs")["incompatible_reason"]


def test_when_two_registrations_fail_the_first_cause_is_kept(sw_app_factory):
    class Bad:
        plugin_meta = PluginMeta(name="twice", version="1.0")

        @hookimpl
        def register_job_types(self, register):
            raise RuntimeError("the job table is missing")

        @hookimpl
        def register_widgets(self, register):
            raise RuntimeError("a consequence")

    shop = add_fixture_shop(sw_app_factory([Bad()]))
    reason = shop.state.lifecycle.describe_one(shop.id, "twice")["incompatible_reason"]
    assert "register_job_types raised RuntimeError: the job table is missing" in reason
    assert "consequence" not in reason


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "Bad Name", "version": "1"}, "lowercase"),
    ({"name": "ok", "version": "one"}, "not a version"),
    ({"name": "ok", "version": "1", "permissions": ("read:everything",)}, "unknown permissions"),
    ({"name": "ok", "version": "1", "requires_host": "~~1"}, "requires_host"),
    ({"name": "ok", "version": "1", "settings": dict}, "marshmallow"),
])
def test_plugin_metadata_is_checked(kwargs, message):
    with pytest.raises(PluginMetaError, match=message):
        PluginMeta(**kwargs)


def test_plugin_without_metadata_is_reported(sw_app_factory):
    shop = add_fixture_shop(sw_app_factory([type("NoMeta", (), {})]))
    [row] = [p for p in shop.state.lifecycle.describe(shop.id) if p["name"] == "NoMeta"]
    assert "plugin_meta" in row["incompatible_reason"]


def test_secret_fields_are_known_from_the_schema():
    class Settings(marshmallow.Schema):
        key = marshmallow.fields.String(metadata={"secret": True})
        tone = marshmallow.fields.String()

    assert PluginMeta(name="x1", version="1", settings=Settings).secret_fields() == {"key"}


@pytest.mark.parametrize("option", ["hookwrapper", "wrapper"])
def test_a_wrapper_is_refused_and_says_why(sw_app_factory, option):
    class Wrapping:
        plugin_meta = PluginMeta(name="wrapping", version="1.0")

        @hookimpl(**{option: True})
        def render_slot(self, slot):
            yield

    app = sw_app_factory([Wrapping()])
    [row] = [p for p in app.test_client().get("/-/plugins.json").json["plugins"] if p["name"] == "wrapping"]
    assert "wrapping implements render_slot as a wrapper" in row["load_error"]
    assert "Shopwright calls each implementation itself; wrappers are not supported" in row["load_error"]
    assert row["hooks"] == []
    shop = add_fixture_shop(app)
    assert shop.state.lifecycle.describe_one(shop.id, "wrapping")["state"] == "incompatible"
    assert shop.state.registry.hook_impls("render_slot") == []
