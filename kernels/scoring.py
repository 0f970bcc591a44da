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
hold score ``-inf`` and index ``-1``. At most ``MAX_ITEMS`` (about 2**31) items. NaN
inputs give undefined rankings (the host refuses NaN vectors before they get here).

How. Each (score, index) pair is packed into one int64 key ordered "higher score, then
lower index", so a top-k over keys is exact and tie-aware. Keeping a running top-k inside
the kernel costs a sorting network per tile, far more than reading the tile, so the kernel
filters instead:

1. *Threshold*: the same kernel scores a strided sample of the items (every ``stride``-th
   row, a view, nothing copied) and keeps every key; per query, the ``r``-th best sampled
   score becomes the threshold, with ``r`` chosen so that about ``4k + 256`` items of the
   whole matrix are expected to pass it.
2. *Filter*: one pass over all items computes the scores tile by tile and appends only the
   keys at or above the query's threshold to a small candidate buffer (an atomic counter per
   query; most tiles append nothing and skip that code).
3. *Select*: ``torch.topk`` over the candidates. The result is exact whenever a query got
   at least ``k`` candidates and its buffer did not overflow, because every item left out
   scores below every candidate. A query that misses either condition (rare: a skewed
   sample or a heavy mask) is redone exhaustively, so the result is exact in every case.

Small matrices (and k close to their size) skip the threshold: every key is written and
``torch.topk`` selects, as in stage 3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import triton
import triton.language as tl

from ._triton import interpreting, lazy_jit, next_pow2, require_launchable, sm_count

_SENTINEL = -0x7FFFFFFFFFFFFFFF  # below every packed key: "no item"
_LOW32 = 0xFFFFFFFF
_ITEM_DTYPES = (torch.float16, torch.bfloat16, torch.float32)
_MAX_GRID_Y = 65535  # CUDA's limit on the second grid axis (item chunks run along it)
EXHAUSTIVE_ITEMS = 1 << 16  # up to this many items, every key is kept (no threshold)
SAMPLE_STRIDE = 64  # threshold sample: one row in this many (~1.5% of the filter pass)
MAX_ITEMS = 2**31 - 2**20  # item numbers stay int32 in the kernel, tile padding included
_KEY_BUDGET = 1 << 27  # int64 keys held at once (1 GiB): queries are scored in chunks


