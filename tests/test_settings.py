"""Settings of every marshmallow type a schema may use: stored in a JSON-safe form, handed to the
plugin as the schema loads them; a schema whose settings could not be stored is refused, naming the field."""

import datetime
from decimal import Decimal

import marshmallow
import pytest
from marshmallow import fields, validate

from shopwright import PluginMeta, hookimpl
from shopwright.host.lifecycle import PluginError
from shopwright.host.settings import SettingsError, describe_fields, schema_problem
from shopwright.host.testing import add_fixture_shop, admin_client


class Window(marshmallow.Schema):
    opens = fields.Time(load_default=datetime.time(9, 0))
    days = fields.Integer(load_default=3)


class TypedSettings(marshmallow.Schema):
    minimum = fields.Decimal(load_default=Decimal("12.50"), places=2, validate=validate.Range(min=0))
    starts = fields.Date(load_default=datetime.date(2026, 1, 31))
    checked_at = fields.DateTime(load_default=datetime.datetime(2026, 1, 31, 8, 30, tzinfo=datetime.UTC))
    categories = fields.List(fields.String(), load_default=lambda: ["Apparel"])
    window = fields.Nested(Window, load_default=lambda: {"opens": datetime.time(9, 0), "days": 3})


class Typed:
    """Keeps the `ctx.settings` each call saw."""

    plugin_meta = PluginMeta(name="typed", version="1.0.0", settings=TypedSettings)

    def __init__(self):
        self.seen = []

    @hookimpl
    def render_slot(self, ctx, slot, product):
        self.seen.append(ctx.settings)


class ComputedSettings(marshmallow.Schema):
    label = fields.String(load_default="x")
    shout = fields.Function(serialize=lambda settings: settings["label"].upper(), deserialize=str)


class Computed:
    plugin_meta = PluginMeta(name="computed", version="1.0.0", settings=ComputedSettings)


class Odd(fields.Field):
    """A custom type whose dump is no JSON: the host cannot know that from its type."""

    def _serialize(self, value, attr, obj, **kwargs):
        return {1, 2}

    def _deserialize(self, value, attr, data, **kwargs):
        return value


class OddSettings(marshmallow.Schema):
    odd = Odd(load_default="x")


class OddPlugin:
    plugin_meta = PluginMeta(name="odd", version="1.0.0", settings=OddSettings)


@pytest.fixture
def typed():
    return Typed()


@pytest.fixture
def shop(sw_app_factory, typed):
    shop = add_fixture_shop(sw_app_factory([typed, Computed(), OddPlugin()]))
    shop.enable("typed")
    return shop


def settings_seen(shop, typed) -> dict:
    shop.call("render_slot", slot="product.below_description", product=None)
    return typed.seen[-1]


def test_enabling_with_typed_defaults_stores_them_as_json(shop):
    assert shop.state.lifecycle.stored_settings(shop.id, "typed") == {
        "minimum": "12.50", "starts": "2026-01-31", "checked_at": "2026-01-31T08:30:00+00:00",
        "categories": ["Apparel"], "window": {"opens": "09:00:00", "days": 3}}


def test_ctx_settings_holds_the_loaded_types(shop, typed):
    settings = settings_seen(shop, typed)
    assert settings["minimum"] == Decimal("12.50") and isinstance(settings["minimum"], Decimal)
    assert settings["starts"] == datetime.date(2026, 1, 31)
    assert settings["checked_at"] == datetime.datetime(2026, 1, 31, 8, 30, tzinfo=datetime.UTC)
    assert settings["categories"] == ["Apparel"]
    assert settings["window"] == {"opens": datetime.time(9, 0), "days": 3}


