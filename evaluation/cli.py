"""``assistant eval ...``: golden set, NTREX-128 benchmark and A/B comparison of saved runs.

Mounted into the ``assistant`` command through the ``assistant.plugins`` entry point
(:func:`register`); ``python -m evaluation.cli`` runs the same commands on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from index.cli import HomeOption, ModelOption, clean_errors, settings_from

if TYPE_CHECKING:  # heavy modules (ranx, the model) load only when a command runs
    from evaluation.cached_encoder import CachedEncoder
    from evaluation.results import TaskResult
    from index.settings import Settings

console = Console()
eval_app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, help="Evaluate retrieval quality.")

ALL_MODES = "all"
NTREX_TASKS = ("headline", "passage", "mixed")


def parse_choices(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    chosen = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in allowed]
    if unknown or not chosen:
        raise typer.BadParameter(f"unknown {what} {', '.join(unknown) or '(none given)'}; use {', '.join(allowed)}")
    return list(dict.fromkeys(chosen))


def chosen_modes(value: str) -> list[str]:
    """``--mode``: comma-separated retrieval modes, or every mode of ``index.search.MODES`` for ``all``."""
    from index.search import MODES  # loads the index stack: only once an eval command runs

    return list(MODES) if value == ALL_MODES else parse_choices(value, MODES, "mode")


def _check_modes(value: str) -> str:
    chosen_modes(value)
    return value


def _check_tasks(value: str) -> str:
    parse_choices(value, NTREX_TASKS, "task")
    return value


def _check_test(value: str) -> str:
    if value not in {"fisher", "student"}:
        raise typer.BadParameter(f"unknown test {value!r}; use fisher or student")
    return value


ModeOption = Annotated[
    str,
    typer.Option("--mode", callback=_check_modes, help="Retrieval mode(s), comma-separated (dense, lexical, hybrid), or all."),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Report folder (default: <assistant home>/reports).")
]
QuietOption = Annotated[bool, typer.Option("--quiet", help="No progress bars.")]
VectorStoreOption = Annotated[
    str | None,
    typer.Option(
        "--vector-store",
        help="Vector store for the evaluation index: faiss, a Milvus URI or a milvus-lite .db path (default: setting).",
    ),
]


def default_ntrex_dir() -> Path:
    """``../shared/data/ntrex`` beside the repository."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ntrex"


def _encoder(settings: Settings) -> CachedEncoder:
    from evaluation.cached_encoder import CachedEncoder
    from index.encoder import load_encoder

    return CachedEncoder(load_encoder(settings.model, settings), settings.embedding_cache_path)


@eval_app.command("golden")
@clean_errors
def golden_command(
    mode: ModeOption = ALL_MODES,
    out: OutOption = None,
    questions: Annotated[
        Path | None, typer.Option("--questions", help="Golden questions JSONL (default: the shipped set).")
    ] = None,
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: the shipped corpus).")] = None,
    extra: Annotated[
        list[Path] | None,
        typer.Option("--extra", help="Reviewed golden lines (e.g. from `assistant feedback propose-golden`) "
                     "scored together with the set; repeatable."),
    ] = None,
    quiet: QuietOption = False,
    vector_store: VectorStoreOption = None,
    home: HomeOption = None,
    model: ModelOption = None,
) -> None:
    """Ask the golden questions through the chat in each mode; write Markdown + JSON reports."""
    from corpus.loader import load_corpus
    from evaluation.golden_eval import run_golden_evaluation
    from evaluation.golden_set import GOLDEN_FILE

    modes = chosen_modes(mode)
    settings = settings_from(home, model).with_overrides(corpus_dir=corpus, vector_store=vector_store)
    loaded = load_corpus(settings.corpus_dir)
    if not loaded.releases:
        raise RuntimeError(f"no usable release files in {settings.corpus_dir}")
    evaluation = run_golden_evaluation(
        settings,
        _encoder(settings),
        modes,
        out or settings.home / "reports",
        loaded.releases,
        questions_path=questions or GOLDEN_FILE,
        progress=not quiet,
        extra_paths=extra or (),
    )
    _print_results("Golden set", evaluation.results)
    console.print(f"Report: {escape(str(evaluation.report.markdown))}")


