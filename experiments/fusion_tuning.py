"""Choose the hybrid fusion on the NTREX-128 dev fold, then report a fold with the chosen setting.

``tune`` runs every ``fusion_grid()`` setting (RRF k × lexical weight rule, see
``index.fusion``) plus dense and lexical on the three NTREX tasks of a dev-fold slice and
ranks the settings by ``objective``: the mean of headline MRR@10, passage MRR@10 and mixed
nDCG@10. It never touches the test fold. ``report`` evaluates lexical, dense and hybrid
(``index.fusion.DEFAULT_FUSION`` unless ``--fusion`` names a grid setting) on a slice of
either fold, with ranx significance of hybrid against the other modes; its runs can be
compared again with ``assistant eval compare``.

    python -m experiments.fusion_tuning tune --limit 20
    python -m experiments.fusion_tuning report --fold test --limit 16
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evaluation.config_hash import config_hash
from evaluation.metrics import Comparison, compare_runs, metric_label
from evaluation.ntrex import LANGUAGE_TAGS
from evaluation.results import TaskResult
from index.durable import atomic_write_text
from index.fusion import DEFAULT_FUSION, FusionConfig
from index.search import MODES

# The primary metric of each task; the objective is their unweighted mean.
OBJECTIVE_METRICS: dict[str, str] = {"headline": "mrr@10", "passage": "mrr@10", "mixed": "ndcg@10"}
TASKS = tuple(OBJECTIVE_METRICS)
REFERENCE = FusionConfig()  # the rule before tuning: k 60, length weight
RRF_KS = (20, 60)

console = Console()


def fusion_grid(ks: Sequence[int] = RRF_KS) -> list[FusionConfig]:
    """Every setting ``tune`` compares: each rule (with its variants) at each RRF k."""
    rules = [
        FusionConfig(rule="length"),
        FusionConfig(rule="language", other_language_factor=0.5),
        FusionConfig(rule="language", other_language_factor=0.0),
        FusionConfig(rule="language", other_language_factor=0.5, match_script=True),
        FusionConfig(rule="exact", tie_break_weight=0.0),
        FusionConfig(rule="exact", tie_break_weight=0.1),
        FusionConfig(rule="exact", tie_break_weight=0.3),
        FusionConfig(rule="exact", tie_break_weight=0.5),
        FusionConfig(rule="balanced"),
    ]
    return [FusionConfig(**{**rule.as_dict(), "k": k}) for k in ks for rule in rules]


def objective(means: Mapping[str, float]) -> float:
    """Mean of the tasks' primary metrics (``OBJECTIVE_METRICS``); every task must be present."""
    missing = [task for task in OBJECTIVE_METRICS if task not in means]
    if missing:
        raise ValueError(f"the objective needs every task; missing {', '.join(missing)}")
    return sum(means[task] for task in OBJECTIVE_METRICS) / len(OBJECTIVE_METRICS)


@dataclass
class GridRow:
    label: str  # "dense", "lexical" or a fusion setting's name
    config: FusionConfig | None
    results: dict[str, TaskResult] = field(default_factory=dict)  # task -> result

    def mean(self, task: str, metric: str | None = None) -> float:
        return self.results[task].overall()[metric or OBJECTIVE_METRICS[task]].mean

    @property
    def objective(self) -> float:
        return objective({task: self.mean(task) for task in self.results})


def best_setting(rows: Sequence[GridRow]) -> GridRow:
    """The hybrid row with the highest objective; on a tie the earlier row in grid order."""
    hybrid = [row for row in rows if row.config is not None]
    if not hybrid:
        raise ValueError("no hybrid setting was evaluated")
    return max(hybrid, key=lambda row: (row.objective, -hybrid.index(row)))


