"""The dispatcher keeps a broken plugin from breaking the shop: raise, hang, garbage, every hook;
and it calls plugins in hook order (tryfirst, plain, trylast)."""

import logging
import types

import pytest
from plugin_doubles import RELEASE, SHOP_HOOKS, make_plugin

from shopwright import PluginMeta, hookimpl
from shopwright.host.testing import add_fixture_shop

SAMPLE_ARGS = {
    "on_enable": {},
    "on_disable": {},
    "on_products_changed": {"product_ids": [1], "change": "updated"},
    "on_order_created": {"order": {"id": 1, "number": "#1", "lines": []}},
    "on_review_created": {"review": {"id": 1, "rating": 5, "body": "fine"}},
    "on_events": {"events": [{"type": "view", "product_id": 1}]},
    "render_slot": {"slot": "product.below_description", "product": {"id": 1}},
}


def test_every_per_shop_hook_has_sample_arguments():
    assert set(SAMPLE_ARGS) == set(SHOP_HOOKS)


@pytest.fixture
def shop_with(sw_app_factory):
    from shopwright.host.testing import add_fixture_shop

    def build(*plugins, **config):
        config.setdefault("BACKGROUND_HOOK_BUDGET_MS", 150)
        config.setdefault("STOREFRONT_HOOK_BUDGET_MS", 100)
        shop = add_fixture_shop(sw_app_factory(list(plugins), **config))
        for plugin in plugins:
            shop.enable(plugin.plugin_meta.name)
        return shop

    yield build
    RELEASE.set()
    RELEASE.clear()


@pytest.mark.parametrize("hook", SHOP_HOOKS)
def test_healthy_plugin_is_called_with_only_its_arguments(shop_with, hook):
    good = make_plugin("good", "ok")
    shop = shop_with(good)
    results = shop.call(hook, **SAMPLE_ARGS[hook])
    assert [r.plugin for r in results] == ["good"]
    assert hook in good.calls


