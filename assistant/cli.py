"""The `assistant` command: model, index, search and chat, plus plugins (evaluation)."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from assistant.feedback_cli import feedback_app
from assistant.server import QUESTION_THREADS
from index.cli import clean_errors, index_app, model_app, search_command

PLUGIN_GROUP = "assistant.plugins"

app = typer.Typer(
    help="Multilingual search assistant for press releases: quotes passages with citations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(model_app, name="model", help="Provision and inspect the embedding model.")
app.add_typer(index_app, name="index", help="Build and inspect the search index.")
app.command("search", help="Search the index and print ranked passages with citations.")(search_command)
app.add_typer(feedback_app, name="feedback", help="Review ratings and turn them into golden-set candidates.")


@app.command("serve")
@clean_errors
def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on; loopback unless told otherwise."),
    port: int = typer.Option(7860, help="TCP port."),
    auth: str | None = typer.Option(None, help="Basic auth as user:password.", envvar="ASSISTANT_AUTH"),
    threads: int = typer.Option(
        QUESTION_THREADS, min=0, help="CPU threads for encoding one question (0: the machine's default); questions asked together use every core."
    ),
) -> None:
    """Build the index if needed and open the chat."""
    from assistant.server import serve

    serve(host=host, port=port, auth=auth, threads=threads)


def load_plugins(target: typer.Typer) -> None:
    """Let installed packages (e.g. evaluation) add commands without assistant importing them."""
    for entry in entry_points(group=PLUGIN_GROUP):
        entry.load()(target)


def main() -> None:
    load_plugins(app)
    app()


if __name__ == "__main__":
    main()
