"""Choosing the hybrid fusion on the dev fold: the grid, the objective, the choice, the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.config_hash import RunConfig
from experiments.fusion_tuning import (
    OBJECTIVE_METRICS,
    REFERENCE,
    GridRow,
    best_setting,
    fusion_grid,
    named_setting,
    objective,
    report_fold,
    tune_fusion,
)
from evaluation.results import TaskResult
from index.fusion import DEFAULT_FUSION, FusionConfig


def test_the_grid_crosses_both_rrf_ks_with_every_rule_variant() -> None:
    grid = fusion_grid()
    assert len(grid) == 18 and len({config.name for config in grid}) == 18
    assert {config.k for config in grid} == {20, 60}
    assert {config.rule for config in grid} == {"length", "language", "exact", "balanced"}
    assert REFERENCE in grid  # the rule before tuning is measured too


def test_the_objective_is_the_mean_of_the_primary_metrics() -> None:
    assert objective({"headline": 0.9, "passage": 0.6, "mixed": 0.3}) == pytest.approx(0.6)
    with pytest.raises(ValueError, match="missing mixed"):
        objective({"headline": 0.9, "passage": 0.6})


def row(label: str, config: FusionConfig | None, values: dict[str, list[float]]) -> GridRow:
    results = {}
    for task, per_query in values.items():
        metric = OBJECTIVE_METRICS[task]
        scores = {metric: {f"q{i}": value for i, value in enumerate(per_query)}}
        results[task] = TaskResult(task, label, RunConfig(task, "fake", label, 10), (metric,), scores)
    return GridRow(label, config, results)


def test_the_best_hybrid_setting_wins_and_ties_go_to_the_earlier_one() -> None:
    a, b = FusionConfig(k=20), FusionConfig(k=60)
    rows = [
        row("dense", None, {"headline": [1.0], "passage": [1.0], "mixed": [1.0]}),  # never chosen: not hybrid
        row(a.name, a, {"headline": [0.5, 1.0], "passage": [0.5], "mixed": [0.6]}),
        row(b.name, b, {"headline": [0.75], "passage": [0.5], "mixed": [0.6]}),
    ]
    assert rows[1].objective == pytest.approx((0.75 + 0.5 + 0.6) / 3)
    assert best_setting(rows) is rows[1]
    rows[2] = row(b.name, b, {"headline": [0.8], "passage": [0.5], "mixed": [0.6]})
    assert best_setting(rows) is rows[2]
    with pytest.raises(ValueError, match="no hybrid"):
        best_setting(rows[:1])


def test_settings_are_named_by_their_grid_names() -> None:
    assert named_setting(None) == DEFAULT_FUSION
    assert named_setting("k20-exact-0.1") == FusionConfig(k=20, rule="exact", tie_break_weight=0.1)
    with pytest.raises(ValueError, match="unknown fusion setting 'k7-magic'"):
        named_setting("k7-magic")


def test_tuning_runs_on_the_dev_fold_and_reports_every_setting(
    eval_settings, cached_fake, ntrex_dir: Path, tmp_path: Path
) -> None:
    result = tune_fusion(eval_settings, cached_fake, ntrex_dir, 1, tmp_path / "out", progress=False)
    assert len(result.rows) == 20  # dense, lexical, 18 hybrid settings
    for grid_row in result.rows:
        assert set(grid_row.results) == {"headline", "passage", "mixed"}
        assert all(item.config.data["fold"] == "dev" for item in grid_row.results.values())
    hybrid = [r for r in result.rows if r.config is not None]
    assert result.best.objective == max(r.objective for r in hybrid)
    payload = json.loads(result.json.read_text(encoding="utf-8"))
    assert payload["best"] == result.best.label
    assert [item["setting"] for item in payload["rows"]][0] == max(result.rows, key=lambda r: r.objective).label
    text = result.markdown.read_text(encoding="utf-8")
    assert f"`{result.best.label}`" in text and "dev fold" in text
    assert all(f"`{config.name}`" in text for config in fusion_grid())


def test_a_fold_report_compares_hybrid_with_the_other_modes(
    eval_settings, cached_fake, ntrex_dir: Path, tmp_path: Path
) -> None:
    config = FusionConfig(k=20, rule="language")
    files, sections = report_fold(eval_settings, cached_fake, ntrex_dir, "test", 1, tmp_path / "out", config, False)
    assert [section.task for section in sections] == ["ntrex-headline", "ntrex-passage", "ntrex-mixed"]
    for section in sections:
        assert [result.mode for result in section.results] == ["dense", "lexical", "hybrid"]  # index.search.MODES
        assert [(a, b) for a, b, _ in section.comparisons] == [("dense", "hybrid"), ("lexical", "hybrid")]
        assert section.results[2].config.data["fusion"] == config.as_dict()
    text = files.markdown.read_text(encoding="utf-8")
    assert "test fold" in text and "k20-language-0.5-family" in text
