"""Paired comparisons of retrieval modes evaluated on the same queries."""

from __future__ import annotations

from collections.abc import Sequence

from evaluation.metrics import Comparison, compare_runs
from evaluation.results import TaskResult


def compare_modes(
    results: Sequence[TaskResult],
    metrics: Sequence[str],
    default_mode: str = "hybrid",
    stat_test: str = "fisher",
) -> list[tuple[str, str, list[Comparison]]]:
    """Every other mode (A) against the default mode (B) on ``metrics`` (ranx metric names)."""
    by_mode = {result.mode: result for result in results}
    target = by_mode.get(default_mode)
    if target is None:
        return []
    return [
        (result.mode, target.mode, compare_runs(target.qrels, result.run, target.run, metrics, stat_test=stat_test,
                                                names=(result.mode, target.mode)))
        for result in results
        if result.mode != target.mode
    ]
