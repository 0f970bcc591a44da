"""Decode attention: one new query token per sequence against a KV cache (flash-decoding).

Layouts (any strides; the last dimension must be contiguous):

- ``q``: ``[batch, n_q_heads, head_dim]`` (the new token's queries)
- ``k_cache``, ``v_cache``: ``[batch, n_kv_heads, capacity, head_dim]``
- ``cache_lens``: ``[batch]`` integers, valid cache entries end here (exclusive)
- ``cache_starts``: optional ``[batch]``, first valid entry (left padding); defaults to 0
- result: ``[batch, n_q_heads, head_dim]`` in ``q``'s dtype; zeros for an empty window.

The cache's sequence axis is cut into splits handled by separate programs, so a few long
sequences still fill the GPU. Each program serves every query head of one kv head (the GQA
group), reading each key and value once. A combine pass merges the splits' partial results
by their log-sum-exp.
"""

from __future__ import annotations

import math

import torch
import triton
import triton.language as tl

from ._triton import interpreting, lazy_jit, next_pow2, require_launchable, sm_count
from .attention import windows

_LOG2E = 1.4426950408889634
_DTYPES = (torch.float16, torch.bfloat16, torch.float32)


def _split_kernel(
    Q, K, V, OP, LSE, STARTS, ENDS,
    sq_b, sq_h, sk_b, sk_h, sk_s, sv_b, sv_h, sv_s,
    qk_scale, N_KV_HEADS, N_Q_HEADS, N_SPLITS, SPLIT_LEN,
    GROUP: tl.constexpr, BLOCK_G: tl.constexpr, HEAD_DIM: tl.constexpr,
    BLOCK_N: tl.constexpr, UPCAST: tl.constexpr,
):
    bkv = tl.program_id(0)
    split = tl.program_id(1)
    b = (bkv // N_KV_HEADS).to(tl.int64)  # 64-bit: batch strides of big caches pass 2**31
    kvh = bkv % N_KV_HEADS
    start = tl.load(STARTS + b)
    end = tl.load(ENDS + b)
    lo = tl.maximum(start, split * SPLIT_LEN)
    hi = tl.minimum(end, (split + 1) * SPLIT_LEN)

    offs_g = tl.arange(0, BLOCK_G)
    offs_d = tl.arange(0, HEAD_DIM)
    heads = kvh * GROUP + offs_g
    head_live = offs_g < GROUP
    q = tl.load(Q + b * sq_b + heads[:, None] * sq_h + offs_d[None, :],
                mask=head_live[:, None], other=0.0)
    if UPCAST:
        # The interpreter computes bf16 dots and arithmetic wrongly; fp32 is exact there.
        q = q.to(tl.float32)
    m_i = tl.full([BLOCK_G], -1.0e30, dtype=tl.float32)
    l_i = tl.zeros([BLOCK_G], dtype=tl.float32)
    acc = tl.zeros([BLOCK_G, HEAD_DIM], dtype=tl.float32)

    k_base = K + b * sk_b + kvh * sk_h
    v_base = V + b * sv_b + kvh * sv_h
    # Splits start on BLOCK_N boundaries; only a left-padded start needs the aligned floor.
    for n0 in range((lo // BLOCK_N) * BLOCK_N, hi, BLOCK_N):
        offs_n = n0 + tl.arange(0, BLOCK_N)
        key_live = (offs_n >= lo) & (offs_n < hi)
        k = tl.load(k_base + offs_n[:, None] * sk_s + offs_d[None, :],
                    mask=key_live[:, None], other=0.0)
        v = tl.load(v_base + offs_n[:, None] * sv_s + offs_d[None, :],
                    mask=key_live[:, None], other=0.0)
        if UPCAST:
            k = k.to(tl.float32)
            v = v.to(tl.float32)
        s = tl.dot(q, tl.trans(k)) * qk_scale
        s = tl.where(key_live[None, :], s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        alpha = tl.exp2(m_i - m_new)
        p = tl.exp2(s - m_new[:, None])
        l_i = l_i * alpha + tl.sum(p, 1)
        acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v)
        m_i = m_new

    l_safe = tl.where(l_i > 0.0, l_i, 1.0)
    # Log-sum-exp in base 2; an empty split gets -inf so the combine pass ignores it.
    lse = tl.where(l_i > 0.0, m_i + tl.log2(l_safe), float("-inf"))
    row = (b * N_Q_HEADS + heads) * N_SPLITS + split
    tl.store(LSE + row, lse, mask=head_live)
    tl.store(OP + row[:, None] * HEAD_DIM + offs_d[None, :], acc / l_safe[:, None],
             mask=head_live[:, None])


def _combine_kernel(
    OP, LSE, O, so_b, so_h, N_Q_HEADS, N_SPLITS,
    BLOCK_S: tl.constexpr, HEAD_DIM: tl.constexpr,
):
    bh = tl.program_id(0)
    b = (bh // N_Q_HEADS).to(tl.int64)
    h = bh % N_Q_HEADS
    offs_s = tl.arange(0, BLOCK_S)
    offs_d = tl.arange(0, HEAD_DIM)
    split_live = offs_s < N_SPLITS
    lse = tl.load(LSE + bh * N_SPLITS + offs_s, mask=split_live, other=float("-inf"))
    part = tl.load(OP + (bh * N_SPLITS + offs_s)[:, None] * HEAD_DIM + offs_d[None, :],
                   mask=split_live[:, None], other=0.0)
    top = tl.max(lse, 0)
    top_safe = tl.where(top > float("-inf"), top, 0.0)
    w = tl.where(lse > float("-inf"), tl.exp2(lse - top_safe), 0.0)
    total = tl.sum(w, 0)
    out = tl.sum(w[:, None] * part, 0) / tl.where(total > 0.0, total, 1.0)
    tl.store(O + b * so_b + h * so_h + offs_d, out.to(O.dtype.element_ty))


split_kernel = lazy_jit(_split_kernel)
combine_kernel = lazy_jit(_combine_kernel)


def _check(q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor) -> int:
    if q.dim() != 3 or k_cache.dim() != 4 or v_cache.shape != k_cache.shape:
        raise ValueError("q must be [B, Hq, D]; caches [B, Hkv, capacity, D] of equal shapes")
    if q.shape[0] != k_cache.shape[0] or q.shape[2] != k_cache.shape[3]:
        raise ValueError(f"q {tuple(q.shape)} and cache {tuple(k_cache.shape)} disagree on B or D")
    if q.shape[1] % k_cache.shape[1]:
        raise ValueError("n_q_heads must be a multiple of n_kv_heads")
    if q.dtype not in _DTYPES or k_cache.dtype != q.dtype or v_cache.dtype != q.dtype:
        raise ValueError(f"q and caches must share one of {_DTYPES}")
    return q.shape[1] // k_cache.shape[1]


def plan_splits(batch: int, n_kv_heads: int, capacity: int, block_n: int,
                device: torch.device, wanted: int | None = None) -> tuple[int, int]:
    """(n_splits, split_len): enough programs for ~2 waves, splits a multiple of block_n."""
    n_blocks = max(1, triton.cdiv(capacity, block_n))
    if wanted is None:
        wanted = max(1, triton.cdiv(2 * sm_count(device), batch * n_kv_heads))
    n_splits = min(n_blocks, wanted)
    split_len = triton.cdiv(n_blocks, n_splits) * block_n
    return triton.cdiv(max(capacity, 1), split_len), split_len


def _contig_last(t: torch.Tensor) -> torch.Tensor:
    return t if t.stride(-1) == 1 else t.contiguous()


def decode_attention_triton(
    q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, cache_lens: torch.Tensor,
    cache_starts: torch.Tensor | None = None, scale: float | None = None,
    out: torch.Tensor | None = None, num_splits: int | None = None,
) -> torch.Tensor:
    """Launch split-K decode attention and its combine pass (layouts in the module doc).

    ``num_splits`` overrides the split planner (tests use it to force several splits).
    """
    group = _check(q, k_cache, v_cache)
    require_launchable(q)
    batch, n_q_heads, head_dim = q.shape
    n_kv_heads, capacity = k_cache.shape[1], k_cache.shape[2]
    q, k_cache, v_cache = _contig_last(q), _contig_last(k_cache), _contig_last(v_cache)
    starts, ends = windows(cache_lens, cache_starts, batch, capacity, q.device)
    scale = 1.0 / math.sqrt(head_dim) if scale is None else float(scale)
    block_n = 16 if interpreting() else 64
    n_splits, split_len = plan_splits(batch, n_kv_heads, capacity, block_n, q.device,
                                      num_splits)
    partial = torch.empty(batch * n_q_heads * n_splits, head_dim, device=q.device,
                          dtype=torch.float32)
    lse = torch.empty(batch * n_q_heads * n_splits, device=q.device, dtype=torch.float32)
    split_kernel[(batch * n_kv_heads, n_splits)](
        q, k_cache, v_cache, partial, lse, starts, ends,
        q.stride(0), q.stride(1), k_cache.stride(0), k_cache.stride(1), k_cache.stride(2),
        v_cache.stride(0), v_cache.stride(1), v_cache.stride(2),
        scale * _LOG2E, n_kv_heads, n_q_heads, n_splits, split_len,
        GROUP=group, BLOCK_G=max(16, next_pow2(group)), HEAD_DIM=head_dim, BLOCK_N=block_n,
        UPCAST=interpreting() or q.dtype == torch.float32,
        num_warps=4, num_stages=1 if interpreting() else 3,
    )
    out = torch.empty_like(q) if out is None else out
    combine_kernel[(batch * n_q_heads,)](
        partial, lse, out, out.stride(0), out.stride(1), n_q_heads, n_splits,
        BLOCK_S=max(2, next_pow2(n_splits)), HEAD_DIM=head_dim, num_warps=1 if head_dim <= 64 else 2,
    )
    return out


def decode_attention_reference(
    q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, cache_lens: torch.Tensor,
    cache_starts: torch.Tensor | None = None, scale: float | None = None,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """PyTorch reference (and CPU path): fp32 math, same contract as the kernel."""
    group = _check(q, k_cache, v_cache)
    batch, _, head_dim = q.shape
    capacity = k_cache.shape[2]
    starts, ends = windows(cache_lens, cache_starts, batch, capacity, q.device)
    pos = torch.arange(capacity, device=q.device)
    live = (pos[None, :] >= starts[:, None].long()) & (pos[None, :] < ends[:, None].long())
    scale = 1.0 / math.sqrt(head_dim) if scale is None else float(scale)
    kf = k_cache.float().repeat_interleave(group, dim=1)
    vf = v_cache.float().repeat_interleave(group, dim=1)
    scores = torch.einsum("bhd,bhsd->bhs", q.float(), kf) * scale
    scores = scores.masked_fill(~live[:, None, :], float("-inf"))
    probs = torch.softmax(scores, dim=-1).nan_to_num(0.0)  # an empty window gives NaN rows
    result = torch.einsum("bhs,bhsd->bhd", probs, vf).to(q.dtype)
    if out is None:
        return result
    out.copy_(result)
    return out
