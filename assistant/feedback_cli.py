"""``assistant feedback list`` and ``assistant feedback propose-golden``.

Everything printed from the feedback file passes :func:`terminal_text`: Rich markup is escaped
and control characters (terminal escape sequences) are replaced, so a hostile line prints as text.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from index.cli import clean_errors, console, error_console
from index.settings import load_settings

feedback_app = typer.Typer(no_args_is_help=True, help="Review the Helpful / Not helpful ratings.")

FileOption = Annotated[
    Path | None, typer.Option("--file", help="Feedback file (default: $ASSISTANT_HOME/feedback/feedback.jsonl).")
]


def terminal_text(text: str, limit: int = 200) -> str:
    """``text`` safe for Rich and the terminal: control characters shown as U+FFFD, markup escaped."""
    shown = "".join("\ufffd" if unicodedata.category(c) in {"Cc", "Cf"} and c != " " else c for c in text)
    if len(shown) > limit:
        shown = shown[:limit] + "…"
    return escape(shown)


def _ratings(path: Path | None):
    from assistant.feedback_review import load_ratings

    found = load_ratings(path or load_settings().feedback_path)
    for problem in found.problems:
        error_console.print(f"[yellow]skipped[/] {terminal_text(problem)}", highlight=False)
    return found.ratings


@feedback_app.command("list")
@clean_errors
def list_command(file: FileOption = None) -> None:
    """Show the rated answers: date, question, rating and cited releases."""
    ratings = _ratings(file)
    table = Table("line", "date", "question", "rating", "cited releases", show_lines=False)
    for rating in ratings:
        style = "green" if rating.rating == "helpful" else "red"
        table.add_row(
            str(rating.line),
            terminal_text(rating.time[:10]),
            terminal_text(rating.question),
            f"[{style}]{'Helpful' if rating.rating == 'helpful' else 'Not helpful'}[/]",
            terminal_text(", ".join(rating.releases) or "—"),
        )
    console.print(table)
    console.print(f"{len(ratings)} rating(s).")


@feedback_app.command("propose-golden")
@clean_errors
def propose_golden_command(
    out: Annotated[Path, typer.Option("--out", help="Candidate golden lines (JSONL) to write.")],
    file: FileOption = None,
) -> None:
    """Write golden-set candidates from Helpful answers; list Not helpful answers as misses to review."""
    from assistant.feedback_review import propose, write_candidates

    proposal = propose(_ratings(file))
    for reason in proposal.skipped:
        error_console.print(f"[yellow]not proposed[/] {terminal_text(reason)}", highlight=False)
    write_candidates(out, proposal.candidates)
    console.print(f"{len(proposal.candidates)} candidate(s) written to {escape(str(out))}; review them, then run "
                  f"`assistant eval golden --extra {escape(str(out))}`.")
    if proposal.misses:
        console.print(f"{len(proposal.misses)} miss(es) to review (rated Not helpful):")
        for miss in proposal.misses:
            releases = ", ".join(miss.releases) or "no quote"
            console.print(f"  line {miss.line}: {terminal_text(miss.question)} [dim]({terminal_text(releases)})[/]",
                          highlight=False)
