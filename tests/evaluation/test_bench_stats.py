"""Percentiles and latency summaries of the bench, on samples small enough to compute by hand."""

from __future__ import annotations

import pytest

from evaluation.bench.stats import LatencySummary, percentile, time_each


def test_percentile_interpolates_linearly_between_closest_ranks() -> None:
    samples = [4.0, 1.0, 3.0, 2.0]  # sorted 1 2 3 4; rank = q/100 * 3
    assert percentile(samples, 0) == 1.0
    assert percentile(samples, 50) == pytest.approx(2.5)  # rank 1.5
    assert percentile(samples, 95) == pytest.approx(3.85)  # rank 2.85
    assert percentile(samples, 99) == pytest.approx(3.97)  # rank 2.97
    assert percentile(samples, 100) == 4.0


def test_percentile_of_one_sample_is_that_sample() -> None:
    assert percentile([7.5], 99) == 7.5


def test_percentile_refuses_empty_samples_and_bad_ranks() -> None:
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 50)
    with pytest.raises(ValueError, match="0..100"):
        percentile([1.0], 101)


def test_summary_reports_milliseconds() -> None:
    summary = LatencySummary.of_seconds([0.001, 0.002, 0.003, 0.004, 0.010])
    assert summary.n == 5
    assert summary.mean_ms == pytest.approx(4.0)
    assert summary.p50_ms == pytest.approx(3.0)
    assert summary.p95_ms == pytest.approx(8.8)  # rank 3.8 between 4 and 10
    assert summary.p99_ms == pytest.approx(9.76)  # rank 3.96
    assert summary.max_ms == pytest.approx(10.0)


def test_time_each_returns_one_duration_per_item_in_order() -> None:
    seen: list[object] = []
    seconds = time_each(seen.append, ["a", "b", "c"])
    assert seen == ["a", "b", "c"]
    assert len(seconds) == 3
    assert all(value >= 0 for value in seconds)
