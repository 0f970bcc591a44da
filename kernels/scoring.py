"""Fused query x item scores with exact top-k per query.

Layouts:

- ``queries``: ``[n_queries, dim]`` (any float dtype; rounded to the items' dtype first, as
  the tensor-core product needs one input type; the reference does the same)
- ``items``: ``[n_items, dim]`` fp16, bf16 or fp32, last dimension contiguous
- ``mask``: optional bool, ``[n_items]`` or ``[n_queries, n_items]``; False excludes an item
  (e.g. out of stock)
- result: ``(scores, indices)``, each ``[n_queries, k]``; scores fp32 (fp32 accumulation),
  indices int64, best first, ties broken by the lower item index.

Padding convention: when fewer than ``k`` items are valid for a query, the trailing slots
hold score ``-inf`` and index ``-1``. Item indices must be below 2**32 - 1.

How: each (score, index) pair is packed into one int64 key whose order is "higher score,
then lower index", so top-k over keys is exact and tie-aware. Stage 1 (Triton) streams the
items once per query block, computes the scores and keeps a running per-program top-KB of
keys (KB = next power of two >= k); stage 2 (``torch.topk``) merges the candidates. For
large k (KB > 256) stage 1 writes every key and stage 2 does all the selection.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import triton
import triton.language as tl

from kernels._triton import interpreting, lazy_jit, next_pow2, require_launchable, sm_count

_SENTINEL = -0x7FFFFFFFFFFFFFFF  # below every packed key: "no item"
_LOW32 = 0xFFFFFFFF
_ITEM_DTYPES = (torch.float16, torch.bfloat16, torch.float32)


def _score_kernel(
    QRY, ITEMS, MASK, CAND, n_queries, n_items, s_q, s_i, s_mq, s_mn, s_cand,
    DIM: tl.constexpr, BLOCK_Q: tl.constexpr, BLOCK_D: tl.constexpr, SUB_N: tl.constexpr,
    ITEMS_PER_PROG: tl.constexpr, KB: tl.constexpr, HAS_MASK: tl.constexpr,
    UPCAST: tl.constexpr, IEEE: tl.constexpr,
):
    pid_n = tl.program_id(0)
    pid_q = tl.program_id(1)
    offs_q = pid_q * BLOCK_Q + tl.arange(0, BLOCK_Q)
    q_live = offs_q < n_queries
    best = tl.full([BLOCK_Q, KB], -0x7FFFFFFFFFFFFFFF, dtype=tl.int64)
    for sub in range(0, ITEMS_PER_PROG, SUB_N):
        offs_n = pid_n * ITEMS_PER_PROG + sub + tl.arange(0, SUB_N)
        n_live = offs_n < n_items
        acc = tl.zeros([BLOCK_Q, SUB_N], dtype=tl.float32)
        for d0 in range(0, DIM, BLOCK_D):
            offs_d = d0 + tl.arange(0, BLOCK_D)
            d_live = offs_d < DIM
            qt = tl.load(QRY + offs_q[:, None] * s_q + offs_d[None, :],
                         mask=q_live[:, None] & d_live[None, :], other=0.0)
            it = tl.load(ITEMS + offs_n[:, None] * s_i + offs_d[None, :],
                         mask=n_live[:, None] & d_live[None, :], other=0.0)
            if UPCAST:
                # The interpreter computes bf16 dots wrongly; fp32 is exact there.
                qt = qt.to(tl.float32)
                it = it.to(tl.float32)
            if IEEE:
                acc = tl.dot(qt, tl.trans(it), acc, input_precision="ieee")
            else:
                acc = tl.dot(qt, tl.trans(it), acc)
        live = q_live[:, None] & n_live[None, :]
        if HAS_MASK:
            keep = tl.load(MASK + offs_q[:, None] * s_mq + offs_n[None, :] * s_mn,
                           mask=live, other=0)
            live = live & (keep != 0)
        # Order-preserving float -> int map, then index in the low half (lower index wins).
        bits = acc.to(tl.int32, bitcast=True)
        ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF)
        keys = (ordered.to(tl.int64) << 32) | (0xFFFFFFFF - offs_n.to(tl.int64))
        keys = tl.where(live, keys, -0x7FFFFFFFFFFFFFFF)
        if SUB_N > KB:
            keys = tl.topk(keys, KB)
        if ITEMS_PER_PROG == SUB_N:
            best = keys
        else:
            best = tl.topk(tl.reshape(tl.join(best, keys), [BLOCK_Q, 2 * KB]), KB)
    offs_k = pid_n * KB + tl.arange(0, KB)
    tl.store(CAND + offs_q[:, None] * s_cand + offs_k[None, :], best, mask=q_live[:, None])


score_kernel = lazy_jit(_score_kernel)


@dataclass(frozen=True)
class ScorePlan:
    """Stage-1 tiling: a program covers ITEMS_PER_PROG items in SUB_N-row tiles."""

    block_q: int
    block_d: int
    sub_n: int
    items_per_prog: int
    kb: int
    num_warps: int
    num_stages: int


def plan_scoring(n_queries: int, n_items: int, dim: int, k: int, device: torch.device,
                 items_per_prog: int | None = None) -> ScorePlan:
    """Pick tiles by shape (no autotune: it needs a driver and re-runs the whole job)."""
    kb = next_pow2(k)
    tiny = interpreting()
    sub_n = 16 if tiny else 128
    block_d = min(32 if tiny else 128, max(16, next_pow2(dim)))
    block_q = min(16 if tiny else 64, max(16, next_pow2(n_queries)))
    if kb > (64 if tiny else 256):
        # Wide mode: keep every key; torch.topk does the selection.
        return ScorePlan(block_q, block_d, sub_n, sub_n, sub_n, 4, 1 if tiny else 3)
    sub_n = max(sub_n, kb)
    if kb >= 128 and not tiny:
        block_q = 16  # the running top-k buffer is large; keep the register tile small
    if items_per_prog is None:
        programs_wanted = 4 * sm_count(device)
        per_prog = next_pow2(triton.cdiv(max(n_items, 1), programs_wanted))
        items_per_prog = min(2 * sub_n if tiny else 4096, max(sub_n, per_prog))
    items_per_prog = max(sub_n, next_pow2(items_per_prog))
    return ScorePlan(block_q, block_d, sub_n, items_per_prog, kb, 4 if tiny else 8,
                     1 if tiny else 3)


def _check(queries: torch.Tensor, items: torch.Tensor, k: int,
           mask: torch.Tensor | None) -> None:
    if queries.dim() != 2 or items.dim() != 2 or queries.shape[1] != items.shape[1]:
        raise ValueError("queries must be [Q, D] and items [N, D] with the same D")
    if items.dtype not in _ITEM_DTYPES:
        raise ValueError(f"items must be one of {_ITEM_DTYPES}, got {items.dtype}")
    if not 1 <= k:
        raise ValueError("k must be >= 1")
    if items.shape[0] >= _LOW32:
        raise ValueError("at most 2**32 - 2 items")
    if mask is not None:
        if mask.dtype != torch.bool:
            raise ValueError("mask must be a bool tensor")
        if mask.shape not in ((items.shape[0],), (queries.shape[0], items.shape[0])):
            raise ValueError("mask must be [N] or [Q, N]")


def _mask_2d(mask: torch.Tensor, n_queries: int) -> torch.Tensor:
    return mask.expand(n_queries, -1) if mask.dim() == 1 else mask


def pack_keys(scores: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Pack fp32 scores [Q, N] and their column index into order-preserving int64 keys."""
    bits = scores.contiguous().view(torch.int32)
    ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF)
    index = torch.arange(scores.shape[1], device=scores.device, dtype=torch.int64)
    keys = (ordered.to(torch.int64) << 32) | (_LOW32 - index)
    return keys.masked_fill(~valid, _SENTINEL)