def paired_comparisons(row_a: GridRow, row_b: GridRow) -> dict[str, Comparison]:
    """B against A on each task's primary metric (ranx Fisher randomization test + bootstrap CI)."""
    comparisons: dict[str, Comparison] = {}
    for task in row_a.results:
        a, b = row_a.results[task], row_b.results[task]
        metric = OBJECTIVE_METRICS[task]
        comparisons[task] = compare_runs(a.qrels, a.run, b.run, [metric], names=(row_a.label, row_b.label))[0]
    return comparisons


@dataclass
class TuningResult:
    rows: list[GridRow]
    best: GridRow
    markdown: Path
    json: Path


def tune_fusion(
    settings: Any, encoder: Any, data_dir: Path, limit: int | None, out_dir: Path, progress: bool = True
) -> TuningResult:
    """Evaluate dense, lexical and every grid setting on the dev-fold slice; write the tuning report."""
    from experiments.dev_split import evaluate_fold_task, prepare_fold
    from evaluation.ntrex_eval import task_queries, warm_queries

    started = time.perf_counter()
    setup = prepare_fold(settings, encoder, data_dir, "dev", limit, progress)
    runs_dir = out_dir / "runs"
    rows = [GridRow("dense", None), GridRow("lexical", None)] + [GridRow(c.name, c) for c in fusion_grid()]
    try:
        for task in TASKS:
            queries = task_queries(setup, task)
            warm_queries(encoder, queries, progress)
            for row in rows:
                mode = row.label if row.config is None else "hybrid"
                label = row.label if row.config is None else f"hybrid-{row.label}"
                row.results[task] = evaluate_fold_task(
                    setup, encoder, "dev", task, mode, queries, runs_dir, row.config, label, progress
                )
    finally:
        setup.index.close()
    best = best_setting(rows)
    facts = {
        "model": encoder.model_id,
        "data": f"NTREX-128 dev fold, first {len(setup.articles)} articles × {len(LANGUAGE_TAGS)} languages "
        f"(index {setup.settings.index_name}, {setup.build.chunks} chunks)",
        "seconds": round(time.perf_counter() - started, 1),
    }
    markdown, json_path = write_tuning_report(out_dir, rows, best, facts)
    return TuningResult(rows, best, markdown, json_path)


