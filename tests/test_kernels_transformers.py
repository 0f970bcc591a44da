"""``attn_implementation="shopwright"`` against transformers' stock implementations.

Tiny random-weight models built from configs (no downloads) with the two real layouts:
a BERT encoder with heads of 32 (MiniLM-like) and a llama decoder whose query heads share
KV heads (3 per KV head) of 64 (SmolLM2-like), including KV-cache greedy generation.
"""

import importlib
import os

import pytest
import torch

# Triton fixes interpreted vs compiled when it is first imported (transformers' model modules
# import it), so this comes first and the rest is imported as calls.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
transformers = pytest.importorskip("transformers")
kernels = importlib.import_module("shopwright.kernels")
transformers_attention = importlib.import_module("shopwright.kernels.transformers_attention")

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
NAME = transformers_attention.register()


def _bert():
    config = transformers.BertConfig(
        vocab_size=120, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=128, max_position_embeddings=64,
    )
    torch.manual_seed(0)
    return transformers.BertModel(config, add_pooling_layer=False).to(DEVICE).eval()


def _llama():
    config = transformers.LlamaConfig(
        vocab_size=120, hidden_size=192, intermediate_size=256, num_hidden_layers=2,
        num_attention_heads=3, num_key_value_heads=1, head_dim=64,
        max_position_embeddings=128, pad_token_id=0, bos_token_id=1, eos_token_id=2,
    )
    torch.manual_seed(0)
    return transformers.LlamaForCausalLM(config).to(DEVICE).eval()


def _padded_batch(lengths, total, left=False):
    gen = torch.Generator().manual_seed(sum(lengths))
    ids = torch.randint(3, 120, (len(lengths), total), generator=gen)
    mask = torch.zeros(len(lengths), total, dtype=torch.long)
    for row, n in enumerate(lengths):
        if left:
            mask[row, total - n:] = 1
        else:
            mask[row, :n] = 1
    return ids.to(DEVICE), mask.to(DEVICE)


def _encode(model, impl, ids, mask):
    model.set_attn_implementation(impl)
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask).last_hidden_state


@pytest.mark.parametrize("backend", ["reference", "triton"])
def test_bert_padded_batch_matches_stock(backend, monkeypatch, kernel_calls):
    monkeypatch.setenv(kernels.ENV_VAR, backend)
    model = _bert()
    ids, mask = _padded_batch([13, 5, 1], 13)
    ours = _encode(model, NAME, ids, mask)
    assert kernel_calls["attention"] == 2  # one per layer
    live = mask.bool()
    for stock in ("sdpa", "eager"):
        want = _encode(model, stock, ids, mask)
        torch.testing.assert_close(ours[live], want[live], atol=1e-4, rtol=1e-4)


def test_bert_unpadded_batch_matches_stock(kernel_calls):
    model = _bert()
    ids, mask = _padded_batch([9, 9], 9)
    torch.testing.assert_close(_encode(model, NAME, ids, mask), _encode(model, "sdpa", ids, mask),
                               atol=1e-4, rtol=1e-4)
    assert kernel_calls["attention"] == 2


@pytest.mark.parametrize("backend", ["reference", "triton"])
def test_llama_logits_match_stock(backend, monkeypatch, kernel_calls):
    monkeypatch.setenv(kernels.ENV_VAR, backend)
    model = _llama()
    ids, mask = _padded_batch([10, 4], 10, left=True)
    live = mask.bool()
    logits = {}
    for impl in (NAME, "sdpa", "eager"):
        model.set_attn_implementation(impl)
        with torch.no_grad():
            logits[impl] = model(input_ids=ids, attention_mask=mask).logits
    assert kernel_calls["attention"] == 2
    for stock in ("sdpa", "eager"):
        torch.testing.assert_close(logits[NAME][live], logits[stock][live], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("backend", ["reference", "triton"])
def test_llama_greedy_generation_with_kv_cache(backend, monkeypatch, kernel_calls):
    monkeypatch.setenv(kernels.ENV_VAR, backend)
    model = _llama()
    ids, mask = _padded_batch([7, 3], 7, left=True)
    outputs = {}
    for impl in (NAME, "sdpa"):
        model.set_attn_implementation(impl)
        with torch.no_grad():
            outputs[impl] = model.generate(
                input_ids=ids, attention_mask=mask, max_new_tokens=5, do_sample=False,
                use_cache=True, output_scores=True, return_dict_in_generate=True,
            )
    assert torch.equal(outputs[NAME].sequences, outputs["sdpa"].sequences)
    for ours, stock in zip(outputs[NAME].scores, outputs["sdpa"].scores):
        torch.testing.assert_close(ours, stock, atol=1e-4, rtol=1e-4)
    assert kernel_calls["attention"] == 2 and kernel_calls["decode_attention"] == 2 * 4


def test_mask_hook_returns_padding_mask_only():
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]], dtype=torch.bool)
    assert torch.equal(transformers_attention.shopwright_mask(2, 3, 3, attention_mask=mask), mask)
    full = torch.ones(2, 3, dtype=torch.bool)
    assert transformers_attention.shopwright_mask(2, 3, 3, attention_mask=full) is None


def test_non_contiguous_mask_falls_back_to_sdpa(kernel_calls):
    model = _bert()
    ids, mask = _padded_batch([8, 8], 8)
    mask[0, 3] = 0  # a hole in the middle: not a [start, end) window
    ours = _encode(model, NAME, ids, mask)
    want = _encode(model, "sdpa", ids, mask)
    live = mask.bool()
    torch.testing.assert_close(ours[live], want[live], atol=1e-4, rtol=1e-4)
    assert kernel_calls["attention"] == 0
