"""Every kernel configuration the launchers pick for real shapes compiles for the H200.

No GPU is needed: Triton's NVIDIA backend builds PTX and cubin with its bundled compiler
(see ``kernels/_aot.py``). Launches are recorded on ``meta`` tensors with the GPU tiling
plans, then compiled for sm_90; each must fit the block's shared memory, keep its registers
without spilling, and put half-precision products on the tensor cores.
"""

import importlib

import pytest
import torch

pytest.importorskip("triton.backends.nvidia.compiler")
_aot = importlib.import_module("shopwright.kernels._aot")
CASES = _aot.model_shape_cases()


@pytest.fixture(scope="module")
def compiled():
    """Every case's launches, compiled in one separate process: {case: [(launch, result)]}."""
    recorded = _aot.record_cases(CASES)
    flat = [launch for launches in recorded.values() for launch in launches]
    results = iter(_aot.compile_launches(flat))
    return {case: [(launch, next(results)) for launch in launches]
            for case, launches in recorded.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_kernel_compiles_for_h200(case, compiled):
    assert compiled[case], "the launcher ran no kernel"
    for launch, result in compiled[case]:
        label = f"{case}: {result.name}"
        assert result.shared_bytes <= _aot.H200_SHARED_BYTES, label
        assert result.spill_bytes == 0, f"{label} spills {result.spill_bytes} bytes"
        half = launch.args[0].dtype in (torch.float16, torch.bfloat16)
        if half and result.name != "combine_kernel":
            assert result.tensor_core_ops, f"{label}: no tensor-core instructions"


def test_scoring_records_threshold_then_filter():
    (launches,) = _aot.record_cases({"one": CASES["scoring 10M bf16 32 queries"]}).values()
    assert [launch.kwargs["EXHAUSTIVE"] for launch in launches] == [True, False]
    sample, full = launches  # the strided sample, then the one filtering pass
    assert sample.grid[0] == full.grid[0] == 1  # 32 queries fit one block: items read once


def test_recording_leaves_the_launchers_untouched():
    kernels_attention = importlib.import_module("shopwright.kernels.attention")
    before = kernels_attention.interpreting
    _aot.record_cases({"one": CASES["prefill MiniLM fp16"]})
    assert kernels_attention.interpreting is before


def test_table_lists_every_launch():
    recorded = _aot.record_cases({"one": CASES["decode SmolLM2 bf16 2048"]})
    fake = [_aot.Compiled("split_kernel", 36864, 64, 0, ["mma.sync"]),
            _aot.Compiled("combine_kernel", 0, 23, 0, [])]
    text = _aot.table(recorded, fake)
    assert "| one | split_kernel | (192, 2) | 4 / 3 | 36 | 64 | 0 | mma.sync |" in text
    assert "| one | combine_kernel | (576,) | 1 / - | 0 | 23 | 0 | - |" in text
