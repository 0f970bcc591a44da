"""Widgets: registration, rendering through the dispatcher, templates and the lookup chain."""

from __future__ import annotations

import pytest

import tests.widget_doubles as shelf
from shopwright import PluginMeta, hookimpl
from shopwright.host.app import state_of
from shopwright.host.context import shop_info
from shopwright.host.testing import add_fixture_shop, build_app
from shopwright.host.widgets import WidgetError

PAYLOAD = '<script>alert(1)</script>" onmouseover="alert(2)'


@pytest.fixture
def app(sw_app_factory):
    # A storefront budget of 1 s, which shelf.slow overruns (the kit's own is roomier).
    return sw_app_factory(plugins=[shelf], STOREFRONT_HOOK_BUDGET_MS=1000)


@pytest.fixture
def shop(app):
    fixture = add_fixture_shop(app)
    fixture.enable("shelf")
    return fixture


def render(shop, name, theme="default", **params):
    return shop.state.widget_renderer.html(shop_info(shop.state.db, shop.id), theme, name, params)


def data(shop, name, **params):
    return shop.state.widget_renderer.data(shop_info(shop.state.db, shop.id), name, params)


def failures(shop, plugin="shelf"):
    return shop.state.lifecycle.describe_one(shop.id, plugin)["failure_count"]


def test_register_widgets_namespaces_names_by_plugin(app):
    widgets = state_of(app).widgets
    assert {w.name for w in widgets.of_plugin("shelf")} == {
        "shelf.list", "shelf.echo", "shelf.link", "shelf.broken", "shelf.slow", "shelf.garbage", "shelf.nothing",
        "shelf.similar"}
    assert widgets.get("shelf.list").template == "shelf/list.html"
    assert widgets.get("shelf.list").title == "Same category"


class BadRegistration:
    plugin_meta = PluginMeta(name="badwidgets", version="1.0.0")

    @hookimpl
    def register_widgets(self, register):
        register("Not A Name", lambda ctx: None)


def test_a_broken_registration_marks_the_plugin_and_spares_the_host(sw_app_factory):
    app = sw_app_factory(plugins=[shelf, BadRegistration()])
    state = state_of(app)
    assert "must be lowercase" in state.registry.get("badwidgets").load_error
    assert state.widgets.get("shelf.list")


def test_widget_renders_its_plugin_template_with_the_data(shop):
    html = render(shop, "shelf.list", limit=5)
    assert html.startswith('<ul class="shelf">')
    assert "Enamel Camp Mug 350 ml</a>" in html and "Merino Crew Sweater</a>" in html
    assert data(shop, "shelf.list", product="enamel-camp-mug") is None  # alone in its category


def test_params_are_loaded_through_the_widgets_schema(shop):
    assert len(data(shop, "shelf.list", limit="1")["products"]) == 1
    with pytest.raises(WidgetError) as bad:
        data(shop, "shelf.list", limit="99")
    assert bad.value.status == 400 and "limit" in bad.value.fields


def test_unknown_parameters_are_refused_before_the_plugin_runs(shop):
    with pytest.raises(WidgetError) as bad:
        data(shop, "shelf.echo", colour="red")
    assert bad.value.fields == {"colour": ["unknown parameter"]}
    assert failures(shop) == 0


def test_product_ids_and_handles_are_looked_up_within_the_shop(app, shop):
    other = add_fixture_shop(app, slug="other", name="Other")
    other.enable("shelf")
    with shop.state.db.session() as session:
        from shopwright.host.models import Product
        foreign_id = session.query(Product.id).filter_by(shop_id=other.id).first()[0]
    assert data(shop, "shelf.echo", product="enamel-camp-mug")["title"] == "Enamel Camp Mug 350 ml"
    with pytest.raises(WidgetError) as missing:
        data(shop, "shelf.echo", product=str(foreign_id))
    assert missing.value.status == 404


class EmptiedAtOnce(dict):
    """A shared store that another thread empties right after each store: the worst interleaving."""

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.clear()


def test_threads_rendering_side_by_side_past_the_size_limits_each_get_their_own_widget(shop, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import shopwright.host.widgets as widgets

    monkeypatch.setattr(widgets, "MAX_LOOKED_UP", 0)  # a limit of 0 keeps one entry at most
    monkeypatch.setattr(widgets, "MAX_REUSED", 0)
    renderer = shop.state.widget_renderer
    renderer._products, renderer._rendered = EmptiedAtOnce(), EmptiedAtOnce()
    titles = {"enamel-camp-mug": "Enamel Camp Mug 350 ml", "merino-crew": "Merino Crew Sweater"}

    def one(number: int) -> bool:
        handle = sorted(titles)[number % 2]
        html = render(shop, "shelf.echo", product=handle, note=f"n{number}")
        return f">n{number} {titles[handle]}</p>" in html

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(one, range(200)))


