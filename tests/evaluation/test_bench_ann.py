"""Recall@10 of approximate vs exact results, the index variants, and the shipped layout in the scale curve.

The index-type rule itself (``index.faiss_layout``) is tested in tests/index/test_faiss_layout.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.bench import ann
from evaluation.bench.scale import SHIPPED, ScaleConfig, VariantResult, shipped_variant
from index import faiss_layout


def unit_rows(rows: int, dimension: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_recall_counts_shared_ids_per_query_and_averages() -> None:
    approximate = np.array([[1, 2, 3], [4, 5, -1]])
    exact = np.array([[1, 2, 9], [4, 6, 7]])
    # query 1: {1, 2} of {1, 2, 9} -> 2/3; query 2: {4} of {4, 6, 7} -> 1/3
    assert ann.recall_at_k(approximate, exact, k=3) == pytest.approx(0.5)


def test_recall_ignores_order_and_looks_only_at_the_top_k() -> None:
    approximate = np.array([[3, 2, 1, 8]])
    exact = np.array([[1, 2, 3, 9]])
    assert ann.recall_at_k(approximate, exact, k=3) == 1.0
    assert ann.recall_at_k(approximate, exact, k=4) == pytest.approx(0.75)


def test_recall_divides_by_the_exact_results_that_exist() -> None:
    # a filter left only two allowed chunks: exact top-3 is padded with -1
    approximate = np.array([[5, -1, -1]])
    exact = np.array([[5, 6, -1]])
    assert ann.recall_at_k(approximate, exact, k=3) == pytest.approx(0.5)


def test_recall_rejects_mismatched_or_empty_inputs() -> None:
    with pytest.raises(ValueError, match="rows"):
        ann.recall_at_k(np.zeros((2, 3), dtype=np.int64), np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="no queries"):
        ann.recall_at_k(np.zeros((0, 3), dtype=np.int64), np.zeros((0, 3), dtype=np.int64))


def test_exact_index_ranks_by_inner_product_and_returns_chunk_ids() -> None:
    vectors = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
    index = ann.exact_index(vectors, np.array([10, 20, 30], dtype=np.int64))
    found = ann.search_ids(index, np.array([[0.8, 0.6]], dtype=np.float32), k=3)
    assert found.tolist() == [[20, 10, 30]]  # 0.96, 0.8, 0.6


def test_language_filter_selector_restricts_exact_results() -> None:
    vectors = unit_rows(50, 8, seed=1)
    ids = np.arange(50, dtype=np.int64) * 3
    index = ann.exact_index(vectors, ids)
    allowed = ids[::5]
    found = ann.search_ids(index, vectors[:4], 5, ann.search_parameters(ann.EXACT, None, allowed))
    assert set(found.ravel().tolist()) <= set(allowed.tolist())


def test_ivf_probing_every_list_finds_the_exact_top_10() -> None:
    vectors = unit_rows(600, 16, seed=2)
    ids = np.arange(600, dtype=np.int64)
    queries = unit_rows(20, 16, seed=3)
    truth = ann.search_ids(ann.exact_index(vectors, ids), queries, 10)
    ivf = ann.ivf_index(vectors, ids, nlist=8)
    everything = ann.search_ids(ivf, queries, 10, ann.search_parameters(ann.IVF, 8))
    one_list = ann.search_ids(ivf, queries, 10, ann.search_parameters(ann.IVF, 1))
    assert ann.recall_at_k(everything, truth) == 1.0
    assert ann.recall_at_k(one_list, truth) < 1.0


def test_fp16_storage_halves_the_index_and_keeps_rankings_close() -> None:
    vectors = unit_rows(300, 32, seed=4)
    ids = np.arange(300, dtype=np.int64)
    exact, half = ann.exact_index(vectors, ids), ann.fp16_index(vectors, ids)
    assert ann.index_bytes(half) < 0.6 * ann.index_bytes(exact)
    queries = unit_rows(20, 32, seed=5)
    assert ann.recall_at_k(ann.search_ids(half, queries, 10), ann.search_ids(exact, queries, 10)) >= 0.95


def test_only_hnsw_cannot_remove_vectors() -> None:
    assert ann.removal_supported(ann.EXACT)
    assert ann.removal_supported(ann.EXACT_FP16)
    assert ann.removal_supported(ann.IVF)
    assert not ann.removal_supported(ann.HNSW)


def test_bench_ivf_is_the_product_layout_with_the_requested_lists() -> None:
    vectors = unit_rows(300, 16, seed=6)
    index = ann.ivf_index(vectors, np.arange(300, dtype=np.int64) + 1000, nlist=6)
    assert faiss_layout.plan_of(index).kind == faiss_layout.IVF
    assert faiss_layout.plan_of(index).nlist == 6
    assert index.reconstruct(1007).tolist() == pytest.approx(vectors[7].tolist())  # chunk ids, as the store needs


def shipped(plan: faiss_layout.IndexPlan, tmp_path: Path) -> VariantResult:
    vectors = unit_rows(400, 16, seed=7)
    ids = np.arange(400, dtype=np.int64) * 2
    queries = unit_rows(12, 16, seed=8)
    exact = ann.exact_index(vectors, ids)
    allowed = ids[::4]
    truth = ann.search_ids(exact, queries, 10)
    filtered_truth = ann.search_ids(exact, queries, 10, ann.search_parameters(ann.EXACT, None, allowed))
    config = ScaleConfig(sizes=(400,), latency_queries=5, exact_latency_queries=4)
    return shipped_variant(plan, vectors, ids, "uniform", queries, truth, filtered_truth, allowed, config, tmp_path)


def test_shipped_exact_layout_matches_exact_search(tmp_path: Path) -> None:
    result = shipped(faiss_layout.IndexPlan(faiss_layout.EXACT), tmp_path)
    assert result.kind == SHIPPED and result.layout == {"kind": "exact", "nlist": 0, "nprobe": 0, "half": False}
    assert result.chosen is None and len(result.settings) == 1
    assert result.settings[0].recall_at_10 == 1.0 and result.filtered_recall_at_10 == 1.0
    assert result.settings[0].latency.n == 4  # exact search: the shorter query list


def test_shipped_ivf_layout_is_searched_with_its_own_nprobe(tmp_path: Path) -> None:
    everything = shipped(faiss_layout.IndexPlan(faiss_layout.IVF, nlist=8, nprobe=8), tmp_path)
    assert everything.chosen == 8 and everything.settings[0].value == 8
    assert everything.settings[0].recall_at_10 == 1.0  # every list probed: exact results
    assert everything.filtered_recall_at_10 == 1.0
    assert everything.settings[0].latency.n == 5
    one_list = shipped(faiss_layout.IndexPlan(faiss_layout.IVF, nlist=8, nprobe=1), tmp_path)
    assert one_list.settings[0].recall_at_10 < 1.0  # uniform data: one list of eight misses neighbours
