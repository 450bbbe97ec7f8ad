from __future__ import annotations

import numpy as np
import pytest

from index import faiss_layout
from index.faiss_layout import EXACT, EXACT_LIMIT, IVF, IndexPlan


def unit_vectors(n: int, dimension: int = 16, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_exact_up_to_the_limit_then_ivf_with_sqrt_lists_and_three_percent_probed() -> None:
    assert faiss_layout.choose_index(0) == IndexPlan(EXACT)
    assert faiss_layout.choose_index(EXACT_LIMIT) == IndexPlan(EXACT)
    assert faiss_layout.choose_index(1_000_000) == IndexPlan(IVF, nlist=1000, nprobe=30)
    assert faiss_layout.choose_index(4_000_000) == IndexPlan(IVF, nlist=2000, nprobe=60)
    assert faiss_layout.choose_index(EXACT_LIMIT + 1).kind == IVF
    assert faiss_layout.choose_index(300, exact_limit=100) == IndexPlan(IVF, nlist=17, nprobe=1)
    with pytest.raises(ValueError, match="non-negative"):
        faiss_layout.choose_index(-1)


def test_relayout_when_crossing_the_limit_or_growing_four_times() -> None:
    assert not faiss_layout.needs_relayout(IndexPlan(EXACT), 1000, exact_limit=5000)
    assert faiss_layout.needs_relayout(IndexPlan(EXACT), 6000, exact_limit=5000)
    ivf = faiss_layout.choose_index(10_000, exact_limit=5000)  # 100 lists
    assert not faiss_layout.needs_relayout(ivf, 30_000, exact_limit=5000)  # 173 lists: 3x
    assert faiss_layout.needs_relayout(ivf, 40_000, exact_limit=5000)  # 200 lists: 4x
    assert faiss_layout.needs_relayout(ivf, 4000, exact_limit=5000)  # back under the limit


def test_plans_round_trip_and_unknown_kinds_are_refused() -> None:
    plan = IndexPlan(IVF, nlist=12, nprobe=2)
    assert IndexPlan.from_dict(plan.to_dict()) == plan
    with pytest.raises(ValueError, match="unknown FAISS index kind"):
        IndexPlan.from_dict({"kind": "hnsw"})


@pytest.mark.parametrize("plan", [IndexPlan(EXACT), IndexPlan(IVF, nlist=8, nprobe=8)])
def test_built_indexes_keep_chunk_ids_remove_and_reconstruct(plan: IndexPlan) -> None:
    vectors = unit_vectors(600)
    ids = np.arange(600, dtype=np.int64) * 11 + 5
    index = faiss_layout.build_index(plan, vectors, ids)
    assert faiss_layout.plan_of(index) == plan
    # all lists probed: the IVF index finds exactly what exact search finds
    _, found = index.search(vectors[:3], 1, params=faiss_layout.search_parameters(plan, None))
    assert found[:, 0].tolist() == ids[:3].tolist()
    assert np.allclose(index.reconstruct_batch(ids[[7, 9]]), vectors[[7, 9]])
    assert index.remove_ids(np.asarray(ids[:10])) == 10
    assert np.allclose(index.reconstruct_batch(ids[[17]]), vectors[[17]])  # ids still right after removal
    allowed = ids[100:110]
    _, found = index.search(vectors[100:101], 5, params=faiss_layout.search_parameters(plan, allowed))
    assert set(found[0].tolist()) <= set(allowed.tolist()) and found[0][0] == ids[100]


def test_ivf_needs_at_least_as_many_vectors_as_lists() -> None:
    with pytest.raises(ValueError, match="at least as many vectors"):
        faiss_layout.build_index(IndexPlan(IVF, nlist=50, nprobe=2), unit_vectors(10), np.arange(10))


@pytest.mark.parametrize("half", [False, True])
def test_rebuilding_from_an_index_in_batches_keeps_every_vector(monkeypatch: pytest.MonkeyPatch, half: bool) -> None:
    vectors = unit_vectors(700)
    ids = np.arange(700, dtype=np.int64) * 3 + 1
    source = faiss_layout.build_index(IndexPlan(EXACT, half=half), vectors, ids)
    monkeypatch.setattr(faiss_layout, "BUILD_BATCH", 128)  # six batches and a partial one
    plan = IndexPlan(IVF, nlist=10, nprobe=10, half=half)
    rebuilt = faiss_layout.rebuild_index(plan, source, ids)
    assert faiss_layout.plan_of(rebuilt) == plan and rebuilt.ntotal == 700
    assert np.array_equal(rebuilt.reconstruct_batch(ids), source.reconstruct_batch(ids))
    in_one_go = faiss_layout.build_index(plan, source.reconstruct_batch(ids), ids)
    query = vectors[:5]
    assert np.array_equal(rebuilt.search(query, 5)[1], in_one_go.search(query, 5)[1])
