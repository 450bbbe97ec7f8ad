"""``assistant bench``: mounted through the ``assistant.plugins`` entry point (:func:`register`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from index.cli import HomeOption, ModelOption, clean_errors, settings_from

console = Console()


def _sections(value: str | None, quick: bool = False) -> tuple[str, ...]:
    from evaluation.bench.run import QUICK_SECTIONS, SECTIONS

    if not value:
        return QUICK_SECTIONS if quick else SECTIONS
    chosen = tuple(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))
    unknown = [item for item in chosen if item not in SECTIONS]
    if unknown or not chosen:
        raise typer.BadParameter(f"unknown section(s) {', '.join(unknown) or '(none)'}; use {', '.join(SECTIONS)}")
    return chosen


@clean_errors
def bench_command(
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="Small samples (the shortest release, 2 questions, 10k synthetic chunks), one model load, "
            "1 thread unless --threads; under 2 minutes. Figures are indicative only.",
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Report folder (default: <assistant home>/reports).")
    ] = None,
    only: Annotated[
        str | None,
        typer.Option("--only", help="Comma-separated sections: indexing, latency, memory, langchain, query_model, "
                     "compression (NTREX quality; not in --quick unless named), scale, reindex_scale."),
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option("--work-dir", help="Keep scratch indexes here (default: a temporary folder, removed)."),
    ] = None,
    ntrex: Annotated[
        Path | None, typer.Option("--ntrex", help="NTREX-128 folder (default: ../shared/data/ntrex).")
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads", min=1, help="torch and FAISS threads for the run (default: 1 with --quick, else theirs)."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bars.")] = False,
    home: HomeOption = None,
    model: ModelOption = None,
) -> None:
    """Measure indexing throughput, answer latency, the 10k-1M scale curve, memory and LangChain side by side."""
    from evaluation.bench.report import headline_rows, write_report
    from evaluation.bench.run import BenchConfig, run_bench
    from evaluation.cli import default_ntrex_dir

    settings = settings_from(home, model)
    config = BenchConfig(
        quick=quick,
        out_dir=out or settings.home / "reports",
        settings=settings,
        corpus_dir=settings.corpus_dir,
        ntrex_dir=ntrex or default_ntrex_dir(),
        work_dir=work_dir,
        sections=_sections(only, quick),
        threads=threads,
        progress=not quiet,
    )
    results = run_bench(config).to_dict()
    files = write_report(results, config.out_dir)
    summary = Table(title="Bench summary")
    summary.add_column("figure")
    summary.add_column("value")
    try:
        for figure, value in headline_rows(results):
            summary.add_row(escape(figure), escape(value))
        console.print(summary)
    except Exception as error:  # the files are written; say so rather than fail
        console.print(f"[yellow]summary table failed ({escape(str(error))}); see the report files[/]")
    failed = [name for name, section in results["sections"].items() if isinstance(section, dict) and "error" in section]
    for name in failed:
        console.print(f"[yellow]section {escape(name)} failed:[/] {escape(results['sections'][name]['error'])}")
    console.print(f"Report: {escape(str(files.markdown))} and {escape(files.json.name)}")


def register(app: typer.Typer) -> None:
    """Entry point of the ``assistant.plugins`` group: adds ``assistant bench``."""
    app.command("bench", help="Performance and scale benchmarks (JSON + Markdown report).")(bench_command)


def main() -> None:
    standalone = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    register(standalone)
    standalone.command("noop", hidden=True)(lambda: None)  # keeps `bench` a sub-command, as under `assistant`
    standalone()


if __name__ == "__main__":
    main()
