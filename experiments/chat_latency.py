"""First-ask latency over HTTP: a fresh `assistant serve`, then new questions at once, no warm-up.

The script builds (or reuses) an index in a measurement home beside the configured one
(it shares the model and the embedding cache, so nothing is embedded twice), starts
``assistant serve`` on a free loopback port as a child process, waits until the page
answers, and immediately asks every question once through the ``/ask`` endpoint with
gradio_client: the golden questions, the off-topic questions of experiments/measurement.py
and, with ``--ntrex``, NTREX headlines. No question is repeated, so none comes from the
query cache. The corpus is the shipped releases, plus all 738 NTREX-128 releases with
``--ntrex`` (about 2,300 passages). The load average is recorded with the numbers: on a
shared CPU they scale with it.

Usage::

    python -m experiments.chat_latency [--ntrex] [--questions 80] [--output latency.json]
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from evaluation.bench.stats import percentile
from experiments.local_server import free_port, wait_until_answering
from experiments.measurement import OFF_TOPIC_QUESTIONS

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
READY_TIMEOUT_S = 600


def measurement_home(base_home: Path, name: str) -> Path:
    """A home under ``base_home`` whose models and cache are the base home's (symlinks)."""
    home = base_home / "measurements" / name
    home.mkdir(parents=True, exist_ok=True)
    for shared in ("models", "cache"):
        link = home / shared
        if not link.exists():
            link.symlink_to(base_home / shared, target_is_directory=True)
    return home


def build_corpus_index(home: Path, with_ntrex: bool, ntrex_dir: Path) -> tuple[int, list[str]]:
    """Index the shipped releases (plus NTREX-128's) in ``home``; returns (releases, NTREX headlines)."""
    from corpus.loader import load_corpus
    from index.build import build_index
    from index.encoder import load_encoder
    from index.settings import REPO_CORPUS, load_settings

    settings = load_settings(home)
    releases = list(load_corpus(REPO_CORPUS).releases)
    headlines: list[str] = []
    if with_ntrex:
        from evaluation.ntrex import LANGUAGE_TAGS, load_articles
        from evaluation.ntrex_releases import ntrex_releases

        articles = load_articles(ntrex_dir)
        releases += [item.release for item in ntrex_releases(articles, LANGUAGE_TAGS)]
        headlines = [article.headline(tag) for article in articles for tag in LANGUAGE_TAGS]
    build_index(settings, load_encoder(settings.model, settings), releases, progress=True)
    return len(releases), headlines


@app.command()
def main(
    ntrex: Annotated[bool, typer.Option("--ntrex", help="Add all 738 NTREX-128 releases to the corpus.")] = False,
    questions: Annotated[int, typer.Option(help="How many distinct questions to ask (at most).")] = 80,
    ntrex_dir: Annotated[Path, typer.Option(help="NTREX-128 folder.")] = Path("../shared/data/ntrex"),
    output: Annotated[Path | None, typer.Option(help="Write the report as JSON here.")] = None,
    threads: Annotated[int | None, typer.Option(help="`assistant serve --threads` (default: serve's own).")] = None,
) -> None:
    """Print p50/p95 of new questions asked over HTTP right after a fresh `assistant serve`."""
    from gradio_client import Client

    from evaluation.golden_set import load_golden
    from index.settings import load_settings

    base = load_settings().home
    home = measurement_home(base, "latency-ntrex" if ntrex else "latency-seeds")
    releases, headlines = build_corpus_index(home, ntrex, ntrex_dir)
    asked = [question.text for question in load_golden()] + list(OFF_TOPIC_QUESTIONS) + headlines[::7]
    asked = list(dict.fromkeys(asked))[:questions]
    port = free_port()
    environment = {**os.environ, "ASSISTANT_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("assistant")), "serve", "--port", str(port)]
        + ([] if threads is None else ["--threads", str(threads)]),
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    report: dict[str, object] = {"corpus_releases": releases, "questions": len(asked), "serve_threads": threads}
    try:
        url = f"http://127.0.0.1:{port}/"
        report["seconds_to_ready"] = round(wait_until_answering(process, url, READY_TIMEOUT_S), 2)
        report["load_average_before"] = os.getloadavg()
        client = Client(url, verbose=False, analytics_enabled=False)
        seconds = []
        for question in asked:
            begun = time.perf_counter()
            client.predict(question=question, api_name="/ask")
            seconds.append(time.perf_counter() - begun)
        report["first_ask_s"] = round(seconds[0], 3)
        report["p50_s"] = round(percentile(seconds, 50), 3)
        report["p95_s"] = round(percentile(seconds, 95), 3)
        report["max_s"] = round(max(seconds), 3)
        report["load_average_after"] = os.getloadavg()
        report["seconds_since_start"] = round(time.perf_counter() - started, 1)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    typer.echo(json.dumps(report, indent=2))
    if output is not None:
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    app()
