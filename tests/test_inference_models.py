"""The real embedded models: SmolLM2-135M-Instruct (converted once from its GGUF file) and
MiniLM-L6. Slow: each is loaded once per session, from a cache folder that outlives the run
(`SHOPWRIGHT_TEST_MODEL_CACHE`, default a folder in the system's temp dir), so only the very
first run pays the conversion. Timings are printed for information and never asserted."""

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from shopwright.host.inference import BackendUnavailable, Batcher, GenerationRequest
from shopwright.host.testing import add_fixture_shop

pytestmark = pytest.mark.slow

COLD_START = """
import time; started = time.perf_counter()
from shopwright.host.inference.embedded import EmbeddedTextBackend
EmbeddedTextBackend.load({cache!r})
print(round(time.perf_counter() - started, 2))
"""


@pytest.fixture(scope="session")
def model_cache() -> Path:
    return Path(os.environ.get("SHOPWRIGHT_TEST_MODEL_CACHE") or Path(tempfile.gettempdir()) / "shopwright-test-models")


@pytest.fixture(scope="session")
def smollm(model_cache):
    from shopwright.host.inference.embedded import ensure_converted, shared_embedded

    started = time.perf_counter()
    ensure_converted(model_cache)
    converted = time.perf_counter()
    backend = shared_embedded(model_cache)
    loaded = time.perf_counter()
    print(f"\nembedded model: conversion (or its check) {converted - started:.1f} s, load {loaded - converted:.1f} s")
    return backend


@pytest.fixture(scope="session")
def minilm():
    from shopwright.host.inference.embeddings import shared_embedder

    return shared_embedder()


def test_two_prompts_in_one_batch(smollm):
    requests = [GenerationRequest("What is the capital of France? Answer in one sentence.", max_tokens=24),
                GenerationRequest("Name one thing people drink from a mug.", max_tokens=24)]
    started = time.perf_counter()
    capital, mug = smollm.generate(requests)
    seconds = time.perf_counter() - started
    print(f"\nbatch of 2: {capital.completion_tokens + mug.completion_tokens} tokens in {seconds:.2f} s")
    assert "Paris" in capital.text
    for answer in (capital, mug):
        assert answer.text.strip() and answer.prompt_tokens > 10
        assert 0 < answer.completion_tokens <= 24 and answer.finish_reason in ("stop", "length")
    assert "Paris" in smollm.complete(requests[0].prompt, max_tokens=24).text  # alone, the same answer


def test_token_limits_and_stop_strings(smollm):
    capped, stopped = smollm.generate([
        GenerationRequest("Write a long story about a lighthouse.", max_tokens=5),
        GenerationRequest("Count from 1 to 10, one number per line.", max_tokens=60, stop=("5",))])
    assert (capped.completion_tokens, capped.finish_reason) == (5, "length")
    assert stopped.finish_reason == "stop" and "5" not in stopped.text and "4" in stopped.text


def test_sampling_with_a_seed_repeats_and_greedy_is_steady(smollm):
    sampled = GenerationRequest("Suggest a name for a coffee shop.", max_tokens=12, temperature=0.9, top_p=0.9, seed=11)
    assert smollm.complete(sampled.prompt, **_options(sampled)).text == smollm.generate([sampled])[0].text
    greedy = GenerationRequest("Say hello.", max_tokens=8)
    assert smollm.generate([greedy])[0] == smollm.generate([greedy])[0]


def test_concurrent_callers_share_the_real_models_batches(smollm):
    batcher = Batcher(smollm, max_batch=4, max_wait_ms=200)
    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(
        batcher.generate([GenerationRequest(f"Say the number {i}.", max_tokens=6)])[0])) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    batcher.close()
    assert len(results) == 3 and batcher.batches == [3]


def test_a_shop_generates_with_the_embedded_model_through_the_host(sw_app_factory, smollm, model_cache):
    app = sw_app_factory(TEXT_BACKEND="embedded", MODEL_CACHE_DIR=str(model_cache))
    shop = add_fixture_shop(app)
    model = shop.state.inference.text_model(shop.id)
    answer = model.complete("Describe an enamel camp mug in five words.", max_tokens=12)
    assert (model.name, model.model) == ("embedded", "SmolLM2-135M-Instruct") and answer.text
    assert shop.state.inference.usage_today(shop.id) == answer.prompt_tokens + answer.completion_tokens
    assert shop.state.inference.batcher(model.spec).backend is smollm  # loaded once per process