def test_unknown_widget_is_a_404(shop):
    with pytest.raises(WidgetError) as missing:
        data(shop, "shelf.nope")
    assert missing.value.status == 404


@pytest.mark.parametrize("name", ["shelf.broken", "shelf.slow", "shelf.garbage", "shelf.nothing"])
def test_a_failing_slow_or_empty_widget_renders_nothing(shop, name):
    assert render(shop, name) == ""
    assert failures(shop) == (0 if name == "shelf.nothing" else 1)


def test_repeated_failures_quarantine_the_plugin_and_its_widgets_go_quiet(shop):
    for _ in range(shop.state.lifecycle.quarantine_after):
        render(shop, "shelf.broken")
    assert shop.state.lifecycle.describe_one(shop.id, "shelf")["state"] == "quarantined"
    assert data(shop, "shelf.echo", note="hi") is None


def test_disabled_plugin_renders_nothing(shop):
    shop.state.disable_plugin(shop.id, "shelf")
    assert render(shop, "shelf.echo", note="hi") == ""


def test_widget_output_is_escaped(shop):
    html = render(shop, "shelf.echo", note=PAYLOAD)
    assert "<script>" not in html and 'title="<' not in html
    assert "&lt;script&gt;" in html and "&#34; onmouseover" in html


def test_widget_global_wraps_output_and_swallows_errors(app, shop):
    state = shop.state
    env = state.themes.environment("default")
    public = state.shops.by_slug(shop.slug)
    template = env.from_string('{{ widget("shelf.echo", note=note) }}|{{ widget("shelf.nope") }}|'
                               '{{ widget("shelf.list", limit=50) }}|{{ widget("shelf.broken") }}')
    with app.test_request_context("/"):
        out = template.render(shop=public, note="hello")
    first, unknown, bad_params, broken = out.split("|")
    assert first.startswith('<div class="sw-widget" data-sw-widget="shelf.echo" data-sw-product="">')
    assert "hello" in first and unknown == bad_params == broken == ""


def test_widget_global_without_a_storefront_shop_renders_nothing(app):
    template = state_of(app).themes.environment("default").from_string('{{ widget("shelf.echo") }}')
    with app.test_request_context("/"):
        assert template.render() == ""


def test_enabled_plugins_are_read_once_per_request(app, shop, monkeypatch):
    state = shop.state
    calls = []
    original = state.lifecycle.enabled_recent
    monkeypatch.setattr(state.lifecycle, "enabled_recent", lambda shop_id: calls.append(shop_id) or original(shop_id))
    template = state.themes.environment("default").from_string(
        '{{ widget("shelf.echo") }}{{ widget("shelf.echo") }}{{ widget("shelf.list") }}')
    with app.test_request_context("/"):
        template.render(shop=state.shops.by_slug(shop.slug))
    assert calls == [shop.id]


def test_storefront_reads_see_a_change_made_in_this_process_at_once(shop):
    lifecycle = shop.state.lifecycle
    assert "shelf" in lifecycle.enabled_recent(shop.id)
    shop.state.disable_plugin(shop.id, "shelf")
    assert "shelf" not in lifecycle.enabled_recent(shop.id)


def theme_app(tmp_path, files: dict[str, str]):
    for path, text in files.items():
        target = tmp_path / "themes" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    app = build_app(tmp_path, plugins=[shelf])
    fixture = add_fixture_shop(app)
    fixture.enable("shelf")
    return app, fixture


def test_a_theme_template_overrides_the_plugins_and_can_extend_it(tmp_path):
    app, shop = theme_app(tmp_path, {
        "plain/theme.toml": 'title = "Plain"\n',
        "plain/templates/shelf/echo.html": '<em>{{ note }}</em> {% include "default:shelf/echo.html" %}',
        "plain/templates/index.html": "plain",
    })
    try:
        themed = render(shop, "shelf.echo", theme="plain", note="hi")
        stock = render(shop, "shelf.echo", theme="default", note="hi")
        assert themed.startswith("<em>hi</em>") and '<p class="echo" title="hi">' in themed
        assert "<em>" not in stock
        assert shop.state.themes.get("plain").title == "Plain"
    finally:
        state_of(app).close()


def test_a_broken_widget_template_counts_against_the_plugin(tmp_path):
    app, shop = theme_app(tmp_path, {"plain/templates/shelf/echo.html": "{% if %}"})
    try:
        assert render(shop, "shelf.echo", theme="plain", note="hi") == ""
        assert failures(shop) == 1
    finally:
        state_of(app).close()


def test_an_unknown_theme_falls_back_to_the_default(shop):
    if "default" not in shop.state.themes.themes:
        pytest.skip("no default theme installed")
    assert shop.state.themes.get("gone").name == "default"


