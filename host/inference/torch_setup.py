"""Where local models run and which attention they use.

On a CUDA machine models go to the GPU in bfloat16 and attention runs through Shopwright's own
kernels (`shopwright.kernels.transformers_attention`); everywhere else they stay on the CPU with transformers'
stock attention, which is the kernels' PyTorch reference path anyway. On the CPU, text models
run in bfloat16 where the processor computes it natively (AVX-512 BF16 or AMX: measured 1.5x the
float32 tokens/s for SmolLM2 here, same greedy text), else in float32; sentence embeddings stay
in float32. `SHOPWRIGHT_MODEL_CPU_DTYPE=float32|bfloat16` overrides the choice.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import torch

_registered = threading.Lock()
_done = False


def device() -> torch.device:
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


CPU_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def dtype_for(where: torch.device, text_model: bool = True) -> torch.dtype:
    if where.type == "cuda":
        return torch.bfloat16  # halves memory traffic, and our kernels are written for it
    chosen = os.environ.get("SHOPWRIGHT_MODEL_CPU_DTYPE", "auto")
    if chosen in CPU_DTYPES:
        return CPU_DTYPES[chosen]
    # Without native bf16 units, CPU matmuls in bf16 are slower than fp32; embeddings keep fp32
    # so their similarity scores stay exact.
    return torch.bfloat16 if text_model and cpu_has_native_bf16() else torch.float32


def cpu_has_native_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def load_options(where: torch.device, text_model: bool = True) -> dict[str, Any]:
    """Keyword arguments for `from_pretrained` on `where`: offline always, our kernels on CUDA."""
    options: dict[str, Any] = {"local_files_only": True, "dtype": dtype_for(where, text_model)}
    if where.type == "cuda":
        options["attn_implementation"] = register_kernels()
    return options


def register_kernels() -> str:
    """Register the "shopwright" attention with transformers once per process; returns its name."""
    global _done
    with _registered:
        if not _done:
            from shopwright.kernels.transformers_attention import register

            register()
            _done = True
    from shopwright.kernels.transformers_attention import NAME

    return NAME


def offline() -> None:
    """Weights are never fetched at run time, whatever the caller's environment says."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