def test_a_shop_can_name_a_local_model_folder(sw_app_factory, smollm, model_cache):
    from shopwright.host.inference.embedded import converted_folder
    from shopwright.host.inference.embeddings import wheel_folder

    app = sw_app_factory(TEXT_BACKEND="embedded")
    shop = add_fixture_shop(app)
    inference = shop.state.inference
    inference.save_settings(shop.id, {"backend": "hf_folder", "hf_path": str(converted_folder(model_cache))})
    model = inference.text_model(shop.id)
    assert (model.name, model.model) == ("hf_folder", "smollm2-135m-instruct")
    assert "Paris" in model.complete("What is the capital of France?", max_tokens=16).text
    inference.save_settings(shop.id, {"hf_path": str(wheel_folder())})  # an encoder, not a text model
    with pytest.raises(BackendUnavailable, match="could not be loaded"):
        inference.text_model(shop.id).complete("hello")


def test_cold_start_from_the_converted_folder(smollm, model_cache):
    """For information: a new process loading the converted model (imports included)."""
    code = COLD_START.format(cache=str(model_cache))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    print(f"\ncold start of the embedded model from its converted folder: {done.stdout.strip()} s")


def test_embeddings_are_unit_rows_that_rank_alike_texts_first(minilm):
    vectors = minilm.embed(["Enamel camp mug, 350 ml", "A steel mug for camping", "Merino wool crew sweater", ""])
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    mug, camp_mug, sweater = vectors[0], vectors[1], vectors[2]
    assert mug @ camp_mug > mug @ sweater + 0.2
    many = minilm.embed([f"product number {i}" for i in range(70)])  # more than one batch, in order
    assert np.allclose(many[5], minilm.embed(["product number 5"])[0], atol=1e-5)


def _options(request: GenerationRequest) -> dict:
    return {"max_tokens": request.max_tokens, "temperature": request.temperature, "top_p": request.top_p,
            "seed": request.seed}


@pytest.mark.parametrize("path", ["reference", "triton"])
def test_minilm_with_shopwright_attention_embeds_like_stock(minilm, path, monkeypatch, kernel_calls):
    """The host's encoder with `attn_implementation="shopwright"` (what CUDA machines load)."""
    from transformers import AutoModel

    from shopwright import kernels
    from shopwright.host.inference import torch_setup
    from shopwright.host.inference.embeddings import MiniLMEmbedder, wheel_folder

    monkeypatch.setenv(kernels.ENV_VAR, path)  # triton: the GPU kernel, interpreted on this CPU
    encoder = AutoModel.from_pretrained(str(wheel_folder()), local_files_only=True,
                                        attn_implementation=torch_setup.register_kernels())
    ours = MiniLMEmbedder(encoder, minilm.tokenizer, max_length=minilm.max_length)
    texts = ["Enamel camp mug", "A wool sweater knitted in Scotland from undyed yarn", "lid"]
    np.testing.assert_allclose(ours.embed(texts), minilm.embed(texts), atol=2e-5)
    assert kernel_calls["attention"] == encoder.config.num_hidden_layers  # one padded batch


@pytest.fixture(scope="module")
def smollm_fp32(smollm, model_cache):
    """A float32 copy of the embedded model: in bfloat16, any two attention implementations
    (stock ones included) round differently enough to flip a greedy near-tie."""
    from shopwright.host.inference.embedded import converted_folder
    from shopwright.host.inference.transformers_text import TransformersTextBackend

    previous = os.environ.get("SHOPWRIGHT_MODEL_CPU_DTYPE")
    os.environ["SHOPWRIGHT_MODEL_CPU_DTYPE"] = "float32"
    try:
        return TransformersTextBackend.from_folder(converted_folder(model_cache))
    finally:
        if previous is None:
            os.environ.pop("SHOPWRIGHT_MODEL_CPU_DTYPE")
        else:
            os.environ["SHOPWRIGHT_MODEL_CPU_DTYPE"] = previous


@pytest.mark.parametrize("path", ["reference", "triton"])
def test_smollm_with_shopwright_attention_writes_like_stock(smollm_fp32, path, monkeypatch, kernel_calls):
    """The host's own decoding loop (left-padded batch, prefill, KV-cache steps) through our
    attention writes what the stock attention writes."""
    from shopwright import kernels
    from shopwright.host.inference import torch_setup

    requests = [GenerationRequest("Name one thing people drink from a mug.", max_tokens=8),
                GenerationRequest("Say hello.", max_tokens=8)]
    stock = smollm_fp32.generate(requests)
    monkeypatch.setenv(kernels.ENV_VAR, path)
    smollm_fp32.lm.set_attn_implementation(torch_setup.register_kernels())
    try:
        ours = smollm_fp32.generate(requests)
    finally:
        smollm_fp32.lm.set_attn_implementation("sdpa")
    assert [a.text for a in ours] == [a.text for a in stock]
    assert kernel_calls["attention"] > 0 and kernel_calls["decode_attention"] > 0
