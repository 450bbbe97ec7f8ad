"""A serving process measured from outside: ``python -m evaluation.bench.probe serve ...``.

Loads the encoder (the real model, or random vectors for synthetic generations), opens the
index through the chat's ``Assistant``, asks questions and prints one JSON line with timings
and memory (RSS after each step and the peak), so the figures are not polluted by the bench.
``--breakdown`` adds the seconds spent in the main steps of opening and answering (inclusive
wall-clock timers around those functions; nested steps are counted in their callers too).

``python -m evaluation.bench.probe generate ...`` writes the synthetic generation to serve: a
chunk database copied from the seed corpus with about six sentences per chunk, clustered chunk
vectors laid out as the product lays out that many (``faiss_layout.choose_index``), the sentence
store (float16, near each chunk's vector) and the manifest; it prints one JSON line with the
build's seconds, peak RSS, layouts and file sizes. For example, the 1M-chunk serving figures::

    nice -n 19 .venv/bin/python -m evaluation.bench.probe generate --index-dir /tmp/serving-1m --chunks 1000000
    nice -n 19 .venv/bin/python -m evaluation.bench.probe serve --index-dir /tmp/serving-1m \
        --random-encoder 768 --questions 20 --mode dense --breakdown
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evaluation.bench.memory import mib, path_size, peak_rss_bytes, rss_bytes
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
    serve.add_argument("--warm-up", type=int, default=0, metavar="N",
                       help="questions asked (and timed apart) before the measured ones: first-use loads such as "
                            "the language detector")
    serve.add_argument("--mode", default=PROBE_MODE)
    serve.add_argument("--threshold", type=float, help="no-answer threshold (default: the assistant's)")
    serve.add_argument("--threads", type=int, help="torch and FAISS threads (default: theirs)")
    serve.add_argument("--blas-threads", type=int,
                       help="OpenBLAS threads of numpy and FAISS (threadpoolctl; default: one per core)")
    serve.add_argument("--breakdown", action="store_true", help="time the main steps of opening and answering")
    generate = commands.add_parser("generate", help="write a synthetic generation (chunks, sentences) to serve")
    generate.add_argument("--index-dir", type=Path, required=True)
    generate.add_argument("--chunks", type=int, required=True, help="how many chunks")
    generate.add_argument("--sentences-per-chunk", type=int, default=None, help="default: six, as the product assumes")
    generate.add_argument("--dimension", type=int, default=768)
    generate.add_argument("--chunk-layout", choices=("product", "exact"), default="product",
                          help="chunk index: the product's for that many chunks (default), or exact search")
    generate.add_argument("--corpus-dir", type=Path, help="seed releases (default: the shipped corpus)")
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--replace", action="store_true", help="delete the index directory first")
    generate.add_argument("--resume", action="store_true",
                          help="keep the chunk database and chunk store an interrupted run of the same size wrote")
    generate.add_argument("--progress", action="store_true")
    return parser


_BLAS_LIMITS: list[object] = []  # kept alive: the limits hold for the rest of the process


def limit_blas_threads(count: int) -> dict[str, int]:
    """Run numpy's and FAISS's OpenBLAS on ``count`` threads from now on; their file names -> threads."""
    import faiss  # noqa: F401  (loads FAISS's own OpenBLAS, so that it is limited too)
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_info, threadpool_limits

    if count < 1:
        raise ValueError(f"thread count must be at least 1, got {count}")
    _BLAS_LIMITS.append(threadpool_limits(limits=count, user_api="blas"))
    return {Path(pool["filepath"]).name: pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


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
        from evaluation.bench.machine import apply_threads

        apply_threads(arguments.threads)
    facts: dict = {"baseline_rss_mib": mib(rss_bytes())}
    if arguments.blas_threads:
        facts["blas_threads"] = limit_blas_threads(arguments.blas_threads)
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
    facts.update(
        open_and_ask(
            arguments.index_dir, encoder, _questions(arguments), arguments.mode, threshold, arguments.breakdown,
            [f"warm-up question number {number}" for number in range(arguments.warm_up)],
        )
    )
    return facts


def open_and_ask(
    index_dir: Path,
    encoder: Encoder,
    questions: list[str],
    mode: str,
    threshold: float,
    breakdown: bool = False,
    warm_up: list[str] | None = None,
) -> dict:
    """Open ``index_dir`` through the chat's ``Assistant`` and ask ``questions``: seconds, RSS after each step, peak.

    ``breakdown`` adds the seconds of the main steps of opening and of answering (see ``StepTimers``);
    ``warm_up`` questions are asked first and timed apart from ``questions``.
    """
    from assistant.service import Assistant

    timers = StepTimers.installed() if breakdown else None
    try:
        facts: dict = {}
        started, cpu = time.perf_counter(), time.process_time()
        assistant = Assistant(index_dir, encoder, mode=mode, threshold=threshold)
        facts["open_seconds"] = round(time.perf_counter() - started, 3)
        facts["open_cpu_seconds"] = round(time.process_time() - cpu, 3)  # every thread's; robust to a busy CPU
        facts["open_rss_mib"] = mib(rss_bytes())
        facts["open_peak_rss_mib"] = mib(peak_rss_bytes())
        index = assistant.searcher.index
        facts["chunks"] = int(index.manifest.chunks)
        facts["sentences"] = index.sentences.count() if index.sentences is not None else 0
        facts["stores"] = {
            "chunks": index.vectors.describe(),
            "sentences": index.sentences.describe() if index.sentences is not None else None,
        }
        facts["mode"] = assistant.mode
        if timers is not None:
            facts["open_breakdown"] = timers.take()
        _partial(facts)
        if warm_up:
            facts["warm_up_ms"] = []
            for question in warm_up:
                started = time.perf_counter()
                assistant.ask(question)
                facts["warm_up_ms"].append(round(1000 * (time.perf_counter() - started), 1))
            if timers is not None:
                facts["warm_up_breakdown"] = timers.take(per=len(warm_up))

        seconds, cpu_seconds, statuses, other_versions = [], [], {}, 0
        for question in questions:
            started, cpu = time.perf_counter(), time.process_time()
            answer, _ = assistant.ask(question)
            seconds.append(time.perf_counter() - started)
            cpu_seconds.append(time.process_time() - cpu)
            _partial({"question": len(seconds), "ms": round(1000 * seconds[-1], 1),
                      "cpu_ms": round(1000 * cpu_seconds[-1], 1), "rss_mib": mib(rss_bytes())})
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
            other_versions += len(answer.other_versions)
        if seconds:
            facts["answer_latency"] = LatencySummary.of_seconds(seconds).to_dict()
            facts["answer_cpu"] = LatencySummary.of_seconds(cpu_seconds).to_dict()  # CPU ms of all threads
        facts["statuses"] = statuses
        facts["other_versions_found"] = other_versions
        if timers is not None:
            facts["answer_breakdown"] = timers.take(per=len(questions))
        facts["final_rss_mib"] = mib(rss_bytes())
        facts["peak_rss_mib"] = mib(peak_rss_bytes())
        return facts
    finally:
        if timers is not None:
            timers.remove()


def _partial(facts: dict) -> None:
    """Progress as a JSON line on stderr (stdout carries the final line only), kept if the run is cut short."""
    print(json.dumps({"partial": facts}), file=sys.stderr, flush=True)


class StepTimers:
    """Wall-clock seconds and calls of chosen functions of the serving path, patched in place.

    Inclusive: a step called inside another is counted in both. The vector stores' ``search``
    and ``vectors_of`` are split by kind (a float16 store is the sentence store).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._patched: list[tuple[object, str, object]] = []

    @classmethod
    def installed(cls) -> StepTimers:
        import faiss

        import assistant.related
        import assistant.service
        import index.search
        import index.store
        from assistant.related import RelatedReleases
        from assistant.service import Assistant, IndexReleases
        from index import chunk_db
        from index.faiss_store import FaissVectorStore
        from index.search import Searcher

        def store_kind(store: Any, *_: Any, **__: Any) -> str:
            return "sentences" if store.plan.half else "chunks"

        timers = cls()
        for owner, name, label in (
            # opening a generation
            (assistant.service, "open_index", None),
            (index.store, "_check_file", "open_index: checksums"),
            (faiss, "read_index", "open_index: faiss.read_index"),
            (IndexReleases, "infos", None),
            (IndexReleases, "means", None),
            # answering
            (assistant.service, "check_question", None),
            (Searcher, "search", None),
            (Searcher, "_query_vector", "Searcher.search: encode question"),
            (index.search, "dense_scores", "Searcher.search: dense_scores"),
            (FaissVectorStore, "search", lambda *a, **k: f"FaissVectorStore.search ({store_kind(*a)})"),
            (FaissVectorStore, "vectors_of", lambda *a, **k: f"FaissVectorStore.vectors_of ({store_kind(*a)})"),
            (chunk_db, "sentence_chunks", None),
            (chunk_db, "sentences_of_chunks", None),
            (chunk_db, "chunk_records", None),
            (chunk_db, "sentence_spans_of", None),
            (assistant.service, "compose_answer", None),
            (Assistant, "_uncertain", None),
            (Assistant, "other_versions", None),
            (RelatedReleases, "alignments", None),
            (RelatedReleases, "nearest", None),
            (IndexReleases, "sentences", None),
            (assistant.related, "align", None),
        ):
            timers.wrap(owner, name, label)
        return timers

    def wrap(self, owner: object, name: str, label: str | Callable[..., str] | None = None) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        if isinstance(original, (classmethod, staticmethod)):
            raise TypeError(f"cannot time {name}: wrap plain functions and methods only")
        prefix = getattr(owner, "__name__", str(owner)).rsplit(".", 1)[-1]
        fixed = label or f"{prefix}.{name}"

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            key = label(*args, **kwargs) if callable(label) else fixed
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started
                self.calls[key] = self.calls.get(key, 0) + 1

        setattr(owner, name, timed)
        self._patched.append((owner, name, original))

    def take(self, per: int = 0) -> dict[str, dict[str, float]]:
        """Seconds and calls per step since the last ``take`` (with ms per item when ``per`` is given)."""
        steps = {}
        for key in sorted(self.seconds, key=lambda item: -self.seconds[item]):
            step: dict[str, float] = {"seconds": round(self.seconds[key], 3), "calls": self.calls[key]}
            if per:
                step["ms_per_question"] = round(1000 * self.seconds[key] / per, 1)
            steps[key] = step
        self.seconds, self.calls = {}, {}
        return steps

    def remove(self) -> None:
        for owner, name, original in reversed(self._patched):
            setattr(owner, name, original)
        self._patched = []