class Counting:
    """Counts how often the host really calls its widgets."""

    plugin_meta = PluginMeta(name="counting", version="1.0.0")

    def __init__(self, fail: bool = False):
        self.calls = 0
        self.fail = fail
        self.ctx = None

    @hookimpl
    def register_widgets(self, register):
        register("hits", self.hits, template="shelf/echo.html")
        register("live", self.hits, template="shelf/echo.html", reusable=False)

    def hits(self, ctx, note=""):
        self.calls += 1
        self.ctx = ctx
        if self.fail:
            raise RuntimeError("down")
        return {"note": f"{note} #{self.calls}"}


def counting_shop(sw_app_factory, **config):
    plugin = Counting(**config.pop("plugin", {}))
    app = sw_app_factory(plugins=[shelf, plugin], **config)
    fixture = add_fixture_shop(app)
    fixture.enable("counting")
    return plugin, fixture


def test_a_rendered_widget_is_reused_for_the_same_parameters(sw_app_factory):
    plugin, shop = counting_shop(sw_app_factory)
    assert render(shop, "counting.hits", note="a") == render(shop, "counting.hits", note="a")
    assert "a #1" in render(shop, "counting.hits", note="a") and plugin.calls == 1
    assert "b #2" in render(shop, "counting.hits", note="b")


def test_reuse_ends_with_a_settings_or_state_change_and_with_the_plugins_forget(sw_app_factory):
    plugin, shop = counting_shop(sw_app_factory)
    render(shop, "counting.hits")
    plugin.ctx.cache.forget()
    assert "#2" in render(shop, "counting.hits")
    shop.state.disable_plugin(shop.id, "counting")
    assert render(shop, "counting.hits") == ""
    shop.enable("counting")
    assert "#3" in render(shop, "counting.hits")


def test_failures_and_unreusable_widgets_are_called_every_time(sw_app_factory):
    plugin, shop = counting_shop(sw_app_factory)
    render(shop, "counting.live")
    render(shop, "counting.live")
    assert plugin.calls == 2
    failing, broken = counting_shop(sw_app_factory, plugin={"fail": True})
    render(broken, "counting.hits")
    render(broken, "counting.hits")
    assert failing.calls == 2 and failures(broken, "counting") == 2


def test_reuse_can_be_switched_off(sw_app_factory):
    plugin, shop = counting_shop(sw_app_factory, WIDGET_REUSE=False)
    render(shop, "counting.hits")
    render(shop, "counting.hits")
    assert plugin.calls == 2


def test_a_page_whose_widgets_used_up_their_time_skips_the_rest_without_blame(app, sw_app_factory):
    from flask import g

    plugin, shop = counting_shop(sw_app_factory)
    template = shop.state.themes.environment("default").from_string('{{ widget("counting.hits") }}')
    with shop.app.test_request_context("/"):
        g.sw_widget_deadline = 0.0  # as if earlier widgets on this page took all the time
        assert template.render(shop=shop.state.shops.by_slug(shop.slug)) == ""
    assert plugin.calls == 0 and failures(shop, "counting") == 0


def test_reuse_keeps_pages_and_fragments_for_another_host_apart(sw_app_factory):
    plugin, shop = counting_shop(sw_app_factory)
    template = shop.state.themes.environment("default").from_string('{{ widget("counting.hits") }}')
    public = shop.state.shops.by_slug(shop.slug)
    with shop.app.test_request_context("/", base_url="http://shop.example"):
        template.render(shop=public)
    with shop.app.test_request_context("/", base_url="http://evil.example"):
        template.render(shop=public)
    assert plugin.calls == 2


def test_an_instance_theme_named_default_still_falls_back_to_the_built_in_one(tmp_path):
    app, shop = theme_app(tmp_path, {
        "default/templates/product.html": '{% extends "default:product.html" %}{% block title %}Mine{% endblock %}',
    })
    try:
        client = app.test_client()
        product = client.get("/shop/acme/p/merino-crew")
        assert product.status_code == 200 and "Merino Crew Sweater" in product.text
        assert client.get("/shop/acme/").status_code == 200  # a page the instance theme leaves out
    finally:
        state_of(app).close()


class DecimalWidget:
    plugin_meta = PluginMeta(name="pricey", version="1.0.0")

    @hookimpl
    def register_widgets(self, register):
        from datetime import date
        from decimal import Decimal

        register("offer", lambda ctx: {"over": Decimal("50.00"), "until": date(2027, 1, 1)})


def test_a_widget_dict_json_cannot_hold_is_refused_with_its_type_named(sw_app_factory):
    # The same dict is what the widget's JSON endpoint serves: a Decimal would be mangled there.
    shop = add_fixture_shop(sw_app_factory(plugins=[DecimalWidget()]))
    shop.enable("pricey")
    assert data(shop, "pricey.offer") is None
    described = shop.state.lifecycle.describe_one(shop.id, "pricey")
    assert described["failure_count"] == 1
    assert "widget pricey.offer returned a dict that JSON cannot hold" in described["last_error"]
    assert "Decimal" in described["last_error"]
