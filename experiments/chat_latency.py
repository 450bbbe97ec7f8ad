"""End-to-end latency of one chat question on the shipped corpus with the real model.

Every question of the golden set plus the off-topic questions of experiments/measurement.py
(65 in all) is asked:

* ``in-process cold``: ``Assistant.ask`` with empty caches: the first time a passage is
  quoted, its sentences are encoded for highlighting;
* ``in-process warm``: the same questions again with the sentence vectors cached, but
  the question-vector cache emptied before each question (a new question about passages
  quoted before);
* ``http``: like warm, through the running Gradio app's ``/ask`` endpoint with
  gradio_client (queue, JSON and HTTP included); interleaved with the warm in-process
  calls question by question.

The machine's load average is recorded with the numbers: on a shared CPU they scale with it.

Usage::

    python -m experiments.chat_latency [--home DIR] [--output latency.json]
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer

from evaluation.bench.stats import percentile
from experiments.measurement import OFF_TOPIC_QUESTIONS, measurement_assistant
from index.settings import REPO_CORPUS

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def summary(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(seconds),
        "p50_s": round(percentile(seconds, 50), 3),
        "p95_s": round(percentile(seconds, 95), 3),
        "mean_s": round(statistics.fmean(seconds), 3),
        "max_s": round(max(seconds), 3),
    }


def timed(run: Callable[[str], object], question: str, before: Callable[[], None]) -> float:
    """Seconds ``run(question)`` takes; ``before`` runs first, outside the timing."""
    before()
    started = time.perf_counter()
    run(question)
    return time.perf_counter() - started


def questions_to_time() -> list[str]:
    from evaluation.golden_set import load_golden

    return [question.text for question in load_golden()] + list(OFF_TOPIC_QUESTIONS)


@app.command()
def main(
    home: Annotated[Path | None, typer.Option(help="Assistant home (model and caches); default as configured.")] = None,
    corpus: Annotated[Path, typer.Option(help="Corpus to measure on.")] = REPO_CORPUS,
    output: Annotated[Path | None, typer.Option(help="Write the report as JSON here.")] = None,
) -> None:
    """Print p50/p95 latency of one question, cold and warm, in-process and over HTTP."""
    from gradio_client import Client

    from assistant.app import build_app

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no telemetry calls from the client

    settings, encoder, assistant = measurement_assistant(home, corpus)
    questions = questions_to_time()
    assistant.ask("warm-up: who organised the meeting?")  # first call pays one-off torch start-up costs
    assistant.scorer.forget()
    new_question = assistant.encoder.forget
    report = {"model_id": encoder.model_id, "mode": assistant.mode, "questions": len(questions)}
    report["load_average_before"] = os.getloadavg()
    report["in_process_cold"] = summary([timed(assistant.ask, question, new_question) for question in questions])

    demo = build_app(assistant, settings.home / "latency-feedback.jsonl")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, ssr_mode=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False, analytics_enabled=False)
        ask_http = lambda question: client.predict(question=question, api_name="/ask")  # noqa: E731
        warm, http = [], []
        for question in questions:  # interleaved, so load changes on a shared machine hit both alike
            warm.append(timed(assistant.ask, question, new_question))
            http.append(timed(ask_http, question, new_question))
        report["in_process_warm"] = summary(warm)
        report["http_warm"] = summary(http)
    finally:
        demo.close()
    report["load_average_after"] = os.getloadavg()
    typer.echo(json.dumps(report, indent=2))
    if output is not None:
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    app()
