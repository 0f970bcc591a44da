"""shopwright.host.inference.VectorIndex: exact nearest items over the shop's vectors."""

import numpy as np
import pytest
import torch

import tests.widget_doubles as shelf
from shopwright import kernels
from shopwright.host.inference import FakeEmbeddingBackend, Neighbour, VectorIndex, vectors
from shopwright.host.testing import add_fixture_shop, widget_data


@pytest.fixture(params=["torch", "numpy"])
def either_path(request, monkeypatch):
    """Each behaviour on the PyTorch path and on the NumPy one an install without torch takes."""
    if request.param == "numpy":
        monkeypatch.setattr(vectors, "is_installed", lambda module: False)
    return request.param


def _vectors(n, dim=24, seed=0):
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _brute_force(items, query, k, skip=()):
    scores = items @ query
    order = sorted((i for i in range(len(items)) if i not in skip), key=lambda i: (-scores[i], i))
    return order[:k]


def test_search_returns_the_best_items_first(either_path):
    items = _vectors(200)
    ids = [f"p{i}" for i in range(200)]
    index = VectorIndex(ids, items)
    queries = _vectors(3, seed=1)
    hits = index.search(queries, k=5)
    for query, row in zip(queries, hits):
        assert [hit.id for hit in row] == [ids[i] for i in _brute_force(items, query, 5)]
        assert [hit.score for hit in row] == sorted((hit.score for hit in row), reverse=True)
        assert row[0].score == pytest.approx(float(items[int(row[0].id[1:])] @ query), abs=1e-5)
    assert len(index) == 200 and index.dim == 24


def test_exclusions_shared_and_per_query(either_path):
    items = _vectors(50, seed=2)
    index = VectorIndex(list(range(50)), items)
    query = items[:2]  # each query is an item: it would find itself first
    sold_out = _brute_force(items, query[0], 3)[1:]  # the next two for the first query
    hits = index.search(query, k=4, exclude=sold_out, exclude_each=[[0], [1]])
    assert [h.id for h in hits[0]] == _brute_force(items, query[0], 4, skip={0, *sold_out})
    assert [h.id for h in hits[1]] == _brute_force(items, query[1], 4, skip={1, *sold_out})
    assert index.search(query[0], k=2, exclude=["not-an-id"])[0][0].id == 0  # unknown ids ignored


def test_a_single_id_is_excluded_whole(either_path):
    index = VectorIndex(["mug", "cup"], np.eye(2, dtype=np.float32))
    assert [h.id for h in index.search([1.0, 0.0], k=2, exclude="mug")[0]] == ["cup"]
    numbered = VectorIndex([7, 8], np.eye(2, dtype=np.float32))
    assert [h.id for h in numbered.search([1.0, 0.0], k=2, exclude=7)[0]] == [8]


def test_k_beyond_the_items_left_returns_fewer(either_path):
    index = VectorIndex(["a", "b", "c"], _vectors(3, dim=8, seed=3))
    hits = index.search(_vectors(1, dim=8, seed=4), k=10, exclude=["b"])
    assert sorted(h.id for h in hits[0]) == ["a", "c"]
    assert VectorIndex([], np.zeros((0, 8), dtype=np.float32)).search(np.ones(8), k=3) == [[]]


def test_ties_go_to_the_item_added_first(either_path):
    index = VectorIndex(["z", "y", "x", "w"], np.ones((4, 4), dtype=np.float32))
    assert [h.id for h in index.search(np.ones(4), k=3)[0]] == ["z", "y", "x"]


@pytest.mark.parametrize("ids,vectors,message", [
    (["a", "b"], np.zeros((3, 4)), "2 ids for 3 vectors"),
    (["a", "a"], np.zeros((2, 4)), "unique"),
    (["a"], np.array([[np.nan, 1.0]]), "NaN"),
    (["a"], np.zeros(4), "2-D"),
    (["a"], [["x", "y"]], "numbers"),
])
def test_bad_index_input_is_refused_clearly(either_path, ids, vectors, message):
    with pytest.raises(ValueError, match=message):
        VectorIndex(ids, vectors)


def test_bad_search_input_is_refused_clearly(either_path):
    index = VectorIndex(["a", "b"], _vectors(2, dim=4))
    with pytest.raises(ValueError, match="3 values, the index 4"):
        index.search(np.ones(3))
    with pytest.raises(ValueError, match="k must be between 1 and 1000"):
        index.search(np.ones(4), k=0)
    with pytest.raises(ValueError, match="exclude_each has 1 entries for 2 queries"):
        index.search(np.ones((2, 4)), exclude_each=[["a"]])


def test_triton_kernel_gives_the_same_answers(monkeypatch):
    """The GPU path's kernel (interpreted here) agrees with the CPU path on the same index."""
    items = np.random.default_rng(5).integers(-3, 4, size=(90, 16)).astype(np.float32)
    index = VectorIndex(list(range(90)), items)
    queries = items[[3, 40]]
    monkeypatch.setenv(kernels.ENV_VAR, "reference")
    want = index.search(queries, k=7, exclude_each=[[3], [40]])
    if torch.cuda.is_available():
        pytest.skip("on a GPU the default path is already the kernel")
    monkeypatch.setenv(kernels.ENV_VAR, "triton")
    assert index.search(queries, k=7, exclude_each=[[3], [40]]) == want


def test_embedder_vectors_find_related_products():
    embedder = FakeEmbeddingBackend()
    titles = ["enamel camp mug", "steel water bottle", "wool hiking socks", "camp mug lid"]
    index = VectorIndex(titles, embedder.embed(titles))
    hits = index.search(embedder.embed(["camp mug"]), k=2)[0]
    assert {h.id for h in hits} == {"enamel camp mug", "camp mug lid"}
    assert isinstance(hits[0], Neighbour)


def test_a_widget_finds_similar_products_through_the_shops_embedder(sw_app_factory):
    """The pattern of the plugin guide: index in ctx.cache, the viewed product left out."""
    app = sw_app_factory(plugins=[shelf])
    shop = add_fixture_shop(app)
    shop.enable("shelf")
    mug = shop.product("enamel-camp-mug")
    data = widget_data(shop, "shelf.similar", product="enamel-camp-mug", limit="5")
    assert mug["id"] not in data["ids"] and len(data["ids"]) >= 1
    assert data["scores"] == sorted(data["scores"], reverse=True)
    assert widget_data(shop, "shelf.similar", product="enamel-camp-mug", limit="5") == data


def test_identical_rows_keep_their_tie_order_without_torch(monkeypatch):
    # Product variants with the same text embed identically; BLAS may sum such rows a rounding
    # step apart, which the NumPy path avoids by summing every row the same way.
    monkeypatch.setattr(vectors, "is_installed", lambda module: False)
    rows = np.repeat(_vectors(1, dim=384, seed=7), 21, axis=0)
    index = VectorIndex(list(range(21)), rows)
    assert [hit.id for hit in index.search(rows[0], k=21)[0]] == list(range(21))


def test_vector_search_runs_where_torch_is_not_installed(tmp_path):
    import subprocess
    import sys

    code = """
import sys
sys.modules["torch"] = sys.modules["triton"] = None  # as on `pip install shopwright`
from shopwright.host.inference import VectorIndex
index = VectorIndex(["mug", "cup", "pot"], [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
print([hit.id for hit in index.search([0.0, 1.0], k=2, exclude_each=[["cup"]])[0]])
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['pot', 'mug']"
