"""Kernels against their PyTorch references.

Without CUDA the Triton kernels run in Triton's CPU interpreter on tiny shapes;
``TRITON_INTERPRET=1`` must be set before triton is first imported in the process. Tests marked
``requires_cuda`` cover the real model shapes and run only on a GPU machine.
"""

import importlib
import json
import os

import pytest
import torch

# Triton fixes interpreted vs compiled when it is first imported, so this comes first; the
# kernels are then imported as calls, not statements, to keep the import block lint-clean.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
kernels = importlib.import_module("shopwright.kernels")
_attention = importlib.import_module("shopwright.kernels.attention")
_decode = importlib.import_module("shopwright.kernels.decode_attention")
_scoring = importlib.import_module("shopwright.kernels.scoring")
attention_reference, attention_triton = _attention.attention_reference, _attention.attention_triton
decode_attention_reference = _decode.decode_attention_reference
decode_attention_triton = _decode.decode_attention_triton
score_topk_reference, score_topk_triton = _scoring.score_topk_reference, _scoring.score_topk_triton

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
HALF = [torch.float16, torch.bfloat16]
TOL = {torch.float16: 2e-3, torch.bfloat16: 2e-2, torch.float32: 1e-4}


def _rand(*shape, dtype, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=gen).to(dtype).to(DEVICE)


