"""What one evaluated task in one retrieval mode produced, and its saved run files.

A task result holds per-query scores (ranx metrics plus task-specific ones such as answer@1),
the groupings used for breakdowns (query language, document language, language pair...) and
where its run and qrels were saved. Runs are saved as ranx JSON named by the configuration hash,
beside a ``.meta.json`` sidecar that ``assistant eval compare`` reads.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.config_hash import RunConfig, config_hash
from evaluation.formats import EvaluationFormatError, Qrels, RunDict, load_run, read_qrels, save_run, write_qrels
from evaluation.metrics import Scores, Summary, summarize_groups
from index.durable import atomic_write_text

META_SUFFIX = ".meta.json"
RUN_SUFFIX = ".run.json"


@dataclass
class TaskResult:
    task: str
    mode: str
    config: RunConfig
    metrics: tuple[str, ...]  # display order of the keys of ``scores``
    scores: Scores
    groups: dict[str, dict[str, str]] = field(default_factory=dict)  # grouping -> query id -> label
    run_file: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    run: RunDict = field(default_factory=dict, repr=False)
    qrels: Qrels = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(next(iter(self.scores.values()), {}))

    def breakdown(self, grouping: str | None = None) -> dict[str, dict[str, Summary]]:
        """``{label: {metric: Summary}}`` for a grouping; ``all`` only when ``grouping`` is None."""
        labels = self.groups.get(grouping, {}) if grouping else {}
        summary = summarize_groups(self.scores, labels)
        return summary if grouping else {"all": summary["all"]}

    def overall(self) -> dict[str, Summary]:
        return self.breakdown()["all"]

    def matrix(self, metric: str, tags: Sequence[str], grouping: str = "pair") -> list[list[float]]:
        """Mean of ``metric`` per ``source>target`` label; NaN where a pair has no query."""
        means = {label: values[metric].mean for label, values in self.breakdown(grouping).items() if label != "all"}
        return [[means.get(f"{source}>{target}", math.nan) for target in tags] for source in tags]


@dataclass(frozen=True)
class SavedRun:
    run: RunDict
    qrels: Qrels
    meta: dict[str, Any]


def save_task_run(runs_dir: Path, result: TaskResult, run: RunDict, qrels: Qrels) -> Path:
    """Keep ``run``/``qrels`` on the result and write ``<run name>.run.json``, its sidecar and the
    qrels (named by their own hash)."""
    result.run, result.qrels = run, qrels
    runs_dir.mkdir(parents=True, exist_ok=True)
    name = result.config.run_name
    qrels_name = f"qrels-{result.task}-{config_hash({'qrels': qrels})}.tsv"
    qrels_path = runs_dir / qrels_name
    if not qrels_path.exists():
        write_qrels(qrels_path, qrels)
    run_path = runs_dir / f"{name}{RUN_SUFFIX}"
    save_run(run_path, run, name=name)
    ranx_metrics = _ranx_metric_names(result.metrics)
    meta = {
        "name": name,
        "task": result.task,
        "mode": result.mode,
        "config": result.config.as_dict(),
        "config_hash": result.config.hash,
        "qrels": qrels_name,
        "metrics": list(result.metrics),
        "ranx_metrics": ranx_metrics,
        "groups": result.groups,
        "other_scores": {metric: values for metric, values in result.scores.items() if metric not in ranx_metrics},
    }
    atomic_write_text(runs_dir / f"{name}{META_SUFFIX}", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    result.run_file = str(run_path)
    return run_path


def load_saved_run(path: Path) -> SavedRun:
    """A run saved by :func:`save_task_run`, given its ``.run.json`` (or its sidecar) path."""
    path = Path(path)
    stem = path.name.removesuffix(META_SUFFIX).removesuffix(RUN_SUFFIX)
    run_path, meta_path = path.with_name(stem + RUN_SUFFIX), path.with_name(stem + META_SUFFIX)
    if not meta_path.is_file():
        raise EvaluationFormatError(f"{meta_path}: sidecar not found; pass a run saved by `assistant eval`")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise EvaluationFormatError(f"{meta_path}: not valid JSON ({error.msg})") from error
    qrels_path = meta_path.with_name(str(meta.get("qrels", "")))
    if not qrels_path.is_file():
        raise EvaluationFormatError(f"{qrels_path}: qrels of run {stem} not found")
    return SavedRun(run=load_run(run_path), qrels=read_qrels(qrels_path), meta=meta)


def _ranx_metric_names(metrics: Sequence[str]) -> list[str]:
    ranx_names = {"recall", "mrr", "ndcg", "hit_rate", "precision", "map"}
    return [metric for metric in metrics if metric.partition("@")[0] in ranx_names]


def summaries_to_dict(breakdown: Mapping[str, Mapping[str, Summary]]) -> dict[str, dict[str, dict[str, float]]]:
    return {label: {metric: summary.as_dict() for metric, summary in values.items()} for label, values in breakdown.items()}