def write_tuning_report(
    out_dir: Path, rows: Sequence[GridRow], best: GridRow, facts: Mapping[str, Any]
) -> tuple[Path, Path]:
    """Markdown table of every setting (best first) and the best setting's paired tests; plus JSON."""
    by_label = {row.label: row for row in rows}
    reference, dense = by_label[REFERENCE.name], by_label["dense"]
    ordered = sorted(rows, key=lambda row: -row.objective)
    header = ["setting", "objective", *(f"{task} {metric_label(OBJECTIVE_METRICS[task])}" for task in TASKS)]
    header += ["mixed own-language share", "run config hashes"]
    lines = ["# Fusion tuning on the NTREX-128 dev fold", ""]
    lines += [f"- **{key}**: {value}" for key, value in facts.items()]
    lines += [
        f"- **objective**: mean of {', '.join(f'{t} {metric_label(m)}' for t, m in OBJECTIVE_METRICS.items())}",
        f"- **chosen**: `{best.label}` (objective {best.objective:.4f})",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for row in ordered:
        cells = [f"`{row.label}`", f"{row.objective:.4f}", *(f"{row.mean(task):.3f}" for task in TASKS)]
        cells += [f"{row.mean('mixed', 'own_language@10'):.3f}"]
        cells += [" ".join(row.results[task].config.hash for task in TASKS)]
        lines.append("| " + " | ".join(cells) + " |")
    tests: dict[str, dict[str, Any]] = {}
    for other in (reference, dense):
        if other is best:
            continue
        comparisons = paired_comparisons(other, best)
        tests[other.label] = {task: item.as_dict() for task, item in comparisons.items()}
        lines += ["", f"## `{best.label}` (B) vs `{other.label}` (A), paired, Fisher randomization test", ""]
        lines += ["| task | metric | A | B | B − A [95% CI] | p |", "|---|---|---|---|---|---|"]
        for task, item in comparisons.items():
            lines.append(
                f"| {task} | {metric_label(item.metric)} | {item.mean_a:.3f} | {item.mean_b:.3f} | "
                f"{item.difference.mean:+.3f} [{item.difference.low:+.3f}, {item.difference.high:+.3f}] | "
                f"{item.p_value:.4f}{' *' if item.significant else ''} |"
            )
    name = f"fusion-tuning-{config_hash({'runs': [r.results[t].config.hash for r in rows for t in TASKS]})}"
    markdown, json_path = out_dir / f"{name}.md", out_dir / f"{name}.json"
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(markdown, "\n".join(lines) + "\n")
    payload = {
        "facts": dict(facts),
        "objective_metrics": OBJECTIVE_METRICS,
        "best": best.label,
        "rows": [
            {
                "setting": row.label,
                "fusion": row.config.as_dict() if row.config else None,
                "objective": row.objective,
                "means": {task: {m: s.mean for m, s in row.results[task].overall().items()} for task in TASKS},
                "config_hashes": {task: row.results[task].config.hash for task in TASKS},
            }
            for row in ordered
        ],
        "tests": tests,
    }
    atomic_write_text(json_path, json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return markdown, json_path


def named_setting(name: str | None) -> FusionConfig:
    """``DEFAULT_FUSION`` for None, else the grid setting called ``name``."""
    if name is None:
        return DEFAULT_FUSION
    grid = {config.name: config for config in fusion_grid()}
    if name not in grid:
        raise ValueError(f"unknown fusion setting {name!r}; use one of {', '.join(grid)}")
    return grid[name]


def report_fold(
    settings: Any,
    encoder: Any,
    data_dir: Path,
    fold: str,
    limit: int | None,
    out_dir: Path,
    fusion_config: FusionConfig = DEFAULT_FUSION,
    progress: bool = True,
) -> Any:
    """Lexical, dense and hybrid on a fold slice, hybrid tested against the other two; one report."""
    from experiments.dev_split import evaluate_fold_task, prepare_fold
    from evaluation.mode_comparison import compare_modes
    from evaluation.ntrex_eval import TASK_NOTES, TASK_TITLES, task_queries, warm_queries
    from evaluation.ntrex_eval import TASK_GROUPINGS, TASK_METRICS
    from evaluation.reports import ReportSection, build_summary, write_report

    started = time.perf_counter()
    setup = prepare_fold(settings, encoder, data_dir, fold, limit, progress)
    runs_dir = out_dir / "runs"
    sections, hashes = [], []
    try:
        for task in TASKS:
            queries = task_queries(setup, task)
            warm_queries(encoder, queries, progress)
            results = [
                evaluate_fold_task(setup, encoder, fold, task, mode, queries, runs_dir, fusion_config, None, progress)
                for mode in MODES
            ]
            hashes += [result.config.hash for result in results]
            ranx_metrics = [metric for metric in TASK_METRICS[task] if metric != "own_language@10"]
            sections.append(
                ReportSection(
                    task=f"ntrex-{task}",
                    title=TASK_TITLES[task],
                    results=results,
                    groupings=[name for name in TASK_GROUPINGS[task] if name != "pair"],
                    matrix_metrics=[],
                    tags=LANGUAGE_TAGS,
                    comparisons=compare_modes(results, ranx_metrics, default_mode="hybrid"),
                    notes=[TASK_NOTES[task]],
                )
            )
    finally:
        setup.index.close()
    facts = {
        "model": encoder.model_id,
        "data": f"NTREX-128 {fold} fold, first {len(setup.articles)} articles (ordinals "
        f"{setup.articles[0].ordinal}..{setup.articles[-1].ordinal}) × {len(LANGUAGE_TAGS)} languages "
        f"(index {setup.settings.index_name})",
        "hybrid fusion": f"{fusion_config.name} {fusion_config.as_dict()}",
        "index build": build_summary(setup.build),
        "run config hashes": hashes,
        "total seconds": round(time.perf_counter() - started, 1),
    }
    name = f"ntrex-{fold}-{len(setup.articles)}-{config_hash({'runs': hashes})}"
    title = f"NTREX-128 {fold} fold: lexical, dense and hybrid ({fusion_config.name})"
    return write_report(out_dir, name, title, sections, facts), sections


# --- command line ---------------------------------------------------------------------------

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, help="Tune and report the hybrid fusion.")


def _setup(home: Path | None, model: str | None) -> tuple[Any, Any]:
    from evaluation.cached_encoder import CachedEncoder
    from index.cli import settings_from
    from index.encoder import load_encoder

    settings = settings_from(home, model)
    return settings, CachedEncoder(load_encoder(settings.model, settings), settings.embedding_cache_path)


def _data_dir(data: Path | None) -> Path:
    from evaluation.cli import default_ntrex_dir

    return data or default_ntrex_dir()


DataOption = Annotated[Path | None, typer.Option("--data", help="NTREX-128 folder (default: ../shared/data/ntrex).")]
LimitOption = Annotated[int | None, typer.Option("--limit", min=1, help="Use only the first N articles of the fold.")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Report folder (default: <assistant home>/reports).")]
HomeOption = Annotated[Path | None, typer.Option("--home", help="Assistant home (default: ASSISTANT_HOME).")]
ModelOption = Annotated[str | None, typer.Option("--model", help="Model spec (default: the settings' model).")]
QuietOption = Annotated[bool, typer.Option("--quiet", help="No progress bars.")]


@app.command("tune")
def tune_command(
    data: DataOption = None,
    limit: LimitOption = None,
    out: OutOption = None,
    quiet: QuietOption = False,
    home: HomeOption = None,
    model: ModelOption = None,
) -> None:
    """Compare every fusion setting on the dev fold (never the test fold); write the tuning report."""
    settings, encoder = _setup(home, model)
    result = tune_fusion(settings, encoder, _data_dir(data), limit, out or settings.home / "reports", not quiet)
    table = Table(title="Fusion settings on the dev fold (best first)")
    for column in ("setting", "objective", *(f"{t} {metric_label(m)}" for t, m in OBJECTIVE_METRICS.items())):
        table.add_column(column)
    for row in sorted(result.rows, key=lambda row: -row.objective):
        table.add_row(row.label, f"{row.objective:.4f}", *(f"{row.mean(task):.3f}" for task in TASKS))
    console.print(table)
    console.print(f"Chosen: [bold]{escape(result.best.label)}[/]. Report: {escape(str(result.markdown))}")


@app.command("report")
def report_command(
    fold: Annotated[str, typer.Option("--fold", help="dev or test.")] = "test",
    fusion: Annotated[
        str | None, typer.Option("--fusion", help="A grid setting's name (default: DEFAULT_FUSION).")
    ] = None,
    data: DataOption = None,
    limit: LimitOption = None,
    out: OutOption = None,
    quiet: QuietOption = False,
    home: HomeOption = None,
    model: ModelOption = None,
) -> None:
    """Lexical, dense and hybrid on a fold slice with ranx significance; write the report."""
    config = named_setting(fusion)
    settings, encoder = _setup(home, model)
    files, sections = report_fold(
        settings, encoder, _data_dir(data), fold, limit, out or settings.home / "reports", config, not quiet
    )
    for section in sections:
        table = Table(title=section.title)
        metrics = list(section.results[0].metrics)
        for column in ("mode", "n", *map(metric_label, metrics)):
            table.add_column(column)
        for result in section.results:
            overall = result.overall()
            table.add_row(result.mode, str(result.n), *(f"{overall[m].mean:.3f}" for m in metrics))
        console.print(table)
    console.print(f"Report: {escape(str(files.markdown))}")


if __name__ == "__main__":
    app()
