"""Fused forward attention for prefill and encoding (flash-attention style).

Layouts (any strides; the last dimension must be contiguous):

- ``q``: ``[batch, n_q_heads, seq, head_dim]``
- ``k``, ``v``: ``[batch, n_kv_heads, seq, head_dim]``; ``n_q_heads`` is a multiple of
  ``n_kv_heads`` (grouped-query attention; query head ``h`` reads kv head ``h // group``).
- ``seq_lens``: ``[batch]`` integers; sequence ``b`` holds valid tokens at ``[start, len)``.
- ``seq_starts``: optional ``[batch]`` integers, the first valid token (left padding);
  defaults to 0.
- result: ``[batch, n_q_heads, seq, head_dim]`` in ``q``'s dtype; rows outside a sequence's
  valid window are zeros.

Queries and keys share positions (self-attention). With ``causal=True`` token ``i`` sees
keys ``start <= j <= i``. Padding is skipped, not just masked: query blocks outside the
window only write zeros, and the key loop covers the window only. Accumulation is fp32.
"""

from __future__ import annotations

import math

import torch
import triton
import triton.language as tl

from ._triton import interpreting, lazy_jit, require_launchable

_LOG2E = 1.4426950408889634
_HEAD_DIMS = (16, 32, 64, 128)
_DTYPES = (torch.float16, torch.bfloat16, torch.float32)


