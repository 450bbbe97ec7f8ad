"""Metric plumbing on tiny runs whose scores are computed by hand."""

from __future__ import annotations

import math

import pytest

from evaluation.metrics import (
    bootstrap_ci,
    compare_runs,
    metric_label,
    per_query_scores,
    ranking_to_run_entry,
    runs_to_releases,
    summarize,
    summarize_groups,
)

# q1: one relevant item (d1) at rank 2; q2: d3 (grade 1) at rank 1 and d2 (grade 2) at rank 3.
QRELS = {"q1": {"d1": 1}, "q2": {"d2": 2, "d3": 1}}
RUN = {
    "q1": ranking_to_run_entry(["d0", "d1", "d2"]),
    "q2": ranking_to_run_entry(["d3", "d4", "d2"]),
}


def test_mrr_recall_ndcg_match_hand_computation() -> None:
    scores = per_query_scores(QRELS, RUN, ["mrr@10", "recall@1", "recall@5", "ndcg@10", "hit_rate@1"])

    assert scores["mrr@10"] == pytest.approx({"q1": 1 / 2, "q2": 1.0})
    assert scores["recall@1"] == pytest.approx({"q1": 0.0, "q2": 1 / 2})
    assert scores["recall@5"] == pytest.approx({"q1": 1.0, "q2": 1.0})
    assert scores["hit_rate@1"] == pytest.approx({"q1": 0.0, "q2": 1.0})
    # q1: DCG = 1/log2(3), ideal DCG = 1. q2: DCG = 1/log2(2) + 2/log2(4) = 2, ideal = 2 + 1/log2(3).
    assert scores["ndcg@10"]["q1"] == pytest.approx(1 / math.log2(3))
    assert scores["ndcg@10"]["q2"] == pytest.approx(2 / (2 + 1 / math.log2(3)))


def test_cutoff_excludes_hits_below_k() -> None:
    scores = per_query_scores(QRELS, RUN, ["mrr@1", "recall@2"])
    assert scores["mrr@1"] == pytest.approx({"q1": 0.0, "q2": 1.0})
    # q2 has d3 (relevant) in the top 2 but d2 only at rank 3: half of its relevant items.
    assert scores["recall@2"] == pytest.approx({"q1": 1.0, "q2": 1 / 2})


def test_judged_query_missing_from_run_scores_zero_and_unjudged_queries_are_ignored() -> None:
    run = {"q1": ranking_to_run_entry(["d1"]), "q9": ranking_to_run_entry(["d1"])}
    scores = per_query_scores(QRELS, run, ["mrr@10"])
    assert scores["mrr@10"] == pytest.approx({"q1": 1.0, "q2": 0.0})


def test_query_without_relevant_items_is_refused() -> None:
    with pytest.raises(ValueError, match="without any relevant item"):
        per_query_scores({"q1": {"d1": 0}}, {"q1": {"d1": 1.0}}, ["mrr@10"])


def test_ranking_scores_strictly_decrease() -> None:
    entry = ranking_to_run_entry(["a", "b", "c"])
    assert list(entry) == ["a", "b", "c"]
    assert entry["a"] > entry["b"] > entry["c"]


def test_chunk_ranking_maps_to_first_occurrence_of_each_release() -> None:
    release_of = {"c1": "r1", "c2": "r2", "c3": "r1", "c4": "r3", "c5": "r4"}
    assert runs_to_releases(["c1", "c2", "c3", "c4", "c5"], release_of, depth=10) == ["r1", "r2", "r3", "r4"]
    assert runs_to_releases(["c3", "c1", "c2", "c4"], release_of, depth=2) == ["r1", "r2"]


def test_bootstrap_of_two_point_sample_spans_both_values() -> None:
    # Resampled means of [0, 1] are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4:
    # the 2.5th percentile is 0 and the 97.5th is 1.
    assert bootstrap_ci([0.0, 1.0]) == (0.0, 1.0)


def test_bootstrap_of_constant_sample_is_a_point() -> None:
    assert bootstrap_ci([0.25] * 7) == (0.25, 0.25)


def test_bootstrap_interval_is_reproducible_and_near_normal_approximation() -> None:
    sample = [1.0] * 60 + [0.0] * 40
    low, high = bootstrap_ci(sample)
    assert bootstrap_ci(sample) == (low, high)
    half_width = 1.96 * math.sqrt(0.6 * 0.4 / 100)  # about 0.096
    assert low == pytest.approx(0.6 - half_width, abs=0.03)
    assert high == pytest.approx(0.6 + half_width, abs=0.03)
    assert bootstrap_ci(sample, seed=1) != bootstrap_ci(sample, seed=2)


def test_summary_of_empty_sample_has_n_zero() -> None:
    summary = summarize([])
    assert summary.n == 0 and math.isnan(summary.mean)


def test_group_summaries_count_queries_per_group() -> None:
    scores = {"mrr@10": {"q1": 0.5, "q2": 1.0, "q3": 0.0}}
    groups = summarize_groups(scores, {"q1": "en", "q2": "en", "q3": "mk"})
    assert groups["all"]["mrr@10"].n == 3
    assert groups["all"]["mrr@10"].mean == pytest.approx(0.5)
    assert groups["en"]["mrr@10"].n == 2
    assert groups["en"]["mrr@10"].mean == pytest.approx(0.75)
    assert groups["mk"]["mrr@10"].mean == 0.0


def test_compare_counts_wins_and_reports_difference() -> None:
    qrels = {f"q{i}": {"good": 1} for i in range(8)}
    run_a = {query: ranking_to_run_entry(["bad", "good"]) for query in qrels}  # MRR 0.5 everywhere
    run_b = {query: ranking_to_run_entry(["good", "bad"]) for query in qrels}  # MRR 1.0 everywhere
    run_b["q0"] = ranking_to_run_entry(["bad", "good"])
    (result,) = compare_runs(qrels, run_a, run_b, ["mrr@10"], stat_test="student")
    assert result.mean_a == pytest.approx(0.5)
    assert result.mean_b == pytest.approx((7 * 1.0 + 0.5) / 8)
    assert (result.wins_b, result.ties, result.wins_a) == (7, 1, 0)
    assert result.difference.mean == pytest.approx(7 * 0.5 / 8)
    assert result.significant and result.p_value < 0.05


def test_compare_of_identical_runs_is_not_significant() -> None:
    qrels = {f"q{i}": {"good": 1} for i in range(6)}
    run = {query: ranking_to_run_entry(["bad", "good"]) for query in qrels}
    (result,) = compare_runs(qrels, run, run, ["mrr@10"], stat_test="fisher")
    assert result.difference.mean == 0.0
    assert not result.significant


def test_compare_rejects_unknown_test() -> None:
    with pytest.raises(ValueError, match="unknown significance test"):
        compare_runs(QRELS, RUN, RUN, ["mrr@10"], stat_test="wilcoxon")


def test_metric_labels() -> None:
    assert metric_label("ndcg@10") == "nDCG@10"
    assert metric_label("recall@5") == "R@5"
    assert metric_label("hit_rate@10") == "R@10 (any)"
    assert metric_label("mrr@10") == "MRR@10"
