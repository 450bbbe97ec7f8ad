"""One bench run: every section in turn, each failure recorded without stopping the others."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import platform
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from evaluation.bench import ann
from evaluation.bench.stats import load_average

QUICK_SIZES = (10_000, 100_000)
FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_REINDEX_RELEASES = (100, 1000)
FULL_REINDEX_RELEASES = (100, 1000, 5000)
SECTIONS = ("indexing", "latency", "memory", "langchain", "query_model", "compression", "scale", "reindex_scale")
QUICK_SECTIONS = tuple(name for name in SECTIONS if name != "compression")  # NTREX quality: full runs or --only
PACKAGES = ("torch", "transformers", "sentence-transformers", "faiss-cpu", "numpy", "langchain-community")


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
    question_count: int | None = None  # default: 6 quick, all golden questions otherwise
    threads: int | None = None  # torch and FAISS threads for the whole run (None: the libraries' defaults)

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.scale_sizes or (QUICK_SIZES if self.quick else FULL_SIZES)

    @property
    def reindex_releases(self) -> tuple[int, ...]:
        return self.reindex_sizes or (QUICK_REINDEX_RELEASES if self.quick else FULL_REINDEX_RELEASES)

    @property
    def questions(self) -> int:
        return self.question_count or (6 if self.quick else 49)

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


def machine_facts() -> dict[str, Any]:
    import os

    import faiss
    import torch

    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "not installed"
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
        "faiss_threads": faiss.omp_get_max_threads(),
        "load_average_start": load_average(),
        "packages": packages,
    }


def apply_threads(count: int) -> None:
    """Use ``count`` threads in torch (the model) and FAISS (OpenMP) from now on."""
    import faiss
    import torch

    if count < 1:
        raise ValueError(f"thread count must be at least 1, got {count}")
    torch.set_num_threads(count)
    faiss.omp_set_num_threads(count)


def run_bench(config: BenchConfig) -> BenchRun:
    from corpus.loader import load_corpus
    from index.encoder import load_encoder

    run = BenchRun(config)
    if config.threads:
        apply_threads(config.threads)
    run.machine = machine_facts()
    work_dir = config.work_dir or Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        releases = load_corpus(config.corpus_dir).releases
        if not releases:
            raise RuntimeError(f"no usable releases in {config.corpus_dir}")
        started = time.perf_counter()
        needs_model = {"indexing", "latency", "memory", "langchain", "query_model", "compression"}
        encoder = load_encoder(config.settings.model, config.settings) if needs_model & set(config.sections) else None
        run.machine["model_load_seconds"] = round(time.perf_counter() - started, 1)
        run.machine["model_id"] = encoder.model_id if encoder else None
        questions = _golden_questions(config.questions)
        _run_sections(run, config, work_dir, releases, encoder, questions)
        run.sections["rule"] = {
            "exact_limit": ann.EXACT_LIMIT,
            "plans": {str(n): to_plain(ann.choose_index(n)) for n in (10_000, 100_000, 250_000, 1_000_000, 5_000_000)},
        }
        run.machine["load_average_end"] = load_average()
    finally:
        if config.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    return run


def _golden_questions(count: int) -> list[str]:
    from evaluation.golden_set import GOLDEN_FILE

    lines = GOLDEN_FILE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()][:count]


def _run_sections(run: BenchRun, config: BenchConfig, work_dir: Path, releases: list, encoder: Any, questions: list[str]) -> None:
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
        run.section(
            "memory",
            lambda: footprint.serving_memory(
                index_dir, config.settings.home, GOLDEN_FILE, 3 if config.quick else 10, config.threads
            ),
        )
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
        ),
    )
    passages = [chunk.text for release in releases for chunk in chunk_release(release)]

    def model_knobs() -> dict:
        count = 3 if config.quick else 20
        chosen_passages = passages[:2] if config.quick else passages[:10]
        result = {"query": query_model.measure_query_model(encoder, questions[:count], chosen_passages)}
        if not config.quick:
            result["document_batch_sizes"] = query_model.measure_document_batch_sizes(encoder, passages)
        return result

    run.section("query_model", model_knobs)
    run.section(
        "compression",
        lambda: footprint.measure_compression_quality(config.settings, encoder, config.ntrex_dir, 10, config.progress),
    )
    seeds = [(release, chunk_release(release)) for release in releases]
    scale_config = scale.ScaleConfig(
        sizes=config.sizes,
        queries=100 if config.quick else 200,
        latency_queries=50 if config.quick else 100,
        exact_latency_queries=30 if config.quick else 50,
        hnsw_max=10_000 if config.quick else 100_000,
        both_datasets_max=10_000 if config.quick else 1_000_000,
        serving_questions=5 if config.quick else 20,
    )
    run.section("scale", lambda: scale.measure_scale(seeds, scale_config, work_dir, config.progress))
    run.section("reindex_scale", lambda: indexing.measure_reindex_at_scale(releases, config.reindex_releases, work_dir))