def _score_kernel(
    QRY, ITEMS, MASK, THRESH, COUNT, CAND, n_queries, n_items, capacity,
    s_q, s_i, s_mq, s_mn, s_cand,
    DIM: tl.constexpr, BLOCK_Q: tl.constexpr, BLOCK_D: tl.constexpr, SUB_N: tl.constexpr,
    ITEMS_PER_PROG: tl.constexpr, HAS_MASK: tl.constexpr, EXHAUSTIVE: tl.constexpr,
    HOIST_Q: tl.constexpr, UPCAST: tl.constexpr, IEEE: tl.constexpr,
):
    # Queries on the fast grid axis: programs sharing an item chunk run together, so a
    # chunk read for one query block is still in L2 for the next.
    pid_q = tl.program_id(0)
    pid_n = tl.program_id(1)
    offs_q = pid_q * BLOCK_Q + tl.arange(0, BLOCK_Q)
    q_live = offs_q < n_queries
    # 64-bit row offsets: 10M rows of 384 values already pass 2**31 elements.
    rows_q = offs_q.to(tl.int64)
    offs_d = tl.arange(0, BLOCK_D)
    # HOIST_Q: the query block is loaded once, in up to four BLOCK_D-wide slices (the launcher
    # then picks BLOCK_D so that four cover DIM), so only item tiles are staged by the pipeline.
    # Rows too wide for that (or fp32 rows, whose exact products need many registers) loop
    # over DIM instead and reload the query slice with each item slice, from L1/L2.
    q_ptrs = QRY + rows_q[:, None] * s_q + offs_d[None, :]
    if HOIST_Q:
        q0 = tl.load(q_ptrs, mask=q_live[:, None] & (offs_d < DIM)[None, :], other=0.0)
        q1 = tl.load(q_ptrs + BLOCK_D,
                     mask=q_live[:, None] & (offs_d + BLOCK_D < DIM)[None, :], other=0.0)
        q2 = tl.load(q_ptrs + 2 * BLOCK_D,
                     mask=q_live[:, None] & (offs_d + 2 * BLOCK_D < DIM)[None, :], other=0.0)
        q3 = tl.load(q_ptrs + 3 * BLOCK_D,
                     mask=q_live[:, None] & (offs_d + 3 * BLOCK_D < DIM)[None, :], other=0.0)
    if not EXHAUSTIVE:
        thresh = tl.load(THRESH + offs_q, mask=q_live, other=float("inf"))
    for sub in range(0, ITEMS_PER_PROG, SUB_N):
        offs_n = pid_n * ITEMS_PER_PROG + sub + tl.arange(0, SUB_N)
        n_live = offs_n < n_items
        rows_n = offs_n.to(tl.int64)
        i_ptrs = ITEMS + rows_n[:, None] * s_i + offs_d[None, :]
        # Items-major tile [SUB_N, BLOCK_Q]: the long side feeds the tensor cores' M.
        acc = tl.zeros([SUB_N, BLOCK_Q], dtype=tl.float32)
        if HOIST_Q:
            for c in tl.static_range(4):  # unrolled; slices past DIM vanish at compile time
                if c * BLOCK_D < DIM:
                    if c == 0:
                        q = q0
                    elif c == 1:
                        q = q1
                    elif c == 2:
                        q = q2
                    else:
                        q = q3
                    live_d = (offs_d + c * BLOCK_D < DIM)[None, :]
                    acc = _accumulate(i_ptrs + c * BLOCK_D, n_live[:, None] & live_d, q, acc,
                                      UPCAST, IEEE)
        else:
            for d0 in range(0, DIM, BLOCK_D):
                live_d = (offs_d + d0 < DIM)[None, :]
                q = tl.load(q_ptrs + d0, mask=q_live[:, None] & live_d, other=0.0)
                acc = _accumulate(i_ptrs + d0, n_live[:, None] & live_d, q, acc, UPCAST, IEEE)
        live = n_live[:, None] & q_live[None, :]
        if HAS_MASK:
            keep = tl.load(MASK + rows_q[None, :] * s_mq + rows_n[:, None] * s_mn,
                           mask=live, other=0)
            live = live & (keep != 0)
        # Order-preserving float -> int map, then index in the low half (lower index wins).
        bits = acc.to(tl.int32, bitcast=True)
        ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF)
        keys = (ordered.to(tl.int64) << 32) | (0xFFFFFFFF - rows_n)[:, None]
        if EXHAUSTIVE:
            tl.store(CAND + rows_q[None, :] * s_cand + rows_n[:, None], keys, mask=live)
        else:
            hit = live & (acc >= thresh[None, :])
            if tl.max(tl.max(hit.to(tl.int32), 1), 0) > 0:
                counters = COUNT + offs_q[None, :] + tl.zeros([SUB_N, 1], dtype=tl.int32)
                slot = tl.atomic_add(counters, 1, mask=hit)
                tl.store(CAND + rows_q[None, :] * s_cand + slot, keys,
                         mask=hit & (slot < capacity))


@triton.jit
def _accumulate(item_ptrs, item_mask, q, acc, UPCAST: tl.constexpr, IEEE: tl.constexpr):
    """acc + items[tile, slice] @ q[:, slice].T, fp32 accumulation."""
    it = tl.load(item_ptrs, mask=item_mask, other=0.0)
    if UPCAST:
        # The interpreter computes bf16 dots wrongly; fp32 is exact there.
        it = it.to(tl.float32)
        q = q.to(tl.float32)
    if IEEE:
        acc = tl.dot(it, tl.trans(q), acc, input_precision="ieee")
    else:
        acc = tl.dot(it, tl.trans(q), acc)
    return acc