def _naive_attention(q, k, v, lens, starts, causal, scale):
    """Per-sequence loops with plain softmax: an oracle independent of the reference."""
    out = torch.zeros_like(q, dtype=torch.float32)
    group = q.shape[1] // k.shape[1]
    for b, (s0, s1) in enumerate(zip(starts.tolist(), lens.tolist())):
        for h in range(q.shape[1]):
            qs = q[b, h, s0:s1].float()
            ks, vs = k[b, h // group, s0:s1].float(), v[b, h // group, s0:s1].float()
            w = qs @ ks.T * scale
            if causal:
                w = w.masked_fill(torch.ones_like(w, dtype=torch.bool).triu(1), float("-inf"))
            out[b, h, s0:s1] = torch.softmax(w, -1) @ vs
    return out


# --- prefill / encoding -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("group,head_dim", [(1, 32), (3, 64)])
def test_prefill_matches_reference(dtype, causal, group, head_dim):
    batch, n_kv, seq = 4, 1, 37  # 37: not a multiple of any block size
    q = _rand(batch, n_kv * group, seq, head_dim, dtype=dtype, seed=1)
    k = _rand(batch, n_kv, seq, head_dim, dtype=dtype, seed=2)
    v = _rand(batch, n_kv, seq, head_dim, dtype=dtype, seed=3)
    lens = torch.tensor([seq, 1, 20, 0], device=DEVICE)
    starts = torch.tensor([0, 0, 5, 0], device=DEVICE)
    got = attention_triton(q, k, v, lens, starts, causal=causal)
    want = attention_reference(q, k, v, lens, starts, causal=causal)
    assert got.dtype == dtype and got.shape == q.shape
    torch.testing.assert_close(got.float(), want.float(), atol=TOL[dtype], rtol=TOL[dtype])


@pytest.mark.parametrize("causal", [False, True])
def test_reference_matches_naive_oracle(causal):
    q = _rand(3, 6, 19, 32, dtype=torch.float32, seed=4)
    k = _rand(3, 2, 19, 32, dtype=torch.float32, seed=5)
    v = _rand(3, 2, 19, 32, dtype=torch.float32, seed=6)
    lens, starts = torch.tensor([19, 7, 1]), torch.tensor([0, 2, 0])
    want = _naive_attention(q.cpu(), k.cpu(), v.cpu(), lens, starts, causal, 32**-0.5)
    got = attention_reference(q, k, v, lens.to(DEVICE), starts.to(DEVICE), causal=causal)
    torch.testing.assert_close(got.cpu(), want, atol=1e-5, rtol=1e-5)


def test_prefill_skips_padding():
    """NaN in padded keys/values must not reach any output: padding is never read."""
    q = _rand(2, 2, 21, 32, dtype=torch.float16, seed=7)
    k = _rand(2, 2, 21, 32, dtype=torch.float16, seed=8)
    v = _rand(2, 2, 21, 32, dtype=torch.float16, seed=9)
    lens = torch.tensor([9, 21], device=DEVICE)
    k[0, :, 9:] = float("nan")
    v[0, :, 9:] = float("nan")
    got = attention_triton(q, k, v, lens, scale=0.3)
    assert torch.isfinite(got).all()
    assert (got[0, :, 9:] == 0).all()
    want = attention_reference(q, k, v, lens, scale=0.3)
    torch.testing.assert_close(got[1], want[1], atol=2e-3, rtol=2e-3)


def test_prefill_writes_strided_out():
    """The transformers adapter writes straight into a [B, S, H, D] buffer."""
    q = _rand(2, 3, 17, 32, dtype=torch.bfloat16, seed=10)
    k = _rand(2, 3, 17, 32, dtype=torch.bfloat16, seed=11)
    v = _rand(2, 3, 17, 32, dtype=torch.bfloat16, seed=12)
    buf = torch.empty(2, 17, 3, 32, dtype=torch.bfloat16, device=DEVICE)
    attention_triton(q, k, v, causal=True, out=buf.transpose(1, 2))
    want = attention_reference(q, k, v, causal=True)
    torch.testing.assert_close(buf.transpose(1, 2).float(), want.float(), atol=2e-2, rtol=2e-2)


def test_prefill_rejects_bad_shapes():
    q = torch.zeros(1, 4, 8, 32, dtype=torch.float16)
    with pytest.raises(ValueError):
        attention_reference(q, q[:, :3], q[:, :3])
    with pytest.raises(ValueError):
        attention_reference(q, q.float(), q.float())


# --- decode -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("group,head_dim", [(1, 32), (3, 64)])
@pytest.mark.parametrize("num_splits", [None, 3])
def test_decode_matches_reference(dtype, group, head_dim, num_splits):
    batch, n_kv, capacity = 4, 2, 75
    q = _rand(batch, n_kv * group, head_dim, dtype=dtype, seed=13)
    kc = _rand(batch, n_kv, capacity, head_dim, dtype=dtype, seed=14)
    vc = _rand(batch, n_kv, capacity, head_dim, dtype=dtype, seed=15)
    lens = torch.tensor([capacity, 1, 0, 50], device=DEVICE)
    starts = torch.tensor([3, 0, 0, 0], device=DEVICE)
    got = decode_attention_triton(q, kc, vc, lens, starts, num_splits=num_splits)
    want = decode_attention_reference(q, kc, vc, lens, starts)
    assert (got[2] == 0).all()  # an empty cache attends to nothing
    torch.testing.assert_close(got.float(), want.float(), atol=TOL[dtype], rtol=TOL[dtype])


def test_decode_equals_last_causal_row():
    q = _rand(2, 3, 23, 64, dtype=torch.float32, seed=16)
    k = _rand(2, 1, 23, 64, dtype=torch.float32, seed=17)
    v = _rand(2, 1, 23, 64, dtype=torch.float32, seed=18)
    full = attention_reference(q, k, v, causal=True)
    lens = torch.tensor([23, 23], device=DEVICE)
    got = decode_attention_triton(q[:, :, -1], k, v, lens, num_splits=2)
    torch.testing.assert_close(got, full[:, :, -1], atol=1e-4, rtol=1e-4)


# --- scoring ------------------------------------------------------------------------------


def _int_data(n_queries, n_items, dim, dtype, seed):
    """Small integers: every dot product is exact in fp32, so results compare exactly."""
    gen = torch.Generator().manual_seed(seed)
    queries = torch.randint(-3, 4, (n_queries, dim), generator=gen).to(dtype)
    items = torch.randint(-3, 4, (n_items, dim), generator=gen).to(dtype)
    return queries.to(DEVICE), items.to(DEVICE)


def _oracle_topk(queries, items, k, mask):
    """Stable descending sort: ties keep the lower index first."""
    scores = queries.to(items.dtype).double().cpu() @ items.double().cpu().T
    valid = torch.ones_like(scores, dtype=torch.bool)
    if mask is not None:
        valid = valid & mask.cpu()
    out_s = torch.full((scores.shape[0], k), float("-inf"), dtype=torch.float64)
    out_i = torch.full((scores.shape[0], k), -1, dtype=torch.int64)
    for row in range(scores.shape[0]):
        idx = valid[row].nonzero().flatten()
        order = torch.sort(scores[row, idx], descending=True, stable=True).indices[:k]
        out_s[row, : len(order)] = scores[row, idx[order]]
        out_i[row, : len(order)] = idx[order]
    return out_s.float(), out_i


def _assert_exact(got, queries, items, k, mask):
    """Scores and indices equal the oracle's, to the bit."""
    want = _oracle_topk(queries, items, k, mask)
    assert torch.equal(got[0].cpu(), want[0]) and torch.equal(got[1].cpu(), want[1])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
@pytest.mark.parametrize("k", [1, 5, 40, 300])
def test_score_topk_matches_oracle(dtype, k):
    queries, items = _int_data(3, 150, 48, dtype, seed=k)
    mask = (torch.arange(150) % 3 != 1).to(DEVICE)
    want = _oracle_topk(queries, items, k, mask)
    for impl in (score_topk_triton, score_topk_reference):
        scores, index = impl(queries, items, k, mask)
        assert scores.dtype == torch.float32 and index.dtype == torch.int64
        assert torch.equal(scores.cpu(), want[0]) and torch.equal(index.cpu(), want[1])


def test_score_topk_ties_prefer_lower_index():
    queries, _ = _int_data(2, 1, 32, torch.float16, seed=3)
    items = torch.ones(70, 32, dtype=torch.float16, device=DEVICE)
    _, index = score_topk_triton(queries, items, 8)
    assert index.tolist() == [list(range(8))] * 2


def test_score_topk_pads_when_k_exceeds_valid_items():
    queries, items = _int_data(2, 40, 32, torch.bfloat16, seed=4)
    mask = torch.zeros(40, dtype=torch.bool, device=DEVICE)
    mask[[3, 17, 30]] = True
    scores, index = score_topk_triton(queries, items, 6, mask)
    assert set(index[:, :3].flatten().tolist()) <= {3, 17, 30}
    assert (index[:, 3:] == -1).all() and torch.isinf(scores[:, 3:]).all()
    wide = score_topk_triton(queries, items, 50)  # k > number of items
    assert (wide[1][:, 40:] == -1).all() and (wide[1][:, :40] >= 0).all()


def test_score_topk_all_masked_and_per_query_mask():
    queries, items = _int_data(3, 33, 32, torch.float16, seed=5)
    none = torch.zeros(33, dtype=torch.bool, device=DEVICE)
    scores, index = score_topk_triton(queries, items, 4, none)
    assert (index == -1).all() and (scores == float("-inf")).all()
    per_query = torch.rand(3, 33, generator=torch.Generator().manual_seed(0)) > 0.5
    per_query = per_query.to(DEVICE)
    got = score_topk_triton(queries, items, 7, per_query, items_per_program=32)
    _assert_exact(got, queries, items, 7, per_query)


@pytest.fixture
def redone(monkeypatch):
    """Rows the filter path hands to the exhaustive fallback, call by call."""
    calls = []
    original = _scoring._redo_exhaustively

    def spy(rows, *args):
        calls.append(list(rows))
        return original(rows, *args)

    monkeypatch.setattr(_scoring, "_redo_exhaustively", spy)
    return calls


def _filter_path(queries, items, k, mask=None, **knobs):
    """score_topk_triton forced through threshold + filter on a small matrix."""
    knobs = {"exhaustive_items": 0, "sample_stride": 8, **knobs}
    return score_topk_triton(queries, items, k, mask, **knobs)


@pytest.mark.parametrize("k", [1, 7, 40])
def test_score_topk_filter_path_matches_oracle(k, redone):
    queries, items = _int_data(3, 1203, 32, torch.bfloat16, seed=30 + k)
    mask = (torch.arange(1203) % 5 != 2).to(DEVICE)
    got = _filter_path(queries, items, k, mask)
    _assert_exact(got, queries, items, k, mask)
    assert redone == []  # the sampled thresholds sufficed


def test_score_topk_filter_with_per_query_mask(redone):
    queries, items = _int_data(2, 700, 16, torch.float16, seed=41)
    per_query = torch.rand(2, 700, generator=torch.Generator().manual_seed(2)) > 0.3
    per_query = per_query.to(DEVICE)
    got = _filter_path(queries, items, 5, per_query, sample_stride=4)
    _assert_exact(got, queries, items, 5, per_query)


def test_score_topk_filter_overflow_is_redone_exactly(redone):
    queries, items = _int_data(2, 600, 16, torch.bfloat16, seed=42)
    got = _filter_path(queries, items, 6, capacity=4)  # far fewer slots than candidates
    assert redone == [[0, 1]]
    _assert_exact(got, queries, items, 6, None)


def test_score_topk_skewed_sample_is_redone_exactly(redone):
    """Only the sampled rows score high: the threshold lets fewer than k items through."""
    n_items, stride = 2048, 64
    queries = torch.ones(1, 16, dtype=torch.float16, device=DEVICE)
    items = torch.zeros(n_items, 16, dtype=torch.float16)
    items[::stride] = 4.0
    items[1::stride] = 1.0  # the true 33rd.. best items, never sampled
    items = items.to(DEVICE)
    got = _filter_path(queries, items, 40, sample_stride=stride)
    assert redone == [[0]]
    _assert_exact(got, queries, items, 40, None)


def test_score_topk_thin_sample_keeps_every_valid_item(redone):
    """A mask leaving fewer valid samples than the threshold rank: nothing is filtered."""
    queries, items = _int_data(1, 900, 16, torch.bfloat16, seed=43)
    mask = torch.zeros(900, dtype=torch.bool)
    mask[[5, 99, 300, 301, 888]] = True
    mask = mask.to(DEVICE)
    got = _filter_path(queries, items, 8, mask)
    want = _oracle_topk(queries, items, 8, mask)
    assert torch.equal(got[1].cpu(), want[1]) and (got[1][0, 5:] == -1).all()
    assert redone == []


def test_score_topk_filter_path_in_fp32_loops_over_dim(redone):
    queries, items = _int_data(2, 900, 40, torch.float32, seed=44)
    got = _filter_path(queries, items, 9)
    _assert_exact(got, queries, items, 9, None)
    assert not _scoring.plan_scoring(2, 900, 40, torch.device("cpu"), item_bytes=4).hoist_query


@pytest.mark.parametrize("knobs", [{}, {"exhaustive_items": 0, "sample_stride": 8}])
def test_score_topk_scores_queries_in_chunks(knobs, monkeypatch):
    """A small key budget splits the queries; the answers are the same."""
    queries, items = _int_data(5, 400, 16, torch.bfloat16, seed=45)
    mask = torch.rand(5, 400, generator=torch.Generator().manual_seed(3)) > 0.2
    mask = mask.to(DEVICE)
    monkeypatch.setattr(_scoring, "_KEY_BUDGET", 2 * 400)  # two queries' keys at a time
    _assert_exact(score_topk_triton(queries, items, 4, mask, **knobs), queries, items, 4, mask)


@pytest.mark.parametrize("impl", [score_topk_triton, score_topk_reference])
def test_score_topk_without_queries(impl):
    _, items = _int_data(1, 700, 16, torch.float16, seed=46)
    scores, index = impl(items[:0], items, 3)
    assert scores.shape == index.shape == (0, 3)
    if impl is score_topk_triton:
        assert _filter_path(items[:0], items, 3)[1].shape == (0, 3)


def test_score_topk_nan_threshold_is_redone_not_dropped(redone):
    queries, items = _int_data(2, 600, 16, torch.float16, seed=47)
    queries[1, 0] = float("nan")
    got = _filter_path(queries, items, 3)
    assert redone == [[1]] and (got[1] >= 0).all()


def test_score_topk_refuses_too_many_items():
    items = torch.empty(_scoring.MAX_ITEMS + 1, 4, dtype=torch.float16, device="meta")
    with pytest.raises(ValueError, match="at most 2,146,435,072 items"):
        score_topk_triton(items[:1], items, 3)


# --- dispatch -----------------------------------------------------------------------------


def test_dispatch_follows_environment(monkeypatch):
    q = _rand(1, 2, 5, 32, dtype=torch.float16, seed=19)
    monkeypatch.setenv(kernels.ENV_VAR, "reference")
    assert kernels.backend_for(q) == "reference"
    ref = kernels.attention(q, q, q, causal=True)
    monkeypatch.setenv(kernels.ENV_VAR, "triton")
    assert kernels.backend_for(q) == "triton"
    torch.testing.assert_close(kernels.attention(q, q, q, causal=True), ref, atol=2e-3, rtol=0)
    monkeypatch.setenv(kernels.ENV_VAR, "auto")
    assert kernels.backend_for(q) == ("triton" if q.is_cuda else "reference")
    monkeypatch.setenv(kernels.ENV_VAR, "fastest")
    with pytest.raises(ValueError):
        kernels.backend_for(q)


def test_triton_on_cpu_without_interpreter_fails_clearly(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    q = torch.zeros(1, 1, 4, 32, dtype=torch.float16)
    with pytest.raises(RuntimeError, match="TRITON_INTERPRET"):
        attention_triton(q, q, q)


def test_public_functions_route_to_reference_on_cpu(monkeypatch):
    monkeypatch.setenv(kernels.ENV_VAR, "reference")
    q = torch.randn(2, 3, 32)
    kc = torch.randn(2, 1, 9, 32)
    lens = torch.tensor([9, 4])
    torch.testing.assert_close(kernels.decode_attention(q, kc, kc, lens),
                               decode_attention_reference(q, kc, kc, lens))
    queries, items = torch.randn(2, 16), torch.randn(30, 16)
    _, index = kernels.score_topk(queries, items, 3)
    assert index.shape == (2, 3) and (index >= 0).all()


# --- real shapes on a GPU -----------------------------------------------------------------


@pytest.mark.gpu
@requires_cuda
@pytest.mark.parametrize("dtype", HALF)
def test_gpu_minilm_encoder_shapes(dtype):
    q = _rand(64, 12, 128, 32, dtype=dtype, seed=20)
    k = _rand(64, 12, 128, 32, dtype=dtype, seed=21)
    lens = torch.randint(1, 129, (64,), generator=torch.Generator().manual_seed(0)).to(DEVICE)
    got = attention_triton(q, k, k, lens)
    want = attention_reference(q, k, k, lens)
    torch.testing.assert_close(got.float(), want.float(), atol=TOL[dtype], rtol=TOL[dtype])


@pytest.mark.gpu
@requires_cuda
@pytest.mark.parametrize("dtype", HALF)
def test_gpu_smollm_prefill_and_decode(dtype):
    q = _rand(4, 9, 1000, 64, dtype=dtype, seed=22)
    k = _rand(4, 3, 1000, 64, dtype=dtype, seed=23)
    v = _rand(4, 3, 1000, 64, dtype=dtype, seed=24)
    lens = torch.tensor([1000, 513, 64, 1], device=DEVICE)
    torch.testing.assert_close(attention_triton(q, k, v, lens, causal=True).float(),
                               attention_reference(q, k, v, lens, causal=True).float(),
                               atol=TOL[dtype], rtol=TOL[dtype])
    got = decode_attention_triton(q[:, :, 0], k, v, lens)
    want = decode_attention_reference(q[:, :, 0], k, v, lens)
    torch.testing.assert_close(got.float(), want.float(), atol=TOL[dtype], rtol=TOL[dtype])


@pytest.mark.gpu
@requires_cuda
@pytest.mark.parametrize("k", [10, 100, 1000])
def test_gpu_scoring_exact_at_scale(k):
    queries, items = _int_data(32, 1_000_003, 384, torch.bfloat16, seed=k)
    mask = torch.rand(1_000_003, generator=torch.Generator().manual_seed(1)) > 0.2
    mask = mask.to(DEVICE)
    got = score_topk_triton(queries, items, k, mask)
    want = score_topk_reference(queries, items, k, mask)
    assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])


