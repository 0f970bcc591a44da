"""Admin pages contributed by plugins (the `register_admin_pages` hook): mounted, listed in the
navigation of shops that enabled the plugin, role-checked, CSRF-checked and isolated."""

from __future__ import annotations

import re
import textwrap
import types
import uuid

import pytest

from shopwright import PluginMeta, hookimpl
from shopwright.host.testing import add_fixture_shop, admin_client

PLUGIN = '''
import threading

from shopwright import PluginMeta, hookimpl

plugin_meta = PluginMeta(name=NAME, version="1.0", permissions=("read:catalog",))
RELEASE = threading.Event()


@hookimpl
def register_admin_pages(register):
    def overview(ctx, request):
        return {"titles": [p["title"] for p in ctx.products()], "who": request.args.get("who", "")}

    def notes(ctx, request):
        return {"saved": request.form.get("note", "") if request.method == "POST" else ""}

    def broken(ctx, request):
        raise RuntimeError("the admin page exploded")

    def garbage(ctx, request):
        return ["not", "a", "dict"]

    def slow(ctx, request):
        RELEASE.wait(5)
        return {}

    register("overview", "Stock overview", overview)
    register("notes", "Notes", notes, methods=("GET", "POST"), editors=True)
    register("broken", "Broken page", broken)
    register("garbage", "Garbage page", garbage, template=NAME + "/admin/overview.html")
    register("bad-template", "Bad template", lambda ctx, request: {})
    register("slow", "Slow page", slow)
    register("empty", "Empty page", lambda ctx, request: None)
    register("script", "Script page", lambda ctx, request: {"snippet": "<script>alert(1)</script>"},
             template=NAME + "/admin/script.jinja")
    register("shadow", "Shadowing page", lambda ctx, request: {
        "admin_user": "evil", "csrf_token": "forged", "request": "fake", "admin_nav": [], "note": "kept"})
'''

TEMPLATES = {
    "overview.html": """
        {% extends "admin/plugin_page.html" %}
        {% block plugin_content %}<ul>{% for title in titles %}<li>{{ title }}</li>{% endfor %}</ul>
        <p id="who">{{ who }}</p>{% endblock %}""",
    "notes.html": """
        {% extends "admin/plugin_page.html" %}
        {% block plugin_content %}
        <form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
        <label for="note">Note</label><input id="note" name="note"><button>Save</button></form>
        <p id="saved">{{ saved }}</p>{% endblock %}""",
    "script.jinja": """
        {% extends "admin/plugin_page.html" %}
        {% block plugin_content %}<p id="snippet">{{ snippet }}</p>{% endblock %}""",
    "shadow.html": """
        {% extends "admin/plugin_page.html" %}
        {% block plugin_content %}<p id="user">{{ admin_user.email }}</p><p id="token">{{ csrf_token() }}</p>
        <p id="path">{{ request.path }}</p><p id="note">{{ note }}</p>{% endblock %}""",
    "bad-template.html": """
        {% extends "admin/plugin_page.html" %}
        {% block plugin_content %}{{ nothing.here.at_all }}{% endblock %}""",
}


@pytest.fixture
def page_plugin(tmp_path, monkeypatch):
    """A real plugin package on disk, so its templates/ folder is found like an installed one's."""
    name = f"pages_{uuid.uuid4().hex[:8]}"
    package = tmp_path / name
    (package / "templates" / name / "admin").mkdir(parents=True)
    (package / "__init__.py").write_text(f"NAME = {name!r}\n" + PLUGIN)
    for filename, source in TEMPLATES.items():
        (package / "templates" / name / "admin" / filename).write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    import sys

    module = sys.modules.get(name)
    if module is not None:
        module.RELEASE.set()


@pytest.fixture
def app(sw_app_factory, page_plugin):
    return sw_app_factory(plugins=[page_plugin])


@pytest.fixture
def shop(app, page_plugin):
    made = add_fixture_shop(app)
    made.enable(page_plugin)
    return made


def text(response) -> str:
    return response.get_data(as_text=True)


def test_page_renders_inside_the_admin_layout_and_is_listed(app, shop, page_plugin):
    owner = admin_client(app, shop)
    response = owner.get(f"/admin/plugins/{page_plugin}/overview?who=%3Cscript%3Ealert(1)%3C/script%3E")
    page = text(response)
    assert response.status_code == 200 and "<li>Enamel Camp Mug 350 ml</li>" in page
    assert '<p id="who">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in page
    assert f'href="/admin/plugins/{page_plugin}/overview" aria-current="page"' in page  # in the nav, marked
    assert "Shopwright" in page and "Sign out" in page  # the admin layout around it


def test_templates_of_any_extension_are_autoescaped(app, shop, page_plugin):
    response = admin_client(app, shop).get(f"/admin/plugins/{page_plugin}/script")
    assert response.status_code == 200
    assert '<p id="snippet">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in text(response)


