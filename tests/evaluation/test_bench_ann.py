"""Recall@10 of approximate vs exact results, the index variants and the index-type rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluation.bench import ann


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


def test_rule_keeps_exact_search_up_to_the_limit() -> None:
    assert ann.choose_index(0) == ann.IndexPlan(ann.EXACT)
    assert ann.choose_index(ann.EXACT_LIMIT) == ann.IndexPlan(ann.EXACT)


def test_rule_switches_to_ivf_with_sqrt_lists_and_3_percent_probes() -> None:
    plan = ann.choose_index(1_000_000)
    assert plan == ann.IndexPlan(ann.IVF, nlist=1000, nprobe=30)
    larger = ann.choose_index(4_000_000)
    assert larger.nlist == 2000 and larger.nprobe == math.ceil(2000 * 0.03)
    assert ann.choose_index(300_000, exact_limit=500_000).kind == ann.EXACT


def test_rule_rejects_negative_sizes() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        ann.choose_index(-1)
