"""Markdown + JSON reports of an evaluation, with heatmaps of the language-pair matrices.

A report has free-form facts (configuration, timings, data composition), notes, and one
section per task; each section compares the retrieval modes, breaks the metrics down by the
task's groupings (with n and bootstrap intervals) and shows pair matrices as tables and PNGs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.metrics import Comparison, Summary, metric_label
from evaluation.results import TaskResult, summaries_to_dict
from index.durable import atomic_replace, atomic_write_text


@dataclass
class ReportSection:
    task: str
    title: str
    results: list[TaskResult]  # one per retrieval mode
    groupings: list[str] = field(default_factory=list)
    matrix_metrics: list[str] = field(default_factory=list)  # shown as source x target matrices
    tags: tuple[str, ...] = ()
    comparisons: list[tuple[str, str, list[Comparison]]] = field(default_factory=list)  # (mode A, mode B, ...)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    json: Path
    images: tuple[Path, ...]


def write_report(
    out_dir: Path,
    name: str,
    title: str,
    sections: Sequence[ReportSection],
    facts: dict[str, Any],
    notes: Sequence[str] = (),
) -> ReportFiles:
    out_dir.mkdir(parents=True, exist_ok=True)
    images: list[Path] = []
    lines = [f"# {title}", ""]
    lines += [f"- **{key}**: {_fact(value)}" for key, value in facts.items()]
    lines += [""] + [f"> {note}" for note in notes] + ([""] if notes else [])
    for section in sections:
        lines += _section_markdown(section)
        for metric in section.matrix_metrics:
            image = out_dir / f"{name}-{section.task}-{metric.replace('@', '_at_')}.png"
            plot_pair_heatmaps(image, section, metric)
            images.append(image)
            lines += [f"![{section.title}: {metric_label(metric)}]({image.name})", ""]
    markdown = out_dir / f"{name}.md"
    atomic_write_text(markdown, "\n".join(lines).rstrip() + "\n")
    json_path = out_dir / f"{name}.json"
    payload = {"title": title, "facts": facts, "notes": list(notes), "sections": [_section_json(s, out_dir) for s in sections]}
    atomic_write_text(json_path, json.dumps(_finite(payload), ensure_ascii=False, indent=1, default=str) + "\n")
    return ReportFiles(markdown, json_path, tuple(images))


def format_summary(summary: Summary) -> str:
    if summary.n == 0 or math.isnan(summary.mean):
        return "–"
    return f"{summary.mean:.3f} [{summary.low:.3f}, {summary.high:.3f}]"


def _section_markdown(section: ReportSection) -> list[str]:
    lines = [f"## {section.title}", ""]
    lines += [f"> {note}" for note in section.notes] + ([""] if section.notes else [])
    if not section.results:
        return lines + ["(no results)", ""]
    metrics = list(section.results[0].metrics)
    lines += ["### Modes (mean [95% bootstrap CI])", ""]
    lines += _table(["mode", "n", *map(metric_label, metrics)], [
        [result.mode, str(result.n), *(format_summary(result.overall()[metric]) for metric in metrics)]
        for result in section.results
    ])
    for mode_a, mode_b, comparisons in section.comparisons:
        lines += [f"### {mode_b} (B) vs {mode_a} (A), paired over the same queries (* = significant)", ""]
        lines += _table(["metric", mode_a, mode_b, "B − A [95% CI]", "p", "B wins / ties / A wins"], [
            [
                metric_label(item.metric),
                f"{item.mean_a:.3f}",
                f"{item.mean_b:.3f}",
                format_summary(item.difference),
                f"{item.p_value:.4f}{' *' if item.significant else ''}",
                f"{item.wins_b} / {item.ties} / {item.wins_a}",
            ]
            for item in comparisons
        ])
    for grouping in section.groupings:
        for result in section.results:
            breakdown = result.breakdown(grouping)
            labels = [label for label in breakdown if label != "all"]
            lines += [f"### By {grouping} — {result.mode}", ""]
            lines += _table([grouping, "n", *map(metric_label, metrics)], [
                [label, str(breakdown[label][metrics[0]].n), *(format_summary(breakdown[label][m]) for m in metrics)]
                for label in sorted(labels)
            ])
    for metric in section.matrix_metrics:
        for result in section.results:
            matrix = result.matrix(metric, section.tags)
            lines += [f"### {metric_label(metric)} matrix — {result.mode} (rows: query language, columns: target)", ""]
            lines += _table(["query \\ target", *section.tags], [
                [source, *("–" if math.isnan(value) else f"{value:.3f}" for value in row)]
                for source, row in zip(section.tags, matrix)
            ])
    return lines


def report_relative(path: str, out_dir: Path) -> str:
    """``path`` relative to the report folder when it lies inside it, so reports can be moved and shared."""
    if not path:
        return path
    try:
        return Path(path).resolve().relative_to(out_dir.resolve()).as_posix()
    except ValueError:
        return path


def _section_json(section: ReportSection, out_dir: Path) -> dict[str, Any]:
    return {
        "task": section.task,
        "title": section.title,
        "notes": section.notes,
        "results": [
            {
                "mode": result.mode,
                "run_name": result.config.run_name,
                "config_hash": result.config.hash,
                "config": result.config.as_dict(),
                "run_file": report_relative(result.run_file, out_dir),
                "n": result.n,
                "overall": {metric: summary.as_dict() for metric, summary in result.overall().items()},
                "breakdowns": {grouping: summaries_to_dict(result.breakdown(grouping)) for grouping in section.groupings},
                "matrices": {
                    metric: {"tags": list(section.tags), "values": result.matrix(metric, section.tags)}
                    for metric in section.matrix_metrics
                },
                "extra": result.extra,
            }
            for result in section.results
        ],
        "comparisons": [
            {"mode_a": mode_a, "mode_b": mode_b, "metrics": [item.as_dict() for item in items]}
            for mode_a, mode_b, items in section.comparisons
        ],
    }


def plot_pair_heatmaps(path: Path, section: ReportSection, metric: str) -> None:
    """One annotated source x target heatmap per mode, side by side (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    tags = list(section.tags)
    count = len(section.results)
    figure, axes = plt.subplots(1, count, figsize=(5.2 * count, 4.4), squeeze=False, gridspec_kw={"wspace": 0.35})
    for position, (axis, result) in enumerate(zip(axes[0], section.results)):
        values = np.array(result.matrix(metric, tags), dtype=float)
        image = axis.imshow(np.ma.masked_invalid(values), vmin=0.0, vmax=1.0, cmap="viridis")
        axis.set_xticks(range(len(tags)), tags, rotation=45, ha="right")
        axis.set_yticks(range(len(tags)), tags)
        axis.set_xlabel("target language (filter)")
        if position == 0:
            axis.set_ylabel("query language")
        axis.set_title(f"{metric_label(metric)} — {result.mode}")
        for row in range(len(tags)):
            for column in range(len(tags)):
                if not math.isnan(values[row, column]):
                    colour = "black" if values[row, column] > 0.6 else "white"
                    axis.text(column, row, f"{values[row, column]:.2f}", ha="center", va="center", fontsize=8, color=colour)
    figure.colorbar(image, ax=axes[0].tolist(), shrink=0.8)
    figure.suptitle(section.title)
    with atomic_replace(path) as temporary:
        figure.savefig(temporary, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _fact(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_fact(item)}" for key, item in value.items())
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _finite(value: Any) -> Any:
    """NaN/inf become null so the JSON is standard."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def build_summary(build: Any) -> str:
    """One line about an ``index.build.BuildReport``: reused as is, or what was embedded."""
    size = f"{build.releases} releases, {build.chunks} chunks"
    if not build.written:
        return f"{size}; unchanged, live generation reused ({build.seconds:.1f} s)"
    return (
        f"{size}; chunks embedded {build.chunks_embedded}, from the embedding cache {build.cache_hits}, "
        f"{build.seconds:.1f} s"
    )
