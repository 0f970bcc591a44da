"""Shopwright attention as a transformers attention implementation.

After :func:`register`, any model whose attention goes through transformers'
``AttentionInterface`` (BERT-style encoders, llama-style decoders) runs with
``attn_implementation="shopwright"`` and no change to the model:

- the mask function (registered under the same name) hands over only the 2-D padding mask
  ``[batch, kv_len]`` (or ``None`` when nothing is padded), like the flash-attention one;
- the attention function turns it into per-sequence windows ``[start, end)`` and calls
  :func:`shopwright.kernels.attention` (prefill, encoding) or :func:`shopwright.kernels.decode_attention` (one new
  token against the KV cache). Both take the Triton path on CUDA and the PyTorch reference
  elsewhere (see ``SHOPWRIGHT_KERNELS``).

Cases the kernels do not cover (training dropout, custom or non-contiguous masks, chunked
prefill with fewer queries than keys) fall back to transformers' SDPA function with an
explicit boolean mask, so results stay correct.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .. import kernels  # the package's dispatchers: Triton on CUDA, the reference elsewhere

NAME = "shopwright"


def shopwright_mask(
    batch_size: int, q_length: int, kv_length: int, q_offset: int = 0, kv_offset: int = 0,
    mask_function: Callable | None = None, attention_mask: torch.Tensor | None = None,
    **kwargs: Any,
) -> torch.Tensor | None:
    """Mask hook: the 2-D bool padding mask, ``None`` if unpadded, 4-D for custom patterns."""
    from transformers import masking_utils as mu

    if mask_function not in (None, mu.causal_mask_function, mu.bidirectional_mask_function):
        # Sliding windows, packed sequences and the like: materialise a dense mask.
        return mu.sdpa_mask(batch_size=batch_size, q_length=q_length, kv_length=kv_length,
                            q_offset=q_offset, kv_offset=kv_offset, mask_function=mask_function,
                            attention_mask=attention_mask, allow_is_causal_skip=False,
                            device=kwargs.get("device", "cpu"))
    if attention_mask is None:
        return None
    # A new tensor for every forward pass, carrying the windows worked out here for its layers:
    # they never go stale, even if the caller changes its own mask in place later.
    mask = attention_mask[:, -kv_length:].to(torch.bool, copy=True)
    # One host sync per forward pass (not per layer): an all-ones mask means no padding.
    if mask.shape[1] == kv_length and bool(mask.all()):
        return None
    mask.shopwright_windows = _windows_of(mask)  # read by every layer's attention call
    return mask


def _windows_of(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """(starts, ends, contiguous) of a 2-D bool mask's True runs, one per row."""
    width = mask.shape[1]
    count = mask.sum(1)
    starts = mask.int().argmax(1)
    ends = width - mask.flip(1).int().argmax(1)
    empty = count == 0
    starts = torch.where(empty, 0, starts)
    ends = torch.where(empty, 0, ends)
    contiguous = bool(((ends - starts) == count).all())
    return starts.to(torch.int32), ends.to(torch.int32), contiguous


def _cached_windows(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """The windows the mask hook attached to this forward pass's mask (every layer gets the
    same object); computed here for a 2-D mask that did not come from the hook."""
    windows = getattr(mask, "shopwright_windows", None)
    return windows if windows is not None else _windows_of(mask)


def _fallback_mask(attention_mask: torch.Tensor | None, batch: int, q_len: int,
                   kv_len: int, causal: bool, device: torch.device) -> torch.Tensor:
    """[B, 1, q_len, kv_len] bool mask; queries are the last q_len positions of the keys."""
    if attention_mask is None:
        keys = torch.ones(batch, kv_len, dtype=torch.bool, device=device)
    else:
        # A static cache's mask may be shorter than its capacity: the tail is empty.
        keys = torch.nn.functional.pad(attention_mask, (0, kv_len - attention_mask.shape[1]))
    mask = keys[:, None, None, :].expand(-1, 1, q_len, -1)
    if causal:
        pos = torch.arange(kv_len, device=device)
        band = pos[None, :] <= torch.arange(kv_len - q_len, kv_len, device=device)[:, None]
        mask = mask & band[None, None]
    return mask


def _sdpa(module: torch.nn.Module, query: torch.Tensor, key: torch.Tensor,
          value: torch.Tensor, mask: torch.Tensor | None, **kwargs: Any) -> tuple:
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    return sdpa_attention_forward(module, query, key, value, mask, **kwargs)


def shopwright_attention_forward(
    module: torch.nn.Module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
    attention_mask: torch.Tensor | None, dropout: float = 0.0, scaling: float | None = None,
    is_causal: bool | None = None, **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Attention hook: q ``[B, Hq, Sq, D]``, k/v ``[B, Hkv, Skv, D]`` -> ``[B, Sq, Hq, D]``."""
    causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
    batch, n_heads, q_len, head_dim = query.shape
    kv_len = key.shape[2]
    extra = dict(dropout=dropout, scaling=scaling, is_causal=causal, **kwargs)
    if dropout > 0.0 or (attention_mask is not None and attention_mask.dim() != 2):
        return _sdpa(module, query, key, value, attention_mask, **extra)
    if attention_mask is None:
        starts = torch.zeros(batch, dtype=torch.int32, device=query.device)
        ends = torch.full((batch,), kv_len, dtype=torch.int32, device=query.device)
        contiguous = True
    else:
        starts, ends, contiguous = _cached_windows(attention_mask)
    if not contiguous or (q_len != 1 and q_len != kv_len):
        dense = _fallback_mask(attention_mask, batch, q_len, kv_len, causal, query.device)
        return _sdpa(module, query, key, value, dense, **extra)
    out = torch.empty(batch, q_len, n_heads, head_dim, dtype=query.dtype, device=query.device)
    if q_len == 1:
        kernels.decode_attention(query[:, :, 0], key, value, ends, cache_starts=starts,
                                 scale=scaling, out=out[:, 0])
    else:
        kernels.attention(query, key, value, ends, seq_starts=starts, causal=causal,
                          scale=scaling, out=out.transpose(1, 2))
    return out, None


def register() -> str:
    """Register the attention and mask functions with transformers; returns the name."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface

    AttentionInterface.register(NAME, shopwright_attention_forward)
    AttentionMaskInterface.register(NAME, shopwright_mask)
    return NAME
