"""The inference service: each shop's backend from its settings, shared batching, the daily
token cap and usage counts, and the errors a plugin sees through `ctx.text_model()`."""

import html
import json
import logging
import re
import sys
import threading
import time
from pathlib import Path

import pytest

from shopwright import PluginMeta
from shopwright.host.config import ConfigError
from shopwright.host.inference import (
    BackendUnavailable,
    FakeTextBackend,
    GenerationRequest,
    QuotaExceeded,
    TextBackend,
    VectorIndex,
    service,
)
from shopwright.host.inference import usage as usage_counts
from shopwright.host.inference.hf_folder import check_model_folder
from shopwright.host.settings import SettingsError
from shopwright.host.testing import add_fixture_shop, admin_client, use_fake_models


class Writer:
    plugin_meta = PluginMeta(name="writer", version="1.0")


@pytest.fixture
def app(sw_app_factory):
    return sw_app_factory([Writer()])


@pytest.fixture
def shop(app):
    shop = add_fixture_shop(app)
    shop.enable("writer")
    return shop


def ctx_of(shop):
    return shop.state.context_for(shop.id, shop.state.lifecycle.enabled(shop.id)["writer"])


def test_the_test_kit_gives_plugins_the_fake_models(shop):
    ctx = ctx_of(shop)
    model = ctx.text_model()
    assert isinstance(model, TextBackend) and (model.name, model.model) == ("fake", "fake-echo")
    assert model.complete("Describe the mug").text == "echo: Describe the mug"
    vectors = ctx.embedder().embed(["steel mug", "wool sweater"])
    assert vectors.shape == (2, ctx.embedder().dim)


def test_use_fake_models_hands_every_shop_the_given_fakes(app, shop):
    text, embedder = use_fake_models(app, text=FakeTextBackend({"Describe": "A sturdy mug."}))
    other = add_fixture_shop(app, slug="other")
    other.enable("writer")
    assert ctx_of(shop).text_model().complete("Describe the mug").text == "A sturdy mug."
    assert ctx_of(other).text_model().complete("Describe the sweater").text == "A sturdy mug."
    assert ctx_of(shop).embedder() is embedder and len(text.requests) == 2


