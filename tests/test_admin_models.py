"""The admin's Models page: settings with per-field errors and a masked key, today's use against
the cap, the last seven days, trying the model, and owners only."""

import re

from shopwright.host.inference import FakeTextBackend, GenerationRequest
from shopwright.host.testing import add_fixture_shop, admin_client, use_fake_models

SECRET = "sk-live-never-echo-4242"


def text(response) -> str:
    return response.get_data(as_text=True)


def field_errors(html: str, name: str) -> list[str]:
    found = re.search(rf'<ul class="field-errors" id="setting-{name}-errors">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def test_the_page_is_in_the_owners_navigation(owner):
    page = text(owner.get("/admin/models"))
    assert 'href="/admin/models" aria-current="page">Models' in page
    assert 'name="backend"' in page and 'name="daily_token_cap"' in page and "no cap set" in page


def test_saving_valid_settings(owner, shop):
    response = owner.post("/admin/models", {"backend": "openai", "endpoint_url": "http://127.0.0.1:8080/v1",
                                            "endpoint_model": "llama-3", "api_key": SECRET, "timeout_s": "30",
                                            "daily_token_cap": "50000", "hf_path": ""})
    assert response.status_code == 302
    saved = shop.state.inference.settings(shop.id)
    assert (saved["backend"], saved["endpoint_model"], saved["api_key"], saved["daily_token_cap"]) == (
        "openai", "llama-3", SECRET, 50000)
    page = text(owner.get("/admin/models"))
    assert "Model settings saved." in page and SECRET not in page
    assert 'data-secret-state="set"' in page and "of a cap of <strong>50,000</strong>" in page


def test_invalid_settings_show_errors_by_their_fields_and_keep_the_old_ones(owner, shop):
    shop.state.inference.save_settings(shop.id, {"daily_token_cap": 10})
    response = owner.post("/admin/models", {"backend": "openai", "endpoint_url": "not a url",
                                            "endpoint_model": "m", "api_key": SECRET, "daily_token_cap": "-5"})
    page = text(response)
    assert response.status_code == 422 and "The settings were not saved" in page
    assert field_errors(page, "endpoint_url") and field_errors(page, "daily_token_cap")
    assert SECRET not in page
    assert shop.state.inference.settings(shop.id)["daily_token_cap"] == 10


def test_a_backend_without_its_fields_is_refused_next_to_them(owner):
    page = text(owner.post("/admin/models", {"backend": "hf_folder", "hf_path": ""}))
    assert field_errors(page, "hf_path") == ["Enter the model folder&#39;s path to use hf_folder."]


def test_the_stored_key_is_kept_when_left_blank_and_can_be_removed(owner, shop):
    form = {"backend": "openai", "endpoint_url": "http://127.0.0.1:8080", "endpoint_model": "m"}
    owner.post("/admin/models", {**form, "api_key": SECRET})
    owner.post("/admin/models", {**form, "api_key": ""})
    assert shop.state.inference.settings(shop.id)["api_key"] == SECRET
    assert 'name="clear_api_key"' in text(owner.get("/admin/models"))
    owner.post("/admin/models", {**form, "api_key": "", "clear_api_key": "on"})
    assert shop.state.inference.settings(shop.id)["api_key"] == ""


def test_usage_today_against_the_cap_and_the_last_seven_days(sw_app, owner, shop):
    use_fake_models(sw_app)
    shop.state.inference.save_settings(shop.id, {"daily_token_cap": 10})
    shop.state.inference.text_model(shop.id).generate([GenerationRequest("one two three four five")])
    page = text(owner.get("/admin/models"))
    assert re.search(r'<span class="stat-value">11</span> tokens used today', page)
    assert 'id="usage-progress" max="100" value="100"' in page and 'id="usage-capped"' in page
    rows = re.findall(r"<tr><td>\d{4}-\d\d-\d\d</td>", page)
    assert len(rows) == 7


def test_trying_the_model_shows_its_answer(sw_app, owner):
    use_fake_models(sw_app, text=FakeTextBackend(lambda request: "<b>Ready</b>"))
    page = text(owner.post("/admin/models/try", follow_redirects=True))
    assert "fake (fake-echo) answered in 1 tokens: &lt;b&gt;Ready&lt;/b&gt;" in page  # escaped, never markup


def test_trying_an_unreachable_endpoint_says_why(sw_app_factory):
    app = sw_app_factory(TEXT_BACKEND="embedded")
    shop = add_fixture_shop(app)
    owner = admin_client(app, shop)
    shop.state.inference.save_settings(shop.id, {"backend": "openai", "endpoint_url": "http://127.0.0.1:9",
                                                 "endpoint_model": "m", "timeout_s": 2})
    page = text(owner.post("/admin/models/try", follow_redirects=True))
    assert "The model did not answer: Could not reach the model server at http://127.0.0.1:9" in page


def test_editors_cannot_open_or_change_it(sw_app, shop):
    editor = admin_client(sw_app, shop, "editor")
    assert editor.get("/admin/models").status_code == 403
    assert editor.post("/admin/models", {"daily_token_cap": "1"}).status_code == 403
    assert editor.post("/admin/models/try").status_code == 403
    assert 'href="/admin/models"' not in text(editor.get("/admin/dashboard"))


def test_a_post_without_the_token_changes_nothing(owner, shop):
    response = owner.client.post("/admin/models", data={"daily_token_cap": "1"})
    assert response.status_code == 400
    assert shop.state.inference.settings(shop.id)["daily_token_cap"] == 0
