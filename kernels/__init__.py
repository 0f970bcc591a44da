"""Shopwright kernels: Triton on CUDA, the PyTorch reference everywhere else.

``SHOPWRIGHT_KERNELS`` picks the path: ``auto`` (default: Triton for CUDA tensors),
``triton`` (always; CPU tensors then need ``TRITON_INTERPRET=1``) or ``reference``.
The variable is read on every call, so tests and benchmarks can flip it at run time.

Tensor layouts are documented on each function below and in the kernel modules.
"""

from __future__ import annotations

import os

try:
    import torch
except ImportError as missing:  # the light install: the kernels come with the `local` extra
    raise ImportError("Shopwright's kernels need PyTorch and Triton: pip install 'shopwright[local]'") from missing

from . import attention as _attn
from . import decode_attention as _decode
from . import scoring as _scoring

__all__ = ["ENV_VAR", "attention", "backend_for", "decode_attention", "score_topk"]

ENV_VAR = "SHOPWRIGHT_KERNELS"
_MODES = ("auto", "triton", "reference")


def _mode() -> str:
    mode = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if mode not in _MODES:
        raise ValueError(f"{ENV_VAR} must be one of {_MODES}, got {mode!r}")
    return mode


def backend_for(t: torch.Tensor) -> str:
    """``"triton"`` or ``"reference"``: the path a call on tensor ``t`` takes now."""
    mode = _mode()
    if mode == "auto":
        return "triton" if t.is_cuda else "reference"
    return mode


def attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, seq_lens: torch.Tensor | None = None,
    *, seq_starts: torch.Tensor | None = None, causal: bool = False,
    scale: float | None = None, out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Self-attention for prefill and encoding with per-sequence lengths.

    q ``[B, Hq, S, D]``; k, v ``[B, Hkv, S, D]`` with ``Hq % Hkv == 0``; D in 16/32/64/128;
    fp16, bf16 or fp32. ``seq_lens`` ``[B]`` (default S) and ``seq_starts`` ``[B]``
    (default 0) bound each sequence's valid tokens. ``scale`` defaults to ``D ** -0.5``.
    Returns ``[B, Hq, S, D]`` (or fills ``out``, any strides with a contiguous last dim);
    rows outside a sequence are zeros.
    """
    impl = _attn.attention_triton if backend_for(q) == "triton" else _attn.attention_reference
    return impl(q, k, v, seq_lens, seq_starts, causal, scale, out)


def decode_attention(
    q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, cache_lens: torch.Tensor,
    *, cache_starts: torch.Tensor | None = None, scale: float | None = None,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """One new token per sequence against a KV cache.

    q ``[B, Hq, D]``; caches ``[B, Hkv, capacity, D]``; ``cache_lens`` ``[B]`` valid entries
    (``cache_starts`` ``[B]`` skips left padding). Returns ``[B, Hq, D]``.
    """
    if backend_for(q) == "triton":
        impl = _decode.decode_attention_triton
    else:
        impl = _decode.decode_attention_reference
    return impl(q, k_cache, v_cache, cache_lens, cache_starts, scale, out)


def score_topk(
    queries: torch.Tensor, items: torch.Tensor, k: int, mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact top-k of ``queries @ items.T`` per query.

    queries ``[Q, D]``; items ``[N, D]`` fp16/bf16/fp32; optional bool ``mask`` ``[N]`` or
    ``[Q, N]`` (False excludes an item). Returns fp32 scores and int64 indices, ``[Q, k]``,
    best first, ties to the lower index; missing slots are ``(-inf, -1)``.
    """
    if backend_for(items) == "triton":
        return _scoring.score_topk_triton(queries, items, k, mask)
    return _scoring.score_topk_reference(queries, items, k, mask)