@pytest.mark.gpu
@requires_cuda
def test_gpu_scoring_past_two_billion_elements():
    """6M x 384 items: element offsets pass 2**31, so 32-bit address arithmetic would wrap."""
    gen = torch.Generator(device=DEVICE).manual_seed(7)
    items = torch.randint(-3, 4, (6_000_000, 384), generator=gen, device=DEVICE).to(torch.bfloat16)
    queries = items[[5, 5_999_999]].clone()  # each query is an item: itself scores highest
    got = score_topk_triton(queries, items, 10)
    want = score_topk_reference(queries, items, 10)
    assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])
    assert got[1][1, 0].item() in want[1][1].tolist()


# --- the GPU benchmark's host-side parts --------------------------------------------------


def _bench_module():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "kernels_gpu.py"
    spec = importlib.util.spec_from_file_location("shopwright_bench_kernels_gpu", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU exit")
def test_bench_exits_2_without_cuda(tmp_path, capsys):
    assert _bench_module().main(["--out", str(tmp_path)]) == 2
    assert "no CUDA device" in capsys.readouterr().err


def test_bench_writes_table_and_result_line(tmp_path, monkeypatch):
    bench = _bench_module()
    monkeypatch.setenv("OUT", str(tmp_path / "from_env"))
    assert bench.parse_args([]).out == str(tmp_path / "from_env")
    report = bench.Report(limits={"copy_GBps": 4000.0})
    report.rows.append(bench.Row("score_topk", "1.0 ms", "torch 2.0 ms", "2.00x"))
    report.result.update(scoring_bw_frac=0.85, scoring_vs_torch=2.0)
    table = bench.write_outputs(report, tmp_path / "out", "Test GPU")
    text = table.read_text()
    assert "| score_topk | 1.0 ms | torch 2.0 ms | 2.00x |" in text
    assert "| scoring_bw_frac | 0.850 | >= 0.8 | yes |" in text
    assert "| attn_vs_sdpa | nan | >= 1.2 | n/a |" in text
    line = bench.result_line(report)
    assert line.startswith("RESULT kernels scoring_bw_frac=0.850 scoring_vs_torch=2.000")
    assert "encode_sps_ratio=nan" in line


@pytest.mark.skipif(torch.cuda.is_available(), reason="the GPU run itself is the check there")
def test_bench_cpu_smoke_runs_every_section(tmp_path):
    """The whole GPU script, at toy shapes through the interpreter, in its own process."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "bench" / "kernels_gpu.py"
    done = subprocess.run([sys.executable, str(script), "--cpu-smoke", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    line = done.stdout.strip().splitlines()[-1]
    values = dict(re.findall(r"(\w+)=([-\w.]+)", line))
    assert line.startswith("RESULT kernels ")
    assert set(values) == {"scoring_bw_frac", "scoring_vs_torch", "attn_vs_sdpa",
                           "decode_vs_sdpa", "encode_sps_ratio", "decode_tps_ratio"}
    assert all(value != "nan" for value in values.values()), line  # no section failed
    payload = json.loads((tmp_path / "kernels_gpu.json").read_text())
    assert not [note for note in payload["notes"] if "failed" in note]
    assert "of our top-5 indices are also torch's" in " ".join(payload["notes"])
    assert "smoke run" in (tmp_path / "kernels_gpu.md").read_text()