@pytest.mark.parametrize("behaviour", ["raise", "hang", "garbage"])
@pytest.mark.parametrize("hook", SHOP_HOOKS)
def test_failing_plugin_is_isolated_and_counted(shop_with, hook, behaviour, caplog):
    bad, good = make_plugin("bad", behaviour), make_plugin("good", "ok")
    shop = shop_with(bad, good)
    caplog.set_level(logging.WARNING, logger="shopwright.dispatcher")
    before = shop.state.lifecycle.describe_one(shop.id, "bad")["failure_count"]  # on_enable ran too
    results = shop.call(hook, **SAMPLE_ARGS[hook])
    assert [r.plugin for r in results] == ["good"]
    described = shop.state.lifecycle.describe_one(shop.id, "bad")
    assert described["failure_count"] == before + 1
    assert hook in described["last_error"]
    assert any("bad" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("behaviour", ["raise", "garbage"])
def test_repeated_failures_quarantine_the_plugin_with_reason(shop_with, behaviour):
    shop = shop_with(make_plugin("bad", behaviour), QUARANTINE_AFTER=3)
    for _ in range(3):
        shop.call("render_slot", **SAMPLE_ARGS["render_slot"])
    described = shop.state.lifecycle.describe_one(shop.id, "bad")
    assert described["state"] == "quarantined"
    assert "3 failures in a row" in described["quarantine_reason"]
    assert shop.call("render_slot", **SAMPLE_ARGS["render_slot"]) == []
    assert shop.enable("bad")["state"] == "enabled"


def test_success_resets_the_failure_streak(shop_with):
    flaky = make_plugin("flaky", "raise", hooks=["render_slot"])
    shop = shop_with(flaky, QUARANTINE_AFTER=3)
    shop.call("render_slot", **SAMPLE_ARGS["render_slot"])
    shop.call("render_slot", **SAMPLE_ARGS["render_slot"])
    shop.state.registry.pm.unregister(name="flaky")
    shop.state.registry.pm.register(make_plugin("flaky", "ok", hooks=["render_slot"]), name="flaky")
    shop.call("render_slot", **SAMPLE_ARGS["render_slot"])
    shop.state.registry.pm.unregister(name="flaky")
    shop.state.registry.pm.register(flaky, name="flaky")
    shop.call("render_slot", **SAMPLE_ARGS["render_slot"])
    described = shop.state.lifecycle.describe_one(shop.id, "flaky")
    assert described["state"] == "enabled" and described["failure_count"] == 3


def test_plugins_run_only_for_shops_that_enabled_them(shop_with):
    from shopwright.host.testing import add_fixture_shop

    good = make_plugin("good", "ok", hooks=["render_slot"])
    shop = shop_with(good)
    other = add_fixture_shop(shop.app, slug="other")
    assert other.call("render_slot", **SAMPLE_ARGS["render_slot"]) == []
    shop.state.disable_plugin(shop.id, "good")
    assert shop.call("render_slot", **SAMPLE_ARGS["render_slot"]) == []


def test_hooks_handing_over_data_need_the_matching_scope(shop_with):
    nosy = make_plugin("nosy", "ok", hooks=["on_order_created", "on_review_created"])
    shop = shop_with(nosy)
    shop.enable("nosy", grant=["read:reviews"])
    shop.call("on_order_created", **SAMPLE_ARGS["on_order_created"])
    shop.call("on_review_created", **SAMPLE_ARGS["on_review_created"])
    assert nosy.calls == ["on_review_created"]


def test_a_plugin_stuck_in_earlier_calls_is_not_called_again(shop_with):
    stuck = make_plugin("stuck", "hang", hooks=["render_slot"])
    shop = shop_with(stuck, QUARANTINE_AFTER=100)
    for _ in range(4):
        shop.call("render_slot", **SAMPLE_ARGS["render_slot"])
    assert stuck.calls.count("render_slot") == 2
    described = shop.state.lifecycle.describe_one(shop.id, "stuck")
    assert described["failure_count"] == 2, "the two stuck calls count; the skipped ones do not"


def test_skipped_calls_of_a_stuck_plugin_never_quarantine_it_elsewhere(shop_with):
    stuck = make_plugin("stuck", "hang", hooks=["render_slot"])
    shop = shop_with(stuck, QUARANTINE_AFTER=3)
    other = add_fixture_shop(shop.app, slug="other")
    other.enable("stuck")
    for _ in range(2):
        shop.call("render_slot", **SAMPLE_ARGS["render_slot"])
    for _ in range(5):
        other.call("render_slot", **SAMPLE_ARGS["render_slot"])
    assert other.state.lifecycle.describe_one(other.id, "stuck")["state"] == "enabled"


def test_plain_string_from_render_slot_is_kept_for_escaping(shop_with):
    shop = shop_with(make_plugin("good", "ok", hooks=["render_slot"]))
    [result] = shop.call("render_slot", **SAMPLE_ARGS["render_slot"])
    assert result.value == "<b>ok</b>" and type(result.value) is str


def test_trace_logs_every_hook_call_with_duration(shop_with, caplog):
    shop = shop_with(make_plugin("good", "ok", hooks=["render_slot"]), TRACE_HOOKS=True)
    caplog.set_level(logging.INFO, logger="shopwright.trace")
    shop.call("render_slot", **SAMPLE_ARGS["render_slot"])
    assert any("render_slot plugin good took" in r.getMessage() for r in caplog.records)


def ordered_plugin(name: str, order: str, registered: list[str]):
    """A plugin whose hooks say who they are, marked tryfirst, trylast or neither (`order`)."""
    options = {"tryfirst": order == "first", "trylast": order == "last"}

    @hookimpl(specname="render_slot", **options)
    def render_slot(slot):
        return name

    @hookimpl(specname="on_products_changed", **options)
    def on_products_changed(product_ids):
        return None

    @hookimpl(specname="register_widgets", **options)
    def register_widgets(register):
        registered.append(name)

    meta = PluginMeta(name=name, version="1.0", permissions=("read:catalog",))
    return types.SimpleNamespace(plugin_meta=meta, render_slot=render_slot, on_products_changed=on_products_changed,
                                 register_widgets=register_widgets)


@pytest.fixture
def ordered(shop_with):
    """Installed in an order that tryfirst and trylast must overrule; the plain ones keep it."""
    registered: list[str] = []
    plugins = [ordered_plugin(name, name.split("_")[0], registered)
               for name in ("last_a", "plain_a", "first_a", "last_b", "plain_b", "first_b")]
    return shop_with(*plugins), registered


EXPECTED_ORDER = ["first_a", "first_b", "plain_a", "plain_b", "last_a", "last_b"]


@pytest.mark.parametrize("hook", ["render_slot", "on_products_changed"])
def test_tryfirst_comes_first_and_trylast_last(ordered, hook):
    shop, _registered = ordered
    assert [r.plugin for r in shop.call(hook, **SAMPLE_ARGS[hook])] == EXPECTED_ORDER


def test_register_hooks_are_called_in_the_same_order(ordered):
    _shop, registered = ordered
    assert registered == EXPECTED_ORDER
