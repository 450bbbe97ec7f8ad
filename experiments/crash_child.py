"""What the crash test runs in the processes it kills: an index build, or a feedback writer.

``python -m experiments.crash_child build --home H --corpus C --model hash:64 [--rebuild]``
runs ``assistant index build`` exactly as a user would (with the test encoder
registered); ``... feedback --path P --writer W`` appends ratings until killed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)

# Ratings carry long, multi-byte questions so a torn write would show.
FEEDBACK_FILLER = "Колико миграната је прошло кроз Западни Балкан? Koliko je migranata prošlo? " * 40


@app.command("build")
def build(
    home: Annotated[Path, typer.Option()],
    corpus: Annotated[Path, typer.Option()],
    model: Annotated[str, typer.Option()],
    rebuild: Annotated[bool, typer.Option("--rebuild")] = False,
) -> None:
    """``assistant index build`` with the deterministic test encoder available."""
    from assistant.cli import app as assistant_app
    from experiments.fault_harness import register_hash_encoder

    register_hash_encoder()

    arguments = ["index", "build", "--home", str(home), "--corpus", str(corpus), "--model", model]
    assistant_app([*arguments, *(["--rebuild"] if rebuild else [])])


@app.command("feedback")
def feedback(
    path: Annotated[Path, typer.Option()],
    writer: Annotated[str, typer.Option()],
    records: Annotated[int, typer.Option()] = 1_000_000,
) -> None:
    """Append ``records`` ratings tagged ``writer`` and numbered from 0, one at a time."""
    from assistant.feedback import append_feedback, make_record

    for number in range(records):
        record = make_record(
            question=f"{writer}|{number}|{FEEDBACK_FILLER}",
            rating="helpful" if number % 2 else "not_helpful",
            chunk_ids=[str(number), str(number + 1)],
            index_generation="gen-crash-test",
            model_id="hash:64",
        )
        append_feedback(path, record)


if __name__ == "__main__":
    app()