score_kernel = lazy_jit(_score_kernel)


@dataclass(frozen=True)
class ScorePlan:
    """Tiling: a program covers ITEMS_PER_PROG items for BLOCK_Q queries, SUB_N rows a tile;
    ``hoist_query``: the query block stays in shared memory (see the kernel)."""

    block_q: int
    block_d: int
    sub_n: int
    items_per_prog: int
    num_warps: int
    num_stages: int
    hoist_query: bool


_SHARED_BUDGET = 200 * 1024  # of Hopper's 227 KiB a block, leaving the compiler its scratch


def plan_scoring(n_queries: int, n_items: int, dim: int, device: torch.device,
                 items_per_prog: int | None = None, item_bytes: int = 2) -> ScorePlan:
    """Pick tiles by shape (no autotune: it needs a driver and re-runs the whole job).

    Half-precision rows keep the query block in shared memory next to ``num_stages`` item
    tiles in flight, with the tallest tiles and widest query block that fit the budget.
    fp32 rows (exact products, no tensor cores) and rows too wide for that loop over DIM.
    """
    hoisted_d = max(16, next_pow2(triton.cdiv(dim, 4)))  # four slices cover every row
    hoist = item_bytes < 4
    if interpreting():
        per_prog = max(16, next_pow2(items_per_prog or 32))
        return ScorePlan(16, hoisted_d if hoist else 16, 16, per_prog, 4, 1, hoist)
    widest_q = min(64, max(16, next_pow2(n_queries)))
    tiling = _hoisted_tiling(dim, hoisted_d, item_bytes, widest_q) if hoist else None
    if tiling is None:
        block_d = 32 if item_bytes == 4 else 64
        block_q, sub_n, stages = (min(32, widest_q), 32, 3) if item_bytes == 4 else (widest_q, 64, 3)
        tiling = (block_q, block_d, sub_n, stages, False)
    block_q, block_d, sub_n, stages, hoist = tiling
    if items_per_prog is None:
        # ~4 programs per SM for every query block, but at most 64k item chunks (grid axis y).
        per_prog = next_pow2(triton.cdiv(max(n_items, 1), 4 * sm_count(device)))
        items_per_prog = min(4096, max(sub_n, per_prog))
    items_per_prog = max(sub_n, next_pow2(items_per_prog),
                         next_pow2(triton.cdiv(max(n_items, 1), _MAX_GRID_Y)))
    return ScorePlan(block_q, block_d, sub_n, items_per_prog, 4, stages, hoist)


def _hoisted_tiling(dim: int, block_d: int, item_bytes: int,
                    widest_q: int) -> tuple[int, int, int, int, bool] | None:
    """(block_q, block_d, sub_n, stages, True) within the shared budget, or None."""
    row_bytes = triton.cdiv(dim, block_d) * block_d * item_bytes
    block_q = widest_q
    while block_q >= 16:
        for stages in (3, 2):
            for sub_n in (64, 32):
                if (stages * sub_n + block_q) * row_bytes <= _SHARED_BUDGET:
                    return block_q, block_d, sub_n, stages, True
        block_q //= 2
    return None


def _check(queries: torch.Tensor, items: torch.Tensor, k: int,
           mask: torch.Tensor | None) -> None:
    if queries.dim() != 2 or items.dim() != 2 or queries.shape[1] != items.shape[1]:
        raise ValueError("queries must be [Q, D] and items [N, D] with the same D")
    if items.dtype not in _ITEM_DTYPES:
        raise ValueError(f"items must be one of {_ITEM_DTYPES}, got {items.dtype}")
    if not 1 <= k:
        raise ValueError("k must be >= 1")
    if items.shape[0] > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS:,} items (item numbers are 32-bit in the kernel)")
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