def generate(arguments: argparse.Namespace) -> dict:
    """Write the synthetic generation of ``--chunks`` chunks (see the module docstring); its facts."""
    import faiss
    import numpy as np

    from corpus.loader import load_corpus
    from evaluation.bench.generation import generation_dir, publish_generation
    from evaluation.bench.synthetic import (
        CLUSTERED,
        SENTENCES_PER_CHUNK,
        RandomEncoder,
        cluster_count,
        make_centroids,
        synthetic_vectors,
        write_chunk_database,
    )
    from evaluation.bench.stats import load_average
    from index import faiss_layout
    from index.chunking import chunk_release
    from index.settings import REPO_CORPUS
    from evaluation.bench.memory import pin_malloc_thresholds
    from index import chunk_db
    from index.faiss_store import COLUMNS_FILE, VECTORS_FILE
    from index.store import CHUNKS_FILE, CURRENT_FILE

    n, dimension = arguments.chunks, arguments.dimension
    per_chunk = SENTENCES_PER_CHUNK if arguments.sentences_per_chunk is None else arguments.sentences_per_chunk
    if n < 1:
        raise ValueError("--chunks must be at least 1")
    folder = generation_dir(arguments.index_dir)
    chunk_files = [folder / CHUNKS_FILE, folder / VECTORS_FILE, folder / COLUMNS_FILE]
    resume = arguments.resume and all(path.is_file() for path in chunk_files)
    if arguments.index_dir.exists() and not resume:
        if not arguments.replace:
            raise FileExistsError(f"{arguments.index_dir} exists; pass --replace to overwrite it")
        unknown = {item.name for item in arguments.index_dir.iterdir()} - {folder.name, CURRENT_FILE}
        if unknown:  # never delete a real index by mistake
            raise FileExistsError(f"{arguments.index_dir} holds more than a synthetic generation: {sorted(unknown)}")
        shutil.rmtree(arguments.index_dir)
    pin_malloc_thresholds()  # growing IVF lists would otherwise leave freed blocks resident
    facts: dict = {"chunks": n, "dimension": dimension, "sentences_per_chunk": per_chunk, "resumed": resume,
                   "faiss_threads": faiss.omp_get_max_threads(), "load_average_start": load_average()}
    begun = time.perf_counter()
    if resume:
        started = time.perf_counter()
        with contextlib.closing(chunk_db.open_readonly(folder / CHUNKS_FILE)) as catalogue:
            releases, stored = chunk_db.counts(catalogue)
        chunk_index = faiss.read_index(str(folder / VECTORS_FILE))
        if stored != n or chunk_index.ntotal != n or chunk_index.d != dimension:
            raise ValueError(f"{folder} holds {stored} chunks of another run; generate it again with --replace")
        facts["releases"] = releases
        facts["resume_load_seconds"] = round(time.perf_counter() - started, 3)
    else:
        folder.mkdir(parents=True)
        started = time.perf_counter()
        seeds = [(release, chunk_release(release))
                 for release in load_corpus(arguments.corpus_dir or REPO_CORPUS).releases]
        releases, _ = write_chunk_database(folder / CHUNKS_FILE, seeds, np.arange(n, dtype=np.int64),
                                           sentences_per_chunk=per_chunk)
        facts["releases"] = releases
        facts["database_seconds"] = round(time.perf_counter() - started, 3)

        started = time.perf_counter()
        centroids = make_centroids(cluster_count(n), dimension, arguments.seed)
        vectors = synthetic_vectors(CLUSTERED, n, dimension, arguments.seed + 1, centroids)
        facts["chunk_vectors_seconds"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        plan = faiss_layout.choose_index(n) if arguments.chunk_layout == "product" else faiss_layout.IndexPlan(
            faiss_layout.EXACT)
        chunk_index = faiss_layout.build_index(plan, vectors, np.arange(n, dtype=np.int64))
        del vectors
        facts["chunk_index_seconds"] = round(time.perf_counter() - started, 3)

    publish_generation(arguments.index_dir, chunk_index, RandomEncoder(dimension).model_id, releases,
                       progress=arguments.progress, facts=facts)
    facts["build_seconds"] = round(time.perf_counter() - begun, 3)
    facts["build_cpu_seconds"] = round(time.process_time(), 3)  # every thread's, since the process started
    facts["peak_rss_mib"] = mib(peak_rss_bytes())
    facts["load_average_end"] = load_average()
    facts["files_mib"] = {
        item.relative_to(folder).as_posix(): mib(path_size(item)) for item in sorted(folder.iterdir())
    }
    facts["generation_mib"] = mib(path_size(folder))
    return facts


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.command == "generate":
        print(json.dumps(generate(arguments)), flush=True)
    elif arguments.command == "serve":
        if not arguments.random_encoder and not arguments.model_home and not arguments.model:
            print("serve needs --random-encoder DIM or --model/--model-home", file=sys.stderr)
            return 2
        print(json.dumps(serve(arguments)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