def _prefill_kernel(
    Q, K, V, O, STARTS, ENDS,
    sq_b, sq_h, sq_s, sk_b, sk_h, sk_s, sv_b, sv_h, sv_s, so_b, so_h, so_s,
    qk_scale, SEQ, N_Q_HEADS,
    GROUP: tl.constexpr, HEAD_DIM: tl.constexpr, BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr, CAUSAL: tl.constexpr, UPCAST: tl.constexpr,
):
    m_block = tl.program_id(0)
    bh = tl.program_id(1)
    b = (bh // N_Q_HEADS).to(tl.int64)  # 64-bit: batch strides of big caches pass 2**31
    h = bh % N_Q_HEADS
    kvh = h // GROUP
    start = tl.load(STARTS + b)
    end = tl.load(ENDS + b)

    offs_m = m_block * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_d = tl.arange(0, HEAD_DIM)
    row_live = (offs_m >= start) & (offs_m < end)
    o_ptrs = O + b * so_b + h * so_h + offs_m[:, None] * so_s + offs_d[None, :]
    store_mask = (offs_m < SEQ)[:, None]

    if (m_block * BLOCK_M < end) & ((m_block + 1) * BLOCK_M > start):
        q_ptrs = Q + b * sq_b + h * sq_h + offs_m[:, None] * sq_s + offs_d[None, :]
        q = tl.load(q_ptrs, mask=row_live[:, None], other=0.0)
        if UPCAST:
            # The interpreter computes bf16 dots and arithmetic wrongly; fp32 is exact there.
            q = q.to(tl.float32)
        m_i = tl.full([BLOCK_M], -1.0e30, dtype=tl.float32)
        l_i = tl.zeros([BLOCK_M], dtype=tl.float32)
        acc = tl.zeros([BLOCK_M, HEAD_DIM], dtype=tl.float32)

        hi = end
        if CAUSAL:
            hi = tl.minimum(end, (m_block + 1) * BLOCK_M)
        # Start on a block boundary so key tiles stay aligned; the mask trims the front.
        lo = (start // BLOCK_N) * BLOCK_N
        k_base = K + b * sk_b + kvh * sk_h
        v_base = V + b * sv_b + kvh * sv_h
        for n0 in range(lo, hi, BLOCK_N):
            offs_n = n0 + tl.arange(0, BLOCK_N)
            key_live = (offs_n >= start) & (offs_n < end)
            k = tl.load(k_base + offs_n[:, None] * sk_s + offs_d[None, :],
                        mask=key_live[:, None], other=0.0)
            v = tl.load(v_base + offs_n[:, None] * sv_s + offs_d[None, :],
                        mask=key_live[:, None], other=0.0)
            if UPCAST:
                k = k.to(tl.float32)
                v = v.to(tl.float32)
            s = tl.dot(q, tl.trans(k)) * qk_scale
            live = key_live[None, :]
            if CAUSAL:
                live = live & (offs_n[None, :] <= offs_m[:, None])
            s = tl.where(live, s, float("-inf"))
            m_new = tl.maximum(m_i, tl.max(s, 1))
            alpha = tl.exp2(m_i - m_new)
            p = tl.exp2(s - m_new[:, None])
            l_i = l_i * alpha + tl.sum(p, 1)
            acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v)
            m_i = m_new

        l_safe = tl.where(l_i > 0.0, l_i, 1.0)
        out = tl.where(row_live[:, None], acc / l_safe[:, None], 0.0)
        tl.store(o_ptrs, out.to(O.dtype.element_ty), mask=store_mask)
    else:
        zeros = tl.zeros([BLOCK_M, HEAD_DIM], dtype=tl.float32)
        tl.store(o_ptrs, zeros.to(O.dtype.element_ty), mask=store_mask)


prefill_kernel = lazy_jit(_prefill_kernel)


def windows(
    lens: torch.Tensor | None, starts: torch.Tensor | None, batch: int, seq: int,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sequence valid windows ``[start, end)`` as int32 tensors on ``device``."""
    if lens is None:
        ends = torch.full((batch,), seq, dtype=torch.int32, device=device)
    else:
        ends = torch.as_tensor(lens, device=device).to(torch.int32).clamp(0, seq)
    if starts is None:
        begins = torch.zeros(batch, dtype=torch.int32, device=device)
    else:
        begins = torch.as_tensor(starts, device=device).to(torch.int32).clamp(0, seq)
    if ends.shape != (batch,) or begins.shape != (batch,):
        raise ValueError(f"seq_lens / seq_starts must have shape [{batch}]")
    return begins.contiguous(), ends.contiguous()


def _check(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> int:
    if q.dim() != 4 or k.dim() != 4 or v.shape != k.shape:
        raise ValueError("q must be [B, Hq, S, D]; k and v [B, Hkv, S, D] with equal shapes")
    if q.shape[0] != k.shape[0] or q.shape[3] != k.shape[3] or q.shape[2] != k.shape[2]:
        raise ValueError(f"q {tuple(q.shape)} and k {tuple(k.shape)} disagree on B, S or D")
    if q.shape[1] % k.shape[1]:
        raise ValueError("n_q_heads must be a multiple of n_kv_heads")
    if q.dtype not in _DTYPES or k.dtype != q.dtype or v.dtype != q.dtype:
        raise ValueError(f"q, k, v must share one of {_DTYPES}")
    return q.shape[1] // k.shape[1]


def _contig_last(t: torch.Tensor) -> torch.Tensor:
    return t if t.stride(-1) == 1 else t.contiguous()


def _blocks(seq: int, head_dim: int) -> tuple[int, int, int, int]:
    """BLOCK_M, BLOCK_N, num_warps, num_stages for Hopper-class GPUs, picked by shape.

    No autotune: it needs a driver (so not under the interpreter) and would re-tune for
    every new padded length an encoder batch brings.
    """
    if interpreting():
        return 16, 16, 1, 1
    block_m = 128 if seq >= 512 and head_dim <= 64 else 64
    block_n = 64
    return block_m, block_n, 4 if block_m == 64 else 8, 3 if head_dim <= 64 else 2


def attention_triton(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
    seq_lens: torch.Tensor | None = None, seq_starts: torch.Tensor | None = None,
    causal: bool = False, scale: float | None = None, out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Launch the fused prefill kernel; arguments as in the module docstring."""
    group = _check(q, k, v)
    require_launchable(q)
    batch, n_q_heads, seq, head_dim = q.shape
    if head_dim not in _HEAD_DIMS:
        raise ValueError(f"head_dim must be one of {_HEAD_DIMS}, got {head_dim}")
    q, k, v = _contig_last(q), _contig_last(k), _contig_last(v)
    out = torch.empty_like(q) if out is None else out
    starts, ends = windows(seq_lens, seq_starts, batch, seq, q.device)
    scale = 1.0 / math.sqrt(head_dim) if scale is None else float(scale)
    block_m, block_n, warps, stages = _blocks(seq, head_dim)
    grid = (triton.cdiv(seq, block_m), batch * n_q_heads)
    prefill_kernel[grid](
        q, k, v, out, starts, ends,
        q.stride(0), q.stride(1), q.stride(2), k.stride(0), k.stride(1), k.stride(2),
        v.stride(0), v.stride(1), v.stride(2), out.stride(0), out.stride(1), out.stride(2),
        scale * _LOG2E, seq, n_q_heads,
        GROUP=group, HEAD_DIM=head_dim, BLOCK_M=block_m, BLOCK_N=block_n,
        CAUSAL=bool(causal), UPCAST=interpreting() or q.dtype == torch.float32,
        num_warps=warps, num_stages=stages,
    )
    return out


def window_mask(
    starts: torch.Tensor, ends: torch.Tensor, seq: int, causal: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """(key mask [B, 1, S, S], live-row mask [B, 1, S, 1]) for the reference path."""
    pos = torch.arange(seq, device=starts.device)
    live = (pos[None, :] >= starts[:, None].long()) & (pos[None, :] < ends[:, None].long())
    keys = live[:, None, None, :].expand(-1, 1, seq, -1)
    if causal:
        keys = keys & (pos[None, None, None, :] <= pos[None, None, :, None])
    return keys, live[:, None, :, None]


def attention_reference(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
    seq_lens: torch.Tensor | None = None, seq_starts: torch.Tensor | None = None,
    causal: bool = False, scale: float | None = None, out: torch.Tensor | None = None,
) -> torch.Tensor:
    """PyTorch reference (and CPU path): fp32 math, same contract as the kernel."""
    group = _check(q, k, v)
    batch, _, seq, head_dim = q.shape
    starts, ends = windows(seq_lens, seq_starts, batch, seq, q.device)
    key_mask, live_rows = window_mask(starts, ends, seq, causal)
    kf = k.float().repeat_interleave(group, dim=1)
    vf = v.float().repeat_interleave(group, dim=1)
    scale = 1.0 / math.sqrt(head_dim) if scale is None else float(scale)
    attended = torch.nn.functional.scaled_dot_product_attention(
        q.float(), kf, vf, attn_mask=key_mask, scale=scale
    )
    # Rows with no visible key (padding) may come back as NaN; they are zeroed here.
    result = torch.where(live_rows, attended, 0.0).to(q.dtype)
    if out is None:
        return result
    out.copy_(result)
    return out