def unpack_keys(keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Inverse of :func:`pack_keys`; the sentinel becomes (-inf, -1)."""
    ordered = (keys >> 32).to(torch.int32)
    scores = (ordered ^ ((ordered >> 31) & 0x7FFFFFFF)).view(torch.float32)
    index = _LOW32 - (keys & _LOW32)
    invalid = keys == _SENTINEL
    return scores.masked_fill(invalid, float("-inf")), index.masked_fill(invalid, -1)


def _select(keys: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k of packed keys per row, padded with the sentinel up to k columns."""
    take = min(k, keys.shape[1])
    top = torch.topk(keys, take, dim=1).values if take else keys[:, :0]
    if take < k:
        pad = torch.full((keys.shape[0], k - take), _SENTINEL, dtype=torch.int64,
                         device=keys.device)
        top = torch.cat([top, pad], dim=1)
    return unpack_keys(top)


def score_topk_triton(
    queries: torch.Tensor, items: torch.Tensor, k: int, mask: torch.Tensor | None = None,
    items_per_program: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-stage fused scoring (see the module doc); ``items_per_program`` is a test knob."""
    _check(queries, items, k, mask)
    require_launchable(items)
    n_queries, dim = queries.shape
    n_items = items.shape[0]
    items = items if items.stride(1) == 1 else items.contiguous()
    queries = queries.to(items.dtype).contiguous()
    plan = plan_scoring(n_queries, n_items, dim, k, items.device, items_per_program)
    n_progs = max(1, triton.cdiv(n_items, plan.items_per_prog))
    cand = torch.empty(n_queries, n_progs * plan.kb, dtype=torch.int64, device=items.device)
    mask2 = None if mask is None else _mask_2d(mask, n_queries).view(torch.uint8)
    grid = (n_progs, triton.cdiv(n_queries, plan.block_q))
    score_kernel[grid](
        queries, items, cand if mask2 is None else mask2, cand, n_queries, n_items,
        queries.stride(0), items.stride(0),
        0 if mask2 is None else mask2.stride(0), 0 if mask2 is None else mask2.stride(1),
        cand.stride(0),
        DIM=dim, BLOCK_Q=plan.block_q, BLOCK_D=plan.block_d, SUB_N=plan.sub_n,
        ITEMS_PER_PROG=plan.items_per_prog, KB=plan.kb, HAS_MASK=mask2 is not None,
        UPCAST=interpreting(), IEEE=items.dtype == torch.float32 and not interpreting(),
        num_warps=plan.num_warps, num_stages=plan.num_stages,
    )
    return _select(cand, k)


def score_topk_reference(
    queries: torch.Tensor, items: torch.Tensor, k: int, mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """PyTorch reference (and CPU path): fp32 matmul, then exact packed-key top-k."""
    _check(queries, items, k, mask)
    scores = queries.to(items.dtype).float() @ items.float().T
    valid = torch.ones_like(scores, dtype=torch.bool) if mask is None else _mask_2d(
        mask, queries.shape[0])
    return _select(pack_keys(scores, valid), k)