def test_configured_values_keep_every_digit(shop, typed):
    shop.configure("typed", minimum="19.90", starts="2026-03-01", categories=["Apparel", "Outdoor"],
                   window={"opens": "10:30", "days": 5})
    settings = settings_seen(shop, typed)
    assert (settings["minimum"], settings["starts"]) == (Decimal("19.90"), datetime.date(2026, 3, 1))
    assert settings["window"] == {"opens": datetime.time(10, 30), "days": 5}
    assert shop.state.lifecycle.stored_settings(shop.id, "typed")["minimum"] == "19.90"
    assert shop.state.lifecycle.context_settings(shop.id, "typed")["minimum"] == Decimal("19.90")


def test_bad_typed_values_are_refused_per_field(shop):
    with pytest.raises(SettingsError) as refused:
        shop.configure("typed", minimum="lots", starts="31/01/2026")
    assert set(refused.value.messages) == {"minimum", "starts"}


def test_the_form_describes_typed_defaults_as_stored(shop):
    described = {field["name"]: field for field in describe_fields(shop.state.registry.get("typed").meta)}
    assert (described["minimum"]["type"], described["minimum"]["default"]) == ("decimal", "12.50")
    assert described["starts"]["default"] == "2026-01-31"


def test_the_admin_form_and_the_api_handle_typed_settings(shop, typed):
    owner = admin_client(shop.app, shop)
    page = owner.get("/admin/plugins/typed/settings").get_data(as_text=True)
    assert 'value="12.50"' in page and 'value="2026-01-31"' in page
    saved = owner.post("/admin/plugins/typed/settings", {
        "minimum": "7.25", "starts": "2026-02-01", "checked_at": "2026-02-01T10:00:00+00:00",
        "categories": "Apparel\nOutdoor", "window": '{"opens": "08:00:00", "days": 2}'})
    assert saved.status_code == 302
    assert settings_seen(shop, typed)["minimum"] == Decimal("7.25")
    key = shop.api_key("admin:plugins")
    answer = shop.app.test_client().get("/api/v1/plugins/typed/settings", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200 and answer.get_json()["values"]["minimum"] == "7.25"


def test_a_schema_with_a_computed_field_is_refused_naming_it(shop):
    described = shop.plugin_state("computed")
    assert described["state"] == "incompatible"
    assert "'shout'" in described["incompatible_reason"] and "Function" in described["incompatible_reason"]
    with pytest.raises(PluginError, match="'shout'"):
        shop.enable("computed")


class TextDefaultSettings(marshmallow.Schema):
    starts = fields.Date(load_default="2026-01-31")  # a default is the loaded value: this should be a date


class TextDefault:
    plugin_meta = PluginMeta(name="text_default", version="1.0.0", settings=TextDefaultSettings)


def test_a_default_that_cannot_be_stored_is_named(sw_app_factory):
    shop = add_fixture_shop(sw_app_factory([TextDefault()]))
    with pytest.raises(PluginError, match="starts"):
        shop.enable("text_default")


def test_a_custom_type_that_dumps_no_json_is_refused_naming_the_field(shop):
    with pytest.raises(PluginError, match="odd"):
        shop.enable("odd")
    with pytest.raises(SettingsError) as refused:
        shop.configure("odd", odd="y")
    assert "cannot be stored as JSON" in refused.value.messages["odd"][0]


class Inner(marshmallow.Schema):
    secret_sauce = fields.String(load_only=True)


@pytest.mark.parametrize("field, named", [
    (fields.String(load_only=True), "'f'"),
    (fields.String(dump_only=True), "'f'"),
    (fields.String(data_key="other"), "'f'"),
    (fields.List(fields.Function(deserialize=str)), "'f[]'"),
    (fields.Nested(Inner), "'f.secret_sauce'"),
])
def test_schema_problems_name_the_field_and_where_it_sits(field, named):
    meta = PluginMeta(name="probe", version="1.0", settings=marshmallow.Schema.from_dict({"f": field}))
    assert named in schema_problem(meta)


def test_plain_schemas_have_no_problem():
    assert schema_problem(PluginMeta(name="probe", version="1.0", settings=TypedSettings)) is None
