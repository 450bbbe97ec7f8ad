"""A serving process measured from outside: ``python -m evaluation.bench.probe serve ...``.

Loads the encoder (the real model, or random vectors for synthetic generations), opens the
index through the chat's ``Assistant``, asks questions and prints one JSON line with timings
and memory (RSS after each step and the peak), so the figures are not polluted by the bench.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation.bench.memory import mib, peak_rss_bytes, rss_bytes
from evaluation.bench.stats import LatencySummary

if TYPE_CHECKING:  # imported lazily at run time: the baseline RSS is taken before the model's libraries load
    from index.encoder import Encoder

PROBE_MODE = "hybrid"  # retrieval mode of memory probes (BM25 loaded too: the larger footprint)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench.probe")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="open an index through Assistant and answer questions")
    serve.add_argument("--index-dir", type=Path, required=True)
    serve.add_argument("--model", help="model spec, loaded with the settings of --model-home")
    serve.add_argument("--model-home", type=Path, help="assistant home holding the model")
    serve.add_argument("--random-encoder", type=int, metavar="DIM", help="random vectors instead of a model")
    serve.add_argument("--questions", type=int, default=10, help="how many questions to ask")
    serve.add_argument("--questions-file", type=Path, help="JSONL with a 'text' field per line")
    serve.add_argument("--mode", default=PROBE_MODE)
    serve.add_argument("--threshold", type=float, help="no-answer threshold (default: the assistant's)")
    serve.add_argument("--threads", type=int, help="torch and FAISS threads (default: theirs)")
    return parser


def _questions(arguments: argparse.Namespace) -> list[str]:
    if arguments.questions_file is None:
        return [f"synthetic question number {number}" for number in range(arguments.questions)]
    lines = arguments.questions_file.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()][: arguments.questions]


def serve(arguments: argparse.Namespace) -> dict:
    from assistant.service import NO_ANSWER_THRESHOLD
    from evaluation.bench.synthetic import RandomEncoder
    from index.encoder import load_encoder
    from index.settings import load_settings

    if arguments.threads:
        from evaluation.bench.run import apply_threads

        apply_threads(arguments.threads)
    facts: dict = {"baseline_rss_mib": mib(rss_bytes())}
    started = time.perf_counter()
    if arguments.random_encoder:
        encoder = RandomEncoder(arguments.random_encoder)
        threshold = -1.0 if arguments.threshold is None else arguments.threshold  # compose every answer
    else:
        settings = load_settings(arguments.model_home)
        encoder = load_encoder(arguments.model or settings.model, settings)
        encoder.encode(["warm-up"], "query")
        threshold = NO_ANSWER_THRESHOLD if arguments.threshold is None else arguments.threshold
    facts["encoder_seconds"] = round(time.perf_counter() - started, 3)
    facts["encoder_rss_mib"] = mib(rss_bytes())
    facts.update(open_and_ask(arguments.index_dir, encoder, _questions(arguments), arguments.mode, threshold))
    return facts


def open_and_ask(index_dir: Path, encoder: Encoder, questions: list[str], mode: str, threshold: float) -> dict:
    """Open ``index_dir`` through the chat's ``Assistant`` and ask ``questions``: seconds, RSS after each step, peak."""
    from assistant.service import Assistant

    facts: dict = {}
    started = time.perf_counter()
    assistant = Assistant(index_dir, encoder, mode=mode, threshold=threshold)
    facts["open_seconds"] = round(time.perf_counter() - started, 3)
    facts["open_rss_mib"] = mib(rss_bytes())
    facts["open_peak_rss_mib"] = mib(peak_rss_bytes())
    facts["chunks"] = int(assistant.searcher.index.manifest.chunks)
    facts["mode"] = assistant.mode

    seconds, statuses = [], {}
    for question in questions:
        started = time.perf_counter()
        answer, _ = assistant.ask(question)
        seconds.append(time.perf_counter() - started)
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
    if seconds:
        facts["answer_latency"] = LatencySummary.of_seconds(seconds).to_dict()
    facts["statuses"] = statuses
    facts["final_rss_mib"] = mib(rss_bytes())
    facts["peak_rss_mib"] = mib(peak_rss_bytes())
    return facts


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.command == "serve":
        if not arguments.random_encoder and not arguments.model_home and not arguments.model:
            print("serve needs --random-encoder DIM or --model/--model-home", file=sys.stderr)
            return 2
        print(json.dumps(serve(arguments)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