def test_a_view_cannot_replace_the_hosts_template_variables(app, shop, page_plugin):
    owner = admin_client(app, shop)
    response = owner.get(f"/admin/plugins/{page_plugin}/shadow")
    page = text(response)
    assert response.status_code == 200 and '<p id="note">kept</p>' in page
    assert re.search(r'<p id="user">owner-\w+@acme\.example</p>', page)
    assert f'<p id="path">/admin/plugins/{page_plugin}/shadow</p>' in page
    assert "forged" not in page and re.search(r'<p id="token">[\w.-]{20,}</p>', page)
    assert 'href="/admin/dashboard"' in page  # the host's navigation, not the plugin's empty one


def test_page_of_a_plugin_not_enabled_is_not_found_and_not_listed(app, shop, page_plugin):
    shop.disable(page_plugin)
    owner = admin_client(app, shop)
    assert owner.get(f"/admin/plugins/{page_plugin}/overview").status_code == 404
    assert "Stock overview" not in text(owner.get("/admin/dashboard"))
    assert owner.get(f"/admin/plugins/{page_plugin}/nowhere").status_code == 404


def test_editors_see_only_pages_registered_for_them(app, shop, page_plugin):
    editor = admin_client(app, shop, "editor")
    nav = text(editor.get("/admin/dashboard"))
    assert "Notes" in nav and "Stock overview" not in nav
    assert editor.get(f"/admin/plugins/{page_plugin}/overview").status_code == 403
    assert editor.get(f"/admin/plugins/{page_plugin}/notes").status_code == 200


def test_post_is_checked_for_csrf_and_reaches_the_view(app, shop, page_plugin):
    owner = admin_client(app, shop)
    path = f"/admin/plugins/{page_plugin}/notes"
    assert owner.client.post(path, data={"note": "x"}).status_code == 400
    saved = owner.post(path, {"note": '" onmouseover="x'})
    assert saved.status_code == 200 and '<p id="saved">&#34; onmouseover=&#34;x</p>' in text(saved)
    assert owner.post(f"/admin/plugins/{page_plugin}/overview").status_code == 405  # registered for GET only


@pytest.mark.parametrize("slug", ["broken", "garbage", "bad-template"])
def test_failing_page_shows_an_error_box_not_a_crash(app, shop, page_plugin, slug):
    owner = admin_client(app, shop)
    response = owner.get(f"/admin/plugins/{page_plugin}/{slug}")
    page = text(response)
    assert response.status_code == 502 and 'id="plugin-error"' in page and "The error is logged." in page
    assert "Sign out" in page  # still the admin layout, navigation and all


def test_view_returning_none_is_an_empty_page_without_a_template(app, shop, page_plugin):
    response = admin_client(app, shop).get(f"/admin/plugins/{page_plugin}/empty")
    assert response.status_code == 200 and "<h1>Empty page</h1>" in text(response)


def test_slow_page_times_out_into_the_error_box(sw_app_factory, page_plugin):
    app = sw_app_factory(plugins=[page_plugin], BACKGROUND_HOOK_BUDGET_MS=100)
    shop = add_fixture_shop(app)
    shop.enable(page_plugin)
    response = admin_client(app, shop).get(f"/admin/plugins/{page_plugin}/slow")
    assert response.status_code == 502 and "took longer than" in text(response)


def test_other_shops_get_not_found(app, shop, page_plugin):
    other = add_fixture_shop(app, "bravo", "Bravo")
    assert admin_client(app, other).get(f"/admin/plugins/{page_plugin}/overview").status_code == 404


def test_broken_registration_is_skipped_and_the_app_starts(sw_app_factory, page_plugin):
    @hookimpl(specname="register_admin_pages")
    def explode(register):
        register("fine", "Fine", lambda ctx, request: {})
        raise RuntimeError("registration failed")

    @hookimpl(specname="register_admin_pages")
    def reserved(register):
        register("settings", "Clashes with the host's own page", lambda ctx, request: {})

    bad = types.SimpleNamespace(plugin_meta=PluginMeta(name="bad_pages", version="1.0"), register_admin_pages=explode)
    clash = types.SimpleNamespace(plugin_meta=PluginMeta(name="clash_pages", version="1.0"),
                                  register_admin_pages=reserved)
    app = sw_app_factory(plugins=[bad, clash, page_plugin])
    state = app.extensions["shopwright"]
    assert "registration failed" in state.registry.plugins["bad_pages"].load_error
    assert "slug 'settings'" in state.registry.plugins["clash_pages"].load_error
    pages = app.extensions["shopwright.admin"].pages
    assert pages.get("bad_pages", "fine") is None and pages.get(page_plugin, "overview") is not None
