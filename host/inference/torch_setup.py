"""Where local models run and which attention they use.

On a CUDA machine models go to the GPU in bfloat16 and attention runs through Shopwright's own
kernels (`kernels.transformers_attention`); everywhere else they stay on the CPU in float32 with
transformers' stock attention, which is the kernels' PyTorch reference path anyway.
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


def dtype_for(where: torch.device) -> torch.dtype:
    # bf16 halves memory traffic on a GPU; CPU matmuls in bf16 are slower than fp32 on most parts.
    return torch.bfloat16 if where.type == "cuda" else torch.float32


def load_options(where: torch.device) -> dict[str, Any]:
    """Keyword arguments for `from_pretrained` on `where`: offline always, our kernels on CUDA."""
    options: dict[str, Any] = {"local_files_only": True, "dtype": dtype_for(where)}
    if where.type == "cuda":
        options["attn_implementation"] = register_kernels()
    return options


def register_kernels() -> str:
    """Register the "shopwright" attention with transformers once per process; returns its name."""
    global _done
    with _registered:
        if not _done:
            from kernels.transformers_attention import register

            register()
            _done = True
    from kernels.transformers_attention import NAME

    return NAME


def offline() -> None:
    """Weights are never fetched at run time, whatever the caller's environment says."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