def _launch(queries: torch.Tensor, items: torch.Tensor, mask: torch.Tensor | None,
            cand: torch.Tensor, thresholds: torch.Tensor | None = None,
            counts: torch.Tensor | None = None, items_per_program: int | None = None) -> None:
    """Run the kernel: every key into ``cand`` [Q, N], or (with thresholds) the filter."""
    n_queries, dim = queries.shape
    n_items = items.shape[0]
    plan = plan_scoring(n_queries, n_items, dim, items.device, items_per_program,
                        items.element_size())
    exhaustive = thresholds is None
    grid = (triton.cdiv(n_queries, plan.block_q),
            max(1, triton.cdiv(n_items, plan.items_per_prog)))
    mask_u8 = None if mask is None else _mask_2d(mask, n_queries).view(torch.uint8)
    score_kernel[grid](
        queries, items, cand if mask_u8 is None else mask_u8,
        cand if exhaustive else thresholds, cand if exhaustive else counts, cand,
        n_queries, n_items, cand.shape[1],
        queries.stride(0), items.stride(0),
        0 if mask_u8 is None else mask_u8.stride(0), 0 if mask_u8 is None else mask_u8.stride(1),
        cand.stride(0),
        DIM=dim, BLOCK_Q=plan.block_q, BLOCK_D=plan.block_d, SUB_N=plan.sub_n,
        ITEMS_PER_PROG=plan.items_per_prog, HAS_MASK=mask_u8 is not None,
        EXHAUSTIVE=exhaustive, HOIST_Q=plan.hoist_query, UPCAST=interpreting(),
        IEEE=items.dtype == torch.float32 and not interpreting(),
        num_warps=plan.num_warps, num_stages=plan.num_stages,
    )


def _all_keys(queries: torch.Tensor, items: torch.Tensor, mask: torch.Tensor | None,
              items_per_program: int | None = None) -> torch.Tensor:
    """Every (score, index) key, [Q, N]; masked-out items hold the sentinel."""
    cand = torch.full((queries.shape[0], items.shape[0]), _SENTINEL, dtype=torch.int64,
                      device=items.device)
    _launch(queries, items, mask, cand, items_per_program=items_per_program)
    return cand


def expected_survivors(k: int) -> int:
    """How many candidates per query the threshold aims for: k plus a wide margin."""
    return 4 * k + 256


def sample_thresholds(queries: torch.Tensor, items: torch.Tensor, mask: torch.Tensor | None,
                      k: int, stride: int) -> torch.Tensor:
    """Per-query fp32 thresholds from every ``stride``-th item; -inf where the sample is thin.

    The sample is scored by the same kernel as the filter pass, so the sampled items at or
    above a threshold pass it again there.
    """
    sample = items[::stride]
    sample_mask = None if mask is None else mask[..., ::stride]
    keys = _all_keys(queries, sample, sample_mask)
    rank = max(1, math.ceil(expected_survivors(k) / stride))
    if rank > keys.shape[1]:
        return torch.full((queries.shape[0],), float("-inf"), device=items.device)
    kth = torch.topk(keys, rank, dim=1).values[:, -1]
    scores, _ = unpack_keys(kth)  # the sentinel (too few valid samples) becomes -inf
    return scores