@eval_app.command("ntrex")
@clean_errors
def ntrex_command(
    data: Annotated[Path | None, typer.Option("--data", help="NTREX-128 folder (default: ../shared/data/ntrex).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Use only the first N articles.")] = None,
    tasks: Annotated[
        str, typer.Option("--tasks", callback=_check_tasks, help="Comma-separated: headline, passage, mixed.")
    ] = ",".join(NTREX_TASKS),
    mode: ModeOption = ALL_MODES,
    out: OutOption = None,
    quiet: QuietOption = False,
    vector_store: VectorStoreOption = None,
    home: HomeOption = None,
    model: ModelOption = None,
) -> None:
    """Cross-lingual retrieval on NTREX-128 (6 languages); the index is kept as ntrex-<limit>."""
    from evaluation.ntrex_eval import run_ntrex_evaluation

    chosen_tasks = parse_choices(tasks, NTREX_TASKS, "task")
    modes = chosen_modes(mode)
    settings = settings_from(home, model).with_overrides(vector_store=vector_store)
    evaluation = run_ntrex_evaluation(
        settings,
        _encoder(settings),
        data or default_ntrex_dir(),
        limit,
        chosen_tasks,
        modes,
        out or settings.home / "reports",
        progress=not quiet,
    )
    for task, results in evaluation.results.items():
        _print_results(f"NTREX {task}", results)
    console.print(f"Report: {escape(str(evaluation.report.markdown))}")


@eval_app.command("compare")
@clean_errors
def compare_command(
    run_a: Annotated[Path, typer.Argument(help="Run A (<name>.run.json written by an eval).")],
    run_b: Annotated[Path, typer.Argument(help="Run B, same task and data as A.")],
    test: Annotated[
        str, typer.Option("--test", callback=_check_test, help="fisher (randomization) or student (paired t-test).")
    ] = "fisher",
    max_p: Annotated[float, typer.Option("--max-p", help="Significance level.")] = 0.05,
    out: OutOption = None,
) -> None:
    """Paired A/B comparison of two saved runs with a significance test and bootstrap intervals."""
    from evaluation.compare import compare_saved_runs, write_comparison
    from evaluation.metrics import metric_label

    result = write_comparison(compare_saved_runs(run_a, run_b, stat_test=test, max_p=max_p), out or run_a.parent)
    table = Table(title=f"{result.name_b} (B) vs {result.name_a} (A)")
    for column in ("metric", "A", "B", "B − A", "p"):
        table.add_column(column)
    for item in result.comparisons:
        table.add_row(
            metric_label(item.metric),
            f"{item.mean_a:.3f}",
            f"{item.mean_b:.3f}",
            f"{item.difference.mean:+.3f} [{item.difference.low:+.3f}, {item.difference.high:+.3f}]",
            f"{item.p_value:.4f}{' *' if item.significant else ''}",
        )
    console.print(table)
    console.print(f"Report: {escape(str(result.markdown))}")


def _print_results(title: str, results: Sequence[TaskResult]) -> None:
    from evaluation.metrics import metric_label

    if not results:
        return
    metrics = list(results[0].metrics)
    table = Table(title=title)
    table.add_column("mode")
    table.add_column("n")
    for metric in metrics:
        table.add_column(metric_label(metric))
    for result in results:
        overall = result.overall()
        table.add_row(result.mode, str(result.n), *(f"{overall[metric].mean:.3f}" for metric in metrics))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Entry point of the ``assistant.plugins`` group: adds ``assistant eval``."""
    app.add_typer(eval_app, name="eval", help="Evaluate retrieval: golden set, NTREX-128, A/B comparison.")


def main() -> None:
    standalone = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    register(standalone)
    standalone()


if __name__ == "__main__":
    main()
