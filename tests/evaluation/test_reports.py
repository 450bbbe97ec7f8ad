"""Reports: Markdown tables, standard JSON and heatmaps from hand-made task results."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evaluation.config_hash import RunConfig
from evaluation.metrics import compare_runs, ranking_to_run_entry
from evaluation.reports import ReportSection, report_relative, write_report
from evaluation.results import TaskResult

TAGS = ("en", "mk")


def _result(mode: str, mrr: dict[str, float]) -> TaskResult:
    pairs = {"q1": "en>mk", "q2": "en>mk", "q3": "mk>en"}
    return TaskResult(
        task="ntrex-headline",
        mode=mode,
        config=RunConfig(task="ntrex-headline", model_id="fake:64", mode=mode, k=10),
        metrics=("mrr@10",),
        scores={"mrr@10": mrr},
        groups={"pair": pairs, "query language": {q: p[:2] for q, p in pairs.items()}},
    )


def test_pair_matrix_averages_per_pair_and_leaves_diagonal_empty() -> None:
    result = _result("dense", {"q1": 1.0, "q2": 0.5, "q3": 0.25})
    matrix = result.matrix("mrr@10", TAGS)
    assert math.isnan(matrix[0][0]) and math.isnan(matrix[1][1])
    assert matrix[0][1] == pytest.approx(0.75)
    assert matrix[1][0] == pytest.approx(0.25)


def test_report_writes_markdown_json_and_heatmap(tmp_path: Path) -> None:
    dense = _result("dense", {"q1": 1.0, "q2": 0.5, "q3": 0.25})
    hybrid = _result("hybrid", {"q1": 1.0, "q2": 1.0, "q3": 0.5})
    qrels = {"q1": {"d": 1}, "q2": {"d": 1}, "q3": {"d": 1}}
    dense.run, dense.qrels = {q: ranking_to_run_entry(["x", "d"]) for q in qrels}, qrels
    comparison = compare_runs(qrels, dense.run, {q: ranking_to_run_entry(["d"]) for q in qrels}, ["mrr@10"])
    section = ReportSection(
        task="ntrex-headline",
        title="Headlines",
        results=[dense, hybrid],
        groupings=["query language"],
        matrix_metrics=["mrr@10"],
        tags=TAGS,
        comparisons=[("dense", "hybrid", comparison)],
        notes=["a note"],
    )
    files = write_report(tmp_path, "demo", "Demo report", [section], {"model": "fake:64", "seconds": 1.5})

    markdown = files.markdown.read_text(encoding="utf-8")
    assert "# Demo report" in markdown and "> a note" in markdown
    assert "| dense | 3 | 0.583 [" in markdown  # (1 + 0.5 + 0.25) / 3
    assert "| hybrid | 3 | 0.833 [" in markdown
    assert "| en | – | 0.750 |" in markdown and "| mk | 0.250 | – |" in markdown
    assert "| en | 2 | 0.750 [" in markdown  # by query language, n = 2

    data = json.loads(files.json.read_text(encoding="utf-8"))
    section_json = data["sections"][0]
    assert section_json["results"][0]["overall"]["mrr@10"]["n"] == 3
    assert section_json["results"][0]["matrices"]["mrr@10"]["values"][0] == [None, 0.75]
    assert section_json["comparisons"][0]["metrics"][0]["mean_b"] == pytest.approx(1.0)

    assert len(files.images) == 1
    assert files.images[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"]({files.images[0].name})" in markdown
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


def test_run_files_inside_the_report_folder_are_recorded_relative_to_it(tmp_path: Path) -> None:
    assert report_relative(str(tmp_path / "runs" / "a.run.json"), tmp_path) == "runs/a.run.json"
    outside = str(tmp_path.parent / "elsewhere.run.json")
    assert report_relative(outside, tmp_path / "reports") == outside
    assert report_relative("", tmp_path) == ""