def test_concurrent_plugins_share_forward_passes(app, shop):
    text, _ = use_fake_models(app)
    model = ctx_of(shop).text_model()
    threads = [threading.Thread(target=model.complete, args=(f"prompt {i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert sum(text.batches) == 6 and len(text.batches) < 6


def test_usage_is_recorded_per_shop_and_day(app, shop):
    use_fake_models(app)
    other = add_fixture_shop(app, slug="other")
    ctx_of(shop).text_model().generate([GenerationRequest("one two"), GenerationRequest("three")])
    [today, yesterday, *_] = shop.state.inference.usage_history(shop.id, 7)
    assert (today["requests"], today["prompt_tokens"], today["completion_tokens"]) == (2, 3, 5)
    assert today["total_tokens"] == 8 == shop.state.inference.usage_today(shop.id)
    assert yesterday["total_tokens"] == 0 and shop.state.inference.usage_today(other.id) == 0


def test_the_daily_cap_refuses_once_reached_and_says_how_to_change_it(app, shop):
    use_fake_models(app)
    shop.state.inference.save_settings(shop.id, {"daily_token_cap": 6})
    model = ctx_of(shop).text_model()
    model.complete("one two three")  # 3 prompt + 5 answer tokens: now over the cap
    with pytest.raises(QuotaExceeded, match="used its 6 model tokens for today.*Models page"):
        model.complete("again")
    assert shop.state.inference.usage_history(shop.id, 1)[0]["requests"] == 1


def test_a_bulk_call_stops_at_the_cap_between_batches(app, shop):
    text, _ = use_fake_models(app)
    shop.state.inference.save_settings(shop.id, {"daily_token_cap": 10})
    many = 4 * int(shop.state.config["GENERATION_MAX_BATCH"])  # more slices than the batcher queues ahead
    with pytest.raises(QuotaExceeded):
        ctx_of(shop).text_model().generate([GenerationRequest(f"p{i}") for i in range(many)])
    assert len(text.requests) < many and shop.state.inference.usage_today(shop.id) >= 10


def test_concurrent_usage_updates_are_not_lost(shop):
    from shopwright.host.inference.backend import Generation

    one = [Generation("x", 1, 2, "stop")]
    threads = [threading.Thread(target=usage_counts.record, args=(shop.state.db, shop.id, one)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert shop.state.inference.usage_today(shop.id) == 60


def test_settings_are_checked_per_field_and_the_old_ones_kept(shop):
    inference = shop.state.inference
    inference.save_settings(shop.id, {"daily_token_cap": 100})
    with pytest.raises(SettingsError) as raised:
        inference.save_settings(shop.id, {"backend": "openai", "daily_token_cap": -1})
    assert set(raised.value.messages) == {"daily_token_cap"}
    with pytest.raises(SettingsError) as raised:
        inference.save_settings(shop.id, {"backend": "openai"})
    assert set(raised.value.messages) == {"endpoint_url", "endpoint_model"}
    with pytest.raises(SettingsError) as raised:
        inference.save_settings(shop.id, {"backend": "hf_folder"})
    assert "hf_path" in raised.value.messages
    with pytest.raises(SettingsError) as raised:
        inference.save_settings(shop.id, {"backend": "gpt", "endpoint_url": "ftp://example.com"})
    assert set(raised.value.messages) == {"backend", "endpoint_url"}
    assert inference.settings(shop.id)["daily_token_cap"] == 100


def test_a_blank_api_key_keeps_the_stored_one_and_clear_removes_it(shop):
    inference = shop.state.inference
    openai = {"backend": "openai", "endpoint_url": "http://127.0.0.1:9", "endpoint_model": "m"}
    inference.save_settings(shop.id, {**openai, "api_key": "sk-1"})
    inference.save_settings(shop.id, {**openai, "api_key": ""})
    assert inference.settings(shop.id)["api_key"] == "sk-1"
    inference.save_settings(shop.id, {**openai, "api_key": ""}, clear=("api_key",))
    assert inference.settings(shop.id)["api_key"] == ""


def test_shops_without_settings_use_the_configured_backend(sw_app_factory):
    app = sw_app_factory(TEXT_BACKEND="hf_folder")
    shop = add_fixture_shop(app)
    assert shop.state.inference.settings(shop.id)["backend"] == "hf_folder"
    assert shop.state.inference.cache_dir == Path(app.config["INSTANCE_PATH"]) / "models"
    with pytest.raises(ConfigError, match="TEXT_BACKEND='gpt'"):
        sw_app_factory(TEXT_BACKEND="gpt")


def test_an_unreachable_endpoint_is_a_clear_error_for_the_plugin(sw_app_factory):
    app = sw_app_factory([Writer()], TEXT_BACKEND="embedded")
    shop = add_fixture_shop(app)
    shop.enable("writer")
    shop.state.inference.save_settings(shop.id, {"backend": "openai", "endpoint_url": "http://127.0.0.1:9",
                                                 "endpoint_model": "llama", "timeout_s": 2})
    model = ctx_of(shop).text_model()
    assert (model.name, model.model) == ("openai", "llama")
    with pytest.raises(BackendUnavailable, match="Could not reach the model server at http://127.0.0.1:9"):
        model.complete("hello")
    assert shop.state.inference.usage_today(shop.id) == 0


def test_a_missing_model_folder_is_a_clear_error_and_is_not_kept(sw_app_factory, tmp_path):
    app = sw_app_factory([Writer()], TEXT_BACKEND="embedded")
    shop = add_fixture_shop(app)
    shop.enable("writer")
    shop.state.inference.save_settings(shop.id, {"backend": "hf_folder", "hf_path": str(tmp_path / "nowhere")})
    with pytest.raises(BackendUnavailable, match="does not exist on this server"):
        ctx_of(shop).text_model().complete("hello")
    assert shop.state.inference.loaded() == []


def test_a_model_folder_is_checked_before_loading(tmp_path):
    with pytest.raises(BackendUnavailable, match="no config.json"):
        check_model_folder(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(BackendUnavailable, match="not valid JSON"):
        check_model_folder(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    with pytest.raises(BackendUnavailable, match="no model weights"):
        check_model_folder(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(BackendUnavailable, match="no tokenizer"):
        check_model_folder(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{}")
    assert check_model_folder(tmp_path) == tmp_path.resolve()
    with pytest.raises(BackendUnavailable, match="No model folder is set"):
        check_model_folder("")


# -- a light install: no torch, so no local models --------------------------------------------
LOCAL_EXTRA = "needs the local extra: pip install 'shopwright[local]'"


@pytest.fixture
def without_torch(monkeypatch):
    """This process as `pip install shopwright` leaves it: torch and transformers cannot be imported."""
    for module in ("torch", "transformers"):
        monkeypatch.setitem(sys.modules, module, None)


@pytest.mark.parametrize("settings, subject", [
    ({"backend": "embedded"}, "The embedded model"),
    ({"backend": "hf_folder", "hf_path": "/srv/models/any"}, "A Hugging Face model folder"),
])
def test_a_local_model_without_the_local_extra_names_the_extra(sw_app_factory, without_torch, settings, subject):
    app = sw_app_factory([Writer()], TEXT_BACKEND="embedded")
    shop = add_fixture_shop(app)
    shop.enable("writer")
    shop.state.inference.save_settings(shop.id, settings)
    with pytest.raises(BackendUnavailable, match=rf"^{subject} {re.escape(LOCAL_EXTRA)} \(this server lacks torch"):
        ctx_of(shop).text_model().complete("hello")
    assert shop.state.inference.loaded() == []  # not kept: installing the extra is enough


def test_the_owner_sees_the_missing_extra_when_trying_the_model(sw_app_factory, without_torch):
    app = sw_app_factory(TEXT_BACKEND="embedded")
    shop = add_fixture_shop(app)
    response = admin_client(app, shop).post("/admin/models/try", follow_redirects=True)
    page = html.unescape(response.get_data(as_text=True))
    assert f"The model did not answer: The embedded model {LOCAL_EXTRA}" in page
    assert "OpenAI-compatible endpoint" in page


def test_the_embedder_without_the_local_extra_names_it_and_vector_search_still_works(sw_app_factory,
                                                                                    without_torch):
    app = sw_app_factory([Writer()], EMBEDDING_BACKEND="embedded")
    shop = add_fixture_shop(app)
    shop.enable("writer")
    with pytest.raises(BackendUnavailable, match=re.escape(f"The sentence embedder (all-MiniLM-L6-v2) {LOCAL_EXTRA}")):
        ctx_of(shop).embedder()
    # Vector search falls back to NumPy: exact, the same answers, for tests on the light install.
    index = VectorIndex(["mug", "cup"], [[1.0, 0.0], [0.0, 1.0]])
    assert [hit.id for hit in index.search([0.2, 0.9], k=2)[0]] == ["cup", "mug"]


def test_the_service_names_the_local_models_without_importing_them():
    from shopwright.host.inference import embedded, embeddings

    assert (service.EMBEDDED_MODEL, service.EMBEDDING_MODEL) == (embedded.MODEL_NAME, embeddings.MODEL_NAME)


def test_prompts_never_reach_the_log_at_info(app, shop, caplog):
    use_fake_models(app)
    with caplog.at_level(logging.INFO):
        ctx_of(shop).text_model().complete("secret product brief 4711")
    assert "4711" not in caplog.text


def test_closing_the_app_stops_the_batchers(sw_app_factory):
    app = sw_app_factory([Writer()])
    shop = add_fixture_shop(app)
    shop.enable("writer")
    ctx_of(shop).text_model().complete("warm up")
    shop.state.inference.close()
    with pytest.raises(Exception, match="shutting down"):
        ctx_of(shop).text_model().complete("after close")


# -- the embedded model's one-time conversion ------------------------------------------------
@pytest.fixture
def fake_conversion(monkeypatch, tmp_path):
    """The GGUF conversion replaced by a quick stand-in that counts its runs."""
    from shopwright.host.inference import embedded

    source = tmp_path / "model.gguf"
    source.write_bytes(b"GGUF" * 10)
    runs = []

    def convert(src, folder):
        runs.append(src)
        time.sleep(0.05)  # long enough for racing threads to meet at the lock
        folder.mkdir(parents=True)
        (folder / "config.json").write_text("{}")
        (folder / embedded.MARKER).write_text(json.dumps(embedded._fingerprint(src)))

    monkeypatch.setattr(embedded, "convert_gguf", convert)
    return embedded, source, runs


def test_the_conversion_runs_once_however_many_start_together(fake_conversion, tmp_path):
    embedded, source, runs = fake_conversion
    cache = tmp_path / "models"
    threads = [threading.Thread(target=embedded.ensure_converted, args=(cache, source)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(runs) == 1 and (cache / embedded.FOLDER / "config.json").is_file()
    assert not list(cache.glob(".*.tmp-*"))
    embedded.ensure_converted(cache, source)
    assert len(runs) == 1


def test_a_new_source_file_converts_again_and_a_crash_leaves_nothing_half_done(fake_conversion, tmp_path):
    embedded, source, runs = fake_conversion
    cache = tmp_path / "models"
    embedded.ensure_converted(cache, source)
    source.write_bytes(b"GGUF" * 20)  # a new wheel version
    embedded.ensure_converted(cache, source)
    assert len(runs) == 2
    source.write_bytes(b"GGUF" * 30)
    (cache / f".{embedded.FOLDER}.tmp-dead").mkdir()  # left by a process that was killed

    def crash(src, folder):
        folder.mkdir(parents=True)
        raise OSError("disk full")

    embedded.convert_gguf = crash  # monkeypatch undoes it
    with pytest.raises(OSError, match="disk full"):
        embedded.ensure_converted(cache, source)
    assert not list(cache.glob(".*.tmp-*"))
