"""Nearest-neighbour search over item vectors, for recommendations and semantic search.

A `VectorIndex` holds one matrix of item vectors (for example product embeddings from
`ctx.embedder()`) and answers "the k items scoring highest against these query vectors,
leaving out these items" with `kernels.score_topk`: on a CUDA machine the fused Triton kernel
over bfloat16 rows kept on the GPU, elsewhere the exact PyTorch path over float32 rows. On an
install without the `local` extra (no PyTorch: a plugin author's tests on the light install) the
same exact search runs in NumPy. Scores
are dot products, which for the embedder's unit rows are cosine similarities. Results are exact
(no approximate index), best first, ties to the item added first. On a GPU the rows are kept
in bfloat16, so scores carry its rounding (about 3 significant digits) and near-ties may
order differently than on a CPU machine.

Building the index copies the vectors once; searching copies only the queries. Keep an index
per shop in `ctx.cache` and rebuild it when the catalogue changes (`on_products_changed`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from shopwright.host.inference.local_extra import is_installed

MAX_K = 1000  # what the scoring kernel is sized for; more is never a recommendation


@dataclass(frozen=True)
class Neighbour:
    """One search hit: the item's id as given to the index and its score."""

    id: Hashable
    score: float


class VectorIndex:
    """Item vectors on the scoring device, searchable by exact top-k.

    ``ids``: one hashable id per row (product ids, handles...), unique. ``vectors``: an
    ``(n, dim)`` array of finite floats (numpy or torch). Raises ValueError naming what is
    wrong with either.
    """

    def __init__(self, ids: Sequence[Hashable], vectors) -> None:
        matrix = _as_matrix(vectors, "vectors")
        self.ids = list(ids)
        if len(self.ids) != matrix.shape[0]:
            raise ValueError(f"{len(self.ids)} ids for {matrix.shape[0]} vectors")
        self._rows = {item: row for row, item in enumerate(self.ids)}
        if len(self._rows) != len(self.ids):
            raise ValueError("ids must be unique")
        self._numpy = not all(is_installed(name) for name in ("torch", "triton"))  # the kernels' imports
        if self._numpy:
            self._items = matrix
            return
        import torch

        from shopwright.host.inference import torch_setup

        self.device = torch_setup.device()
        # bf16 halves the bytes the GPU kernel streams; the CPU path stays float32 (exact).
        dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
        self._items = torch.as_tensor(matrix).to(self.device, dtype).contiguous()

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dim(self) -> int:
        return int(self._items.shape[1])

    def search(self, queries, k: int = 10, *, exclude: Iterable[Hashable] = (),
               exclude_each: Sequence[Iterable[Hashable]] | None = None,
               ) -> list[list[Neighbour]]:
        """The ``k`` best items for each query vector, best first.

        ``queries``: ``(q, dim)`` or one ``(dim,)`` vector. ``exclude``: ids left out for
        every query (sold out, hidden); ``exclude_each``: one collection per query (the
        product being viewed, what the shopper already bought). Unknown ids are ignored.
        A query gets fewer than ``k`` results when fewer items are left.
        """
        matrix = _as_matrix(queries, "queries", single_ok=True)
        if matrix.shape[1] != self.dim:
            raise ValueError(f"queries have {matrix.shape[1]} values, the index {self.dim}")
        if not 1 <= k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
        if exclude_each is not None and len(exclude_each) != matrix.shape[0]:
            raise ValueError(f"exclude_each has {len(exclude_each)} entries for "
                             f"{matrix.shape[0]} queries")
        if not self.ids:
            return [[] for _ in range(matrix.shape[0])]
        if self._numpy:
            keep = _numpy_keep(len(self.ids), matrix.shape[0], self._row_numbers(exclude),
                               [self._row_numbers(chosen) for chosen in exclude_each or ()])
            return [self._hits(*_numpy_topk(_row_scores(self._items, query), keep_row, k))
                    for query, keep_row in zip(matrix, keep)]
        import torch

        from shopwright import kernels

        query_tensor = torch.as_tensor(matrix).to(self.device, self._items.dtype)
        mask = self._mask(matrix.shape[0], exclude, exclude_each)
        scores, rows = kernels.score_topk(query_tensor, self._items, min(k, len(self.ids)), mask)
        return [self._hits(score_row, index_row)
                for score_row, index_row in zip(scores.tolist(), rows.tolist())]

    def _mask(self, n_queries: int, exclude: Iterable[Hashable],
              exclude_each: Sequence[Iterable[Hashable]] | None):
        """None when nothing is excluded, else a bool keep-mask ``[n]`` or ``[q, n]``."""
        import torch

        shared = self._row_numbers(exclude)
        each = [self._row_numbers(chosen) for chosen in exclude_each or ()]
        if not shared and not any(each):
            return None
        keep = torch.ones(len(self.ids), dtype=torch.bool)
        keep[shared] = False
        if any(each):
            keep = keep.repeat(n_queries, 1)
            for query, rows in enumerate(each):
                keep[query, rows] = False
        return keep.to(self.device)

    def _row_numbers(self, chosen: Iterable[Hashable] | Hashable) -> list[int]:
        if isinstance(chosen, (str, bytes)) or not isinstance(chosen, Iterable):
            chosen = [chosen]  # one id (not a string's characters)
        return [self._rows[item] for item in chosen if item in self._rows]

    def _hits(self, scores: list[float], rows: list[int]) -> list[Neighbour]:
        return [Neighbour(self.ids[row], score) for score, row in zip(scores, rows) if row >= 0]


def _numpy_keep(n_items: int, n_queries: int, shared: list[int], each: list[list[int]]) -> np.ndarray:
    """A bool keep-mask ``[q, n]``: the PyTorch path's mask, for the NumPy search."""
    keep = np.ones((n_queries, n_items), dtype=bool)
    keep[:, shared] = False
    for query, rows in enumerate(each):
        keep[query, rows] = False
    return keep


def _row_scores(items: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Each row's dot product with `query`, every row summed the same way: a matrix-vector
    product may sum rows in different orders, so identical rows (product variants with the same
    text) would score a rounding step apart and lose their tie order."""
    return (items * query).sum(axis=1)


def _numpy_topk(scores: np.ndarray, keep: np.ndarray, k: int) -> tuple[list[float], list[int]]:
    """The best ``k`` kept rows, best first, ties to the lower row, as the kernels order them."""
    rows = np.flatnonzero(keep)
    order = np.lexsort((rows, -scores[rows]))[:k]
    return scores[rows[order]].tolist(), rows[order].tolist()


def _as_matrix(values, what: str, single_ok: bool = False) -> np.ndarray:
    """A float32 ``(n, dim)`` array, or ValueError saying what is wrong with ``values``."""
    if hasattr(values, "detach"):  # a torch tensor, wherever it lives
        values = values.detach().float().cpu().numpy()
    try:
        array = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numbers: {exc}") from None
    if single_ok and array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"{what} must be a 2-D (rows, dim) array, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    return array
