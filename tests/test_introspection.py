"""/healthz and /-/plugins.json."""

from plugin_doubles import make_plugin

from shopwright.host.testing import add_fixture_shop


def listed(client, name: str, **headers) -> dict:
    [row] = [p for p in client.get("/-/plugins.json", headers=headers).json["plugins"] if p["name"] == name]
    return row


def test_healthz(sw_client):
    response = sw_client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_plugins_json_lists_versions_hooks_and_the_keys_shop_state(sw_app_factory):
    app = sw_app_factory([make_plugin("good", "ok", hooks=["render_slot", "on_events"])])
    shop, other = add_fixture_shop(app), add_fixture_shop(app, slug="other")
    shop.enable("good")
    client = app.test_client()
    public = listed(client, "good")
    assert (public["name"], public["version"], public["hooks"]) == ("good", "1.0", ["on_events", "render_slot"])
    assert "shops" not in public
    key = other.api_key("admin:plugins")
    row = listed(client, "good", Authorization=f"Bearer {key}")
    assert row["shops"] == {"other": "installed"}, "a key sees only its own shop"
    key = shop.api_key("admin:plugins")
    row = listed(client, "good", Authorization=f"Bearer {key}")
    assert row["shops"] == {"acme": "enabled"}


def test_plugins_json_ignores_keys_without_the_admin_scope(sw_app_factory):
    app = sw_app_factory([make_plugin("good", "ok", hooks=["render_slot"])])
    key = add_fixture_shop(app).api_key("read:catalog")
    row = listed(app.test_client(), "good", Authorization=f"Bearer {key}")
    assert "shops" not in row