def _filtered_keys(queries: torch.Tensor, items: torch.Tensor, mask: torch.Tensor | None,
                   thresholds: torch.Tensor, capacity: int,
                   items_per_program: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """(candidate keys [Q, capacity], candidate counts [Q]) of items at or above thresholds."""
    n_queries = queries.shape[0]
    cand = torch.full((n_queries, capacity), _SENTINEL, dtype=torch.int64, device=items.device)
    counts = torch.zeros(n_queries, dtype=torch.int32, device=items.device)
    _launch(queries, items, mask, cand, thresholds.float().contiguous(), counts,
            items_per_program)
    return cand, counts


def score_topk_triton(
    queries: torch.Tensor, items: torch.Tensor, k: int, mask: torch.Tensor | None = None,
    items_per_program: int | None = None, exhaustive_items: int | None = None,
    sample_stride: int = SAMPLE_STRIDE, capacity: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Threshold, filter, select (see the module doc), a chunk of queries at a time.

    ``items_per_program``, ``exhaustive_items``, ``sample_stride`` and ``capacity`` are
    knobs for tests, which use them to reach the filter and its fallbacks on tiny inputs.
    """
    _check(queries, items, k, mask)
    require_launchable(items)
    items = items if items.stride(1) == 1 else items.contiguous()
    queries = queries.to(items.dtype).contiguous()
    n_queries, n_items = queries.shape[0], items.shape[0]
    target = expected_survivors(k)
    if exhaustive_items is None:
        exhaustive_items = max(EXHAUSTIVE_ITEMS, 4 * target)
    exhaustive = n_items <= exhaustive_items or n_items < 2 * sample_stride
    capacity = capacity or next_pow2(4 * target)
    width = n_items if exhaustive else max(triton.cdiv(n_items, sample_stride), capacity)
    per_chunk = max(1, _KEY_BUDGET // max(width, 1))
    parts = []
    for at in range(0, n_queries, per_chunk):
        rows = slice(at, at + per_chunk)
        chunk_mask = mask if mask is None or mask.dim() == 1 else mask[rows]
        if exhaustive:
            parts.append(_select(_all_keys(queries[rows], items, chunk_mask, items_per_program), k))
        else:
            parts.append(_filter_and_select(queries[rows], items, chunk_mask, k, sample_stride,
                                            capacity, items_per_program))
    if not parts:  # no queries
        return _select(torch.empty(0, 0, dtype=torch.int64, device=items.device), k)
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])


def _filter_and_select(queries: torch.Tensor, items: torch.Tensor, mask: torch.Tensor | None,
                       k: int, stride: int, capacity: int,
                       items_per_program: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    thresholds = sample_thresholds(queries, items, mask, k, stride)
    cand, counts = _filtered_keys(queries, items, mask, thresholds, capacity,
                                  items_per_program)
    # One host sync: a query with too few candidates (its threshold may have hidden valid
    # items), an overflowing buffer or a NaN threshold is redone exhaustively, which keeps
    # the result exact.
    redo = (((counts < k) & (thresholds > float("-inf"))) | (counts > capacity)
            | thresholds.isnan())
    width = int(counts.clamp(max=capacity).max())
    scores, index = _select(cand[:, :max(width, 1)], k)
    rows = redo.nonzero().flatten().tolist()
    if rows:
        _redo_exhaustively(rows, queries, items, mask, k, scores, index)
    return scores, index


def _redo_exhaustively(rows: list[int], queries: torch.Tensor, items: torch.Tensor,
                       mask: torch.Tensor | None, k: int, scores: torch.Tensor,
                       index: torch.Tensor) -> None:
    """Exact answers for ``rows`` through the exhaustive path (which chunks its queries)."""
    chosen = torch.tensor(rows, device=items.device)
    sub_mask = mask if mask is None or mask.dim() == 1 else mask[chosen]
    scores[chosen], index[chosen] = score_topk_triton(queries[chosen], items, k, sub_mask,
                                                      exhaustive_items=items.shape[0])


def score_topk_reference(
    queries: torch.Tensor, items: torch.Tensor, k: int, mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """PyTorch reference (and CPU path): fp32 matmul, then exact packed-key top-k."""
    _check(queries, items, k, mask)
    scores = queries.to(items.dtype).float() @ items.float().T
    valid = torch.ones_like(scores, dtype=torch.bool) if mask is None else _mask_2d(
        mask, queries.shape[0])
    return _select(pack_keys(scores, valid), k)
