"""One bench run: every section in turn, each failure recorded without stopping the others."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.bench.machine import apply_threads, machine_facts
from evaluation.bench.memory import mib, rss_bytes
from evaluation.bench.stats import load_average
from index import faiss_layout

QUICK_SIZES = (10_000,)
FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_REINDEX_RELEASES = (100, 1000)
FULL_REINDEX_RELEASES = (100, 1000, 5000)
SECTIONS = ("indexing", "latency", "memory", "langchain", "query_model", "compression", "scale", "reindex_scale")
QUICK_SECTIONS = tuple(name for name in SECTIONS if name != "compression")  # NTREX quality: full runs or --only
# The quick run indexes (and builds LangChain's store on) only the shortest release, so the model encodes
# a few chunks instead of the whole corpus, and asks golden questions that release answers.
QUICK_RELEASES = 1
QUICK_QUESTIONS = 2
# On the shared 2-core machine two torch threads spin against other jobs: one encode is then 3-20x slower than
# on one thread (see the query_model section). Quick runs use one thread, as the published full run did.
QUICK_THREADS = 1


@dataclass
class BenchConfig:
    quick: bool
    out_dir: Path
    settings: Any  # index.settings.Settings of the user: model and embedding cache
    corpus_dir: Path
    ntrex_dir: Path
    work_dir: Path | None = None
    sections: tuple[str, ...] = SECTIONS
    progress: bool = True
    scale_sizes: tuple[int, ...] | None = None  # default: QUICK_SIZES / FULL_SIZES
    reindex_sizes: tuple[int, ...] | None = None  # default: QUICK_REINDEX_RELEASES / FULL_REINDEX_RELEASES
    question_count: int | None = None  # default: QUICK_QUESTIONS quick, all golden questions otherwise
    release_count: int | None = None  # default: QUICK_RELEASES quick, every release otherwise
    threads: int | None = None  # torch and FAISS threads for the whole run (None: the libraries' defaults)

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.scale_sizes or (QUICK_SIZES if self.quick else FULL_SIZES)

    @property
    def reindex_releases(self) -> tuple[int, ...]:
        return self.reindex_sizes or (QUICK_REINDEX_RELEASES if self.quick else FULL_REINDEX_RELEASES)

    @property
    def questions(self) -> int:
        return self.question_count or (QUICK_QUESTIONS if self.quick else 49)

    @property
    def releases(self) -> int | None:
        """How many releases to index (None: all)."""
        return self.release_count or (QUICK_RELEASES if self.quick else None)

    @property
    def run_threads(self) -> int | None:
        """torch and FAISS threads for the run: ``threads``, else QUICK_THREADS on quick runs, else theirs."""
        return self.threads or (QUICK_THREADS if self.quick else None)

    @property
    def rounds(self) -> int:
        return 1 if self.quick else 2


@dataclass
class BenchRun:
    config: BenchConfig
    started: str = field(default_factory=lambda: dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    sections: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)
    samples: dict[str, Any] = field(default_factory=dict)  # what was measured on how much (quick runs are small)

    def section(self, name: str, work: Callable[[], Any]) -> Any:
        """Run one section, keeping its result (or its error) and its duration."""
        if name not in self.config.sections:
            return None
        started = time.perf_counter()
        try:
            value = work()
            self.sections[name] = to_plain(value)
        except Exception as error:  # a failing section must not lose the others
            value = None
            self.sections[name] = {"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc(limit=4)}
        self.seconds[name] = round(time.perf_counter() - started, 1)
        return value

    def to_dict(self) -> dict:
        return {
            "started": self.started,
            "quick": self.config.quick,
            "machine": self.machine,
            "samples": self.samples,
            "seconds": self.seconds,
            "sections": self.sections,
        }


def to_plain(value: Any) -> Any:
    """Dataclasses (their ``to_dict`` or fields plus ratio properties), lists and dicts as JSON-ready values."""
    if hasattr(value, "to_dict") and not isinstance(value, type):
        return to_plain(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        plain = {item.name: to_plain(getattr(value, item.name)) for item in dataclasses.fields(value)}
        for name in ("ratio", "in_build_ratio", "build_chunks_per_second", "raw_chunks_per_second", "build_ratio", "query_ratio", "speedup"):
            if hasattr(type(value), name):
                try:
                    plain[name] = round(float(getattr(value, name)), 4)
                except (AssertionError, ZeroDivisionError, ValueError):
                    plain[name] = None
        return plain
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    return value


def run_bench(config: BenchConfig) -> BenchRun:
    from corpus.loader import load_corpus
    from index.encoder import load_encoder

    run = BenchRun(config)
    before_model_rss = rss_bytes()
    threads_before = apply_threads(config.run_threads) if config.run_threads else None
    run.machine = machine_facts()
    work_dir = config.work_dir or Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        corpus = load_corpus(config.corpus_dir).releases
        if not corpus:
            raise RuntimeError(f"no usable releases in {config.corpus_dir}")
        releases = shortest_releases(corpus, config.releases)
        started = time.perf_counter()
        needs_model = {"indexing", "latency", "memory", "langchain", "query_model", "compression"}
        encoder = load_encoder(config.settings.model, config.settings) if needs_model & set(config.sections) else None
        run.machine["model_load_seconds"] = round(time.perf_counter() - started, 1)
        run.machine["model_id"] = encoder.model_id if encoder else None
        run.machine["rss_before_model_mib"] = mib(before_model_rss)
        run.machine["rss_after_model_mib"] = mib(rss_bytes())
        subset = {release.id for release in releases} if len(releases) < len(corpus) else set()
        questions = _golden_questions(config.questions, subset)
        run.samples = {
            "releases": [release.id for release in releases],
            "corpus_releases": len(corpus),
            "questions": len(questions),
            "scale_sizes": list(config.sizes),
            "reindex_releases": list(config.reindex_releases),
            "rounds": config.rounds,
            "threads": config.run_threads,
        }
        _run_sections(run, config, work_dir, corpus, releases, encoder, questions)
        run.sections["rule"] = {
            "exact_limit": faiss_layout.EXACT_LIMIT,
            "nprobe_share": faiss_layout.IVF_TARGET_NPROBE_SHARE,
            "plans": {
                str(n): to_plain(faiss_layout.choose_index(n))
                for n in (10_000, 100_000, 250_000, 1_000_000, 5_000_000)
            },
        }
        run.machine["load_average_end"] = load_average()
    finally:
        if config.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
        if threads_before:
            apply_threads(*threads_before)
    return run


def shortest_releases(releases: list, count: int | None) -> list:
    """The ``count`` releases with the shortest text (all when ``count`` is None), in corpus order."""
    if count is None or count >= len(releases):
        return list(releases)
    if count < 1:
        raise ValueError(f"the bench needs at least one release, got {count}")
    chosen = {release.id for release in sorted(releases, key=lambda release: (len(release.text), release.id))[:count]}
    return [release for release in releases if release.id in chosen]


def _golden_questions(count: int, preferred: set[str]) -> list[str]:
    """``count`` golden questions in file order, except that those answered by a ``preferred`` release
    come first, one language after another (so a few questions still cover several languages)."""
    from evaluation.golden_set import GOLDEN_FILE

    items = [json.loads(line) for line in GOLDEN_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_language: dict[str, list[dict]] = {}
    for item in items:
        if item.get("answer_release") in preferred:
            by_language.setdefault(item["lang"], []).append(item)
    answered = [item for group in itertools.zip_longest(*by_language.values()) for item in group if item]
    others = [item for item in items if item.get("answer_release") not in preferred]
    return [item["text"] for item in answered + others][:count]


def _run_sections(
    run: BenchRun, config: BenchConfig, work_dir: Path, corpus: list, releases: list, encoder: Any, questions: list[str]
) -> None:
    """Model sections on ``releases`` (the quick run's subset); model-free scale sections seeded by the ``corpus``."""
    from evaluation.bench import footprint, indexing, langchain_stack, latency, query_model, scale
    from evaluation.golden_set import GOLDEN_FILE
    from index.chunking import chunk_release

    indexed = run.section(
        "indexing", lambda: indexing.measure_indexing(encoder, releases, work_dir, config.rounds, closing_raw=not config.quick)
    )
    index_dir = None
    if indexed is not None:
        index_dir = Path(indexed.index_dir)
    elif encoder is not None and {"latency", "memory"} & set(config.sections):
        from index.build import build_index

        settings = indexing.fresh_settings(work_dir, "serving")
        build_index(settings, encoder, releases, progress=config.progress)
        index_dir = settings.index_dir

    if index_dir is not None:
        run.section("latency", lambda: latency.measure_latency(index_dir, encoder, questions, config.settings.retrieval_mode))

        def memory() -> dict:
            if config.quick:  # the model is loaded here already: no second process loading it; answers were timed above
                before, after = run.machine["rss_before_model_mib"], run.machine["rss_after_model_mib"]
                return footprint.in_process_memory(index_dir, encoder, [], before, after)
            return footprint.serving_memory(index_dir, config.settings.home, GOLDEN_FILE, 10, config.threads)

        run.section("memory", memory)
    model_folder = config.settings.models_dir / config.settings.model
    reuse = (index_dir, indexed.build_seconds) if config.quick and indexed is not None and index_dir else None
    run.section(
        "langchain",
        lambda: langchain_stack.measure_langchain(
            encoder,
            model_folder,
            releases,
            questions,
            work_dir,
            rounds=config.rounds,
            batch_size=getattr(encoder, "batch_size", 16),
            project_index=reuse,
            shared_model=getattr(encoder, "model", None) if config.quick else None,
        ),
    )
    passages = [chunk.text for release in releases for chunk in chunk_release(release)]

    def model_knobs() -> dict:
        count = 2 if config.quick else 20
        chosen_passages = passages[:1] if config.quick else passages[:10]
        result = {"query": query_model.measure_query_model(encoder, questions[:count], chosen_passages)}
        if not config.quick:
            result["document_batch_sizes"] = query_model.measure_document_batch_sizes(encoder, passages)
        return result

    run.section("query_model", model_knobs)
    run.section(
        "compression",
        lambda: footprint.measure_compression_quality(config.settings, encoder, config.ntrex_dir, 10, config.progress),
    )
    seeds = [(release, chunk_release(release)) for release in corpus]
    scale_config = scale.ScaleConfig(
        sizes=config.sizes,
        queries=50 if config.quick else 200,
        latency_queries=30 if config.quick else 100,
        exact_latency_queries=20 if config.quick else 50,
        hnsw_max=10_000 if config.quick else 100_000,
        both_datasets_max=10_000 if config.quick else 1_000_000,
        serving_questions=5 if config.quick else 20,
    )
    run.section("scale", lambda: scale.measure_scale(seeds, scale_config, work_dir, config.progress))
    run.section("reindex_scale", lambda: indexing.measure_reindex_at_scale(corpus, config.reindex_releases, work_dir))
