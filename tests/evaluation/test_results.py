"""Saved runs (ranx JSON + sidecar + qrels) and the A/B comparison of two of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.compare import IncomparableRunsError, compare_saved_runs, write_comparison
from evaluation.config_hash import RunConfig
from evaluation.formats import EvaluationFormatError
from evaluation.metrics import per_query_scores, ranking_to_run_entry
from evaluation.results import TaskResult, load_saved_run, save_task_run

QRELS = {f"q{i}": {"good": 1} for i in range(6)}
LANGS = {f"q{i}": ("en" if i < 4 else "mk") for i in range(6)}


def _saved(runs_dir: Path, mode: str, rankings: dict[str, list[str]], qrels=QRELS) -> Path:
    run = {query: ranking_to_run_entry(ranking) for query, ranking in rankings.items()}
    result = TaskResult(
        task="golden",
        mode=mode,
        config=RunConfig(task="golden", model_id="fake:64", mode=mode, k=10, data={"n": len(qrels)}),
        metrics=("answer@1", "mrr@10"),
        scores={"answer@1": {q: 1.0 for q in qrels}, **per_query_scores(qrels, run, ["mrr@10"])},
        groups={"query language": {q: LANGS[q] for q in qrels}},
    )
    return save_task_run(runs_dir, result, run, qrels)


def test_saved_run_loads_back_with_qrels_and_meta(tmp_path: Path) -> None:
    path = _saved(tmp_path, "dense", {q: ["bad", "good"] for q in QRELS})
    saved = load_saved_run(path)
    assert saved.qrels == QRELS
    assert list(saved.run["q0"]) == ["bad", "good"]
    assert saved.meta["mode"] == "dense" and saved.meta["ranx_metrics"] == ["mrr@10"]
    assert saved.meta["other_scores"]["answer@1"]["q0"] == 1.0
    assert path.name == f"{saved.meta['name']}.run.json"
    assert load_saved_run(path.with_name(path.name.replace(".run.json", ".meta.json"))).run == saved.run


def test_comparison_of_two_saved_runs(tmp_path: Path) -> None:
    path_a = _saved(tmp_path, "dense", {q: ["bad", "good"] for q in QRELS})  # MRR 0.5 everywhere
    path_b = _saved(tmp_path, "hybrid", {q: (["good"] if q != "q5" else ["bad", "good"]) for q in QRELS})
    result = compare_saved_runs(path_a, path_b, stat_test="student")
    (item,) = result.comparisons
    assert item.mean_a == pytest.approx(0.5)
    assert item.mean_b == pytest.approx((5 * 1.0 + 0.5) / 6)
    assert (item.wins_b, item.ties, item.wins_a) == (5, 1, 0)
    assert result.breakdown["en"]["mrr@10"] == {"n": 4, "a": 0.5, "b": 1.0}
    assert result.breakdown["mk"]["mrr@10"] == {"n": 2, "a": 0.5, "b": 0.75}

    written = write_comparison(result, tmp_path / "out")
    assert "| MRR@10 | 0.500 | 0.917 |" in written.markdown.read_text(encoding="utf-8")
    assert json.loads(written.json.read_text(encoding="utf-8"))["comparisons"][0]["wins_b"] == 5


def test_runs_on_different_judgements_are_refused(tmp_path: Path) -> None:
    path_a = _saved(tmp_path, "dense", {q: ["good"] for q in QRELS})
    other = {query: {"other": 1} for query in QRELS}
    path_b = _saved(tmp_path / "b", "dense", {q: ["good"] for q in QRELS}, qrels=other)
    with pytest.raises(IncomparableRunsError, match="qrels differ"):
        compare_saved_runs(path_a, path_b)


def test_run_without_sidecar_is_refused(tmp_path: Path) -> None:
    path = _saved(tmp_path, "dense", {q: ["good"] for q in QRELS})
    path.with_name(path.name.replace(".run.json", ".meta.json")).unlink()
    with pytest.raises(EvaluationFormatError, match="sidecar not found"):
        load_saved_run(path)
