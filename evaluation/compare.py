"""A/B comparison of two saved runs of the same task and data (``assistant eval compare``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.metrics import Comparison, compare_runs, metric_label, per_query_scores
from evaluation.reports import format_summary
from evaluation.results import SavedRun, load_saved_run
from index.durable import atomic_write_text

BREAKDOWN_GROUPING = "query language"


class IncomparableRunsError(ValueError):
    """The two runs were not made on the same queries and judgements."""


@dataclass
class RunComparison:
    name_a: str
    name_b: str
    metrics: list[str]
    stat_test: str
    comparisons: list[Comparison]
    breakdown: dict[str, dict[str, dict[str, float]]]  # label -> metric -> {n, a, b}
    markdown: Path | None = None
    json: Path | None = None


def comparable_metrics(first: SavedRun, second: SavedRun) -> list[str]:
    if first.qrels != second.qrels:
        raise IncomparableRunsError(
            f"runs {first.meta.get('name')} and {second.meta.get('name')} were made on different queries or "
            "judgements (their qrels differ); compare runs of the same task and data slice"
        )
    wanted = set(second.meta.get("ranx_metrics", []))
    metrics = [metric for metric in first.meta.get("ranx_metrics", []) if metric in wanted]
    if not metrics:
        raise IncomparableRunsError("the two runs share no ranx metric to compare")
    return metrics


def compare_saved_runs(
    path_a: Path, path_b: Path, stat_test: str = "fisher", max_p: float = 0.05
) -> RunComparison:
    first, second = load_saved_run(path_a), load_saved_run(path_b)
    metrics = comparable_metrics(first, second)
    names = (str(first.meta["name"]), str(second.meta["name"]))
    comparisons = compare_runs(first.qrels, first.run, second.run, metrics, stat_test=stat_test, max_p=max_p, names=names)
    return RunComparison(
        name_a=names[0],
        name_b=names[1],
        metrics=metrics,
        stat_test=stat_test,
        comparisons=comparisons,
        breakdown=_breakdown(first, second, metrics),
    )


def _breakdown(first: SavedRun, second: SavedRun, metrics: Sequence[str]) -> dict[str, dict[str, dict[str, float]]]:
    labels: dict[str, str] = first.meta.get("groups", {}).get(BREAKDOWN_GROUPING, {})
    scores_a = per_query_scores(first.qrels, first.run, metrics)
    scores_b = per_query_scores(first.qrels, second.run, metrics)
    members: dict[str, list[str]] = {}
    for query in first.qrels:
        members.setdefault(labels.get(query, "all"), []).append(query)
    return {
        label: {
            metric: {
                "n": len(queries),
                "a": float(np.mean([scores_a[metric][query] for query in queries])),
                "b": float(np.mean([scores_b[metric][query] for query in queries])),
            }
            for metric in metrics
        }
        for label, queries in sorted(members.items())
    }


def write_comparison(result: RunComparison, out_dir: Path) -> RunComparison:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"compare-{result.name_a}-vs-{result.name_b}"
    test = {"fisher": "Fisher's randomization test", "student": "paired t-test"}[result.stat_test]
    lines = [
        f"# {result.name_b} (B) vs {result.name_a} (A)",
        "",
        f"Paired over the same queries; p from {test} (ranx.compare); B − A with a 95% percentile bootstrap "
        "interval (1000 resamples, fixed seed).",
        "",
        "| metric | A | B | B − A [95% CI] | p | B wins / ties / A wins |",
        "|---|---|---|---|---|---|",
    ]
    for item in result.comparisons:
        lines.append(
            f"| {metric_label(item.metric)} | {item.mean_a:.3f} | {item.mean_b:.3f} | {format_summary(item.difference)} "
            f"| {item.p_value:.4f}{' *' if item.significant else ''} | {item.wins_b} / {item.ties} / {item.wins_a} |"
        )
    lines += ["", f"## By {BREAKDOWN_GROUPING}", ""]
    lines += ["| " + " | ".join([BREAKDOWN_GROUPING, "n", *(f"{metric_label(m)} A → B" for m in result.metrics)]) + " |"]
    lines += ["|" + "|".join("---" for _ in range(len(result.metrics) + 2)) + "|"]
    for label, values in result.breakdown.items():
        n = next(iter(values.values()))["n"]
        cells = [f"{values[m]['a']:.3f} → {values[m]['b']:.3f}" for m in result.metrics]
        lines.append("| " + " | ".join([label, str(n), *cells]) + " |")
    result.markdown = out_dir / f"{stem}.md"
    result.json = out_dir / f"{stem}.json"
    atomic_write_text(result.markdown, "\n".join(lines) + "\n")
    payload: dict[str, Any] = {
        "run_a": result.name_a,
        "run_b": result.name_b,
        "stat_test": result.stat_test,
        "comparisons": [item.as_dict() for item in result.comparisons],
        "breakdown": result.breakdown,
    }
    atomic_write_text(result.json, json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return result
