"""Per-shop plugin lifecycle and validated settings with secrets."""

import marshmallow
import pytest
from marshmallow import fields, validate

from shopwright import PluginMeta, hookimpl
from shopwright.host.lifecycle import PluginError
from shopwright.host.settings import MASK, SettingsError, describe_fields, mask_settings
from shopwright.host.testing import add_fixture_shop


class WriterSettings(marshmallow.Schema):
    tone = fields.String(load_default="friendly", validate=validate.OneOf(["friendly", "formal"]))
    max_words = fields.Integer(load_default=120, validate=validate.Range(min=20, max=400))
    endpoint_key = fields.String(load_default="", metadata={"secret": True, "description": "API key"})


class Writer:
    plugin_meta = PluginMeta(name="writer", version="1.2.0", settings=WriterSettings,
                             permissions=("read:catalog", "write:content"))

    def __init__(self):
        self.events = []

    @hookimpl
    def on_enable(self, ctx):
        self.events.append(("enabled", ctx.shop.slug, sorted(ctx.granted)))

    @hookimpl
    def on_disable(self, ctx):
        self.events.append(("disabled", ctx.shop.slug))


@pytest.fixture
def writer_shop(sw_app_factory):
    writer = Writer()
    shop = add_fixture_shop(sw_app_factory([writer]))
    shop.writer = writer
    return shop


def test_installed_enabled_disabled_without_restart(writer_shop):
    life = writer_shop.state.lifecycle
    assert life.describe_one(writer_shop.id, "writer")["state"] == "installed"
    assert writer_shop.enable("writer")["state"] == "enabled"
    assert writer_shop.state.disable_plugin(writer_shop.id, "writer")["state"] == "disabled"
    assert writer_shop.enable("writer")["granted"] == ["read:catalog", "write:content"]


def test_enable_and_disable_reach_the_plugin(writer_shop):
    writer_shop.enable("writer", grant=["read:catalog"])
    writer_shop.state.disable_plugin(writer_shop.id, "writer")
    writer_shop.state.dispatcher.pool.shutdown(wait=True)
    assert writer_shop.writer.events == [("enabled", "acme", ["read:catalog"]), ("disabled", "acme")]


def test_grant_is_limited_to_what_the_plugin_asked_for(writer_shop):
    assert writer_shop.enable("writer", grant=["read:catalog", "read:customers"])["granted"] == ["read:catalog"]
    with pytest.raises(PluginError, match="unknown permissions"):
        writer_shop.enable("writer", grant=["root"])


def test_state_is_per_shop(writer_shop):
    other = add_fixture_shop(writer_shop.app, slug="other")
    writer_shop.enable("writer")
    assert writer_shop.state.lifecycle.describe_one(other.id, "writer")["state"] == "installed"
    assert list(other.state.lifecycle.enabled(other.id)) == []


def test_unknown_plugin_is_a_clear_error(writer_shop):
    with pytest.raises(PluginError, match="no plugin named 'nope'") as info:
        writer_shop.enable("nope")
    assert info.value.status == 404


def test_settings_defaults_and_valid_update(writer_shop):
    life = writer_shop.state.lifecycle
    assert life.stored_settings(writer_shop.id, "writer") == {"tone": "friendly", "max_words": 120, "endpoint_key": ""}
    life.update_settings(writer_shop.id, "writer", {"tone": "formal", "endpoint_key": "sk-live-123"})
    assert life.stored_settings(writer_shop.id, "writer")["tone"] == "formal"


def test_invalid_settings_give_field_errors_and_keep_the_old_ones(writer_shop):
    life = writer_shop.state.lifecycle
    life.update_settings(writer_shop.id, "writer", {"tone": "formal"})
    with pytest.raises(SettingsError) as info:
        life.update_settings(writer_shop.id, "writer", {"tone": "shouty", "max_words": 5, "colour": "red"})
    assert set(info.value.messages) == {"tone", "max_words", "colour"}
    assert life.stored_settings(writer_shop.id, "writer")["tone"] == "formal"


def test_secrets_are_masked_and_kept_when_left_blank(writer_shop):
    life, meta = writer_shop.state.lifecycle, writer_shop.writer.plugin_meta
    life.update_settings(writer_shop.id, "writer", {"endpoint_key": "sk-live-123"})
    life.update_settings(writer_shop.id, "writer", {"endpoint_key": MASK, "tone": "formal"})
    life.update_settings(writer_shop.id, "writer", {"endpoint_key": ""})
    stored = life.stored_settings(writer_shop.id, "writer")
    assert stored["endpoint_key"] == "sk-live-123"
    assert mask_settings(meta, stored)["endpoint_key"] == MASK
    assert "sk-live-123" not in str(mask_settings(meta, stored))


def test_settings_describe_a_form(writer_shop):
    form = {f["name"]: f for f in describe_fields(writer_shop.writer.plugin_meta)}
    assert form["tone"]["choices"] == ["friendly", "formal"]
    assert form["endpoint_key"]["secret"] and form["endpoint_key"]["help"] == "API key"
    assert form["max_words"]["default"] == 120


def test_settings_must_be_an_object(writer_shop):
    with pytest.raises(SettingsError):
        writer_shop.state.lifecycle.update_settings(writer_shop.id, "writer", ["tone"])
