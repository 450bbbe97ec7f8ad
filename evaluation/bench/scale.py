"""Scale curve: exact FAISS vs ANN (IVF, HNSW) and fp16 storage on synthetic corpora of 10k to 1M chunks.

Per size: a chunk database like a real generation's (rows copied from the seed releases), then
per data set (clustered, uniform) every index variant: build time, memory (RSS retained and peak
during the build), size on disk, single-query latency, recall@10 against exact search, with and
without a language filter. Besides the sweeps, the layout the product ships for that size
(``index.faiss_layout.choose_index`` + ``build_index``, its own nprobe) is measured as is. A serving
process is started on the generation to measure start-up time, memory and answer latency without the
model (random query vectors).
"""

from __future__ import annotations

import gc
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import faiss
import numpy as np
from tqdm.auto import tqdm

from corpus.release import Release
from evaluation.bench import ann
from evaluation.bench.generation import generation_dir, publish_generation
from evaluation.bench.memory import (
    mib,
    path_size,
    peak_rss_bytes,
    pin_malloc_thresholds,
    reset_peak_rss,
    rss_bytes,
    run_probe,
)
from evaluation.bench.stats import LatencySummary, load_average, time_each
from evaluation.bench.synthetic import (
    CLUSTERED,
    RandomEncoder,
    cluster_count,
    make_centroids,
    synthetic_vectors,
    write_chunk_database,
)
from index import chunk_db, faiss_layout
from index.chunking import Chunk
from index.store import CHUNKS_FILE

RECALL_TARGET = 0.95
K = 10
FILTER_LANGUAGE = "mk"
RECONSTRUCT_SAMPLE = 2000
SHIPPED = "shipped"  # the product's layout for the size (exact or IVF), measured with its own knobs


@dataclass
class SettingResult:
    value: int | None
    recall_at_10: float
    latency: LatencySummary


@dataclass
class VariantResult:
    dataset: str
    n: int
    kind: str
    knob: str  # nprobe / efSearch / ""
    build_seconds: float
    retained_mib: float
    build_peak_mib: float
    disk_mib: float
    supports_removal: bool
    settings: list[SettingResult] = field(default_factory=list)
    chosen: int | None = None
    layout: dict | None = None  # IndexPlan of the shipped layout
    filtered_recall_at_10: float | None = None
    filtered_latency: LatencySummary | None = None
    notes: list[str] = field(default_factory=list)

    def chosen_setting(self) -> SettingResult:
        return next(item for item in self.settings if item.value == self.chosen)


@dataclass
class MetadataResult:
    releases: int
    build_seconds: float
    disk_mib: float
    fetch_latency: LatencySummary  # chunk_records for 10 ids, as every answer does
    filter_latency: LatencySummary  # select_chunk_ids for one language
    filter_share: float


@dataclass
class SizeResult:
    n: int
    dimension: int
    metadata: MetadataResult
    variants: list[VariantResult] = field(default_factory=list)
    serving: dict | None = None  # probe output: start-up, memory, latency without the model
    reconstruct_seconds_estimate: float = 0.0  # service.IndexReleases.chunk_vectors on this size
    exact_threads: dict[str, LatencySummary] = field(default_factory=dict)  # FAISS threads -> latency
    load_average: list[float] = field(default_factory=list)


@dataclass
class ScaleConfig:
    sizes: Sequence[int]
    datasets: Sequence[str] = (CLUSTERED, "uniform")
    queries: int = 200
    latency_queries: int = 100
    exact_latency_queries: int = 50
    hnsw_max: int = 100_000
    both_datasets_max: int = 1_000_000  # above this size only the first data set (clustered) is measured
    serving_questions: int = 20
    dimension: int = 768
    seed: int = 42


def _measure_build(build: Callable[[], faiss.Index]) -> tuple[faiss.Index, float, float, float]:
    """(index, seconds, retained MiB, peak MiB above the start) of one build, on every core."""
    gc.collect()
    before = rss_bytes()
    reset_peak_rss()
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    try:
        index = build()
    finally:
        seconds = time.perf_counter() - started
        faiss.omp_set_num_threads(threads)
    return index, seconds, mib(rss_bytes() - before), mib(peak_rss_bytes() - before)


def _disk_mib(index: faiss.Index, scratch: Path) -> float:
    target = scratch / "sized.faiss"
    faiss.write_index(index, str(target))
    size = target.stat().st_size
    target.unlink()
    return mib(size)


def _pick(settings: Sequence[SettingResult]) -> int | None:
    """The cheapest knob value reaching the recall target, else the most accurate one."""
    for item in settings:
        if item.recall_at_10 >= RECALL_TARGET:
            return item.value
    return max(settings, key=lambda item: item.recall_at_10).value


def _setting(
    index: faiss.Index,
    value: int | None,
    params: faiss.SearchParameters | None,
    queries: np.ndarray,
    truth: np.ndarray,
    timed_queries: np.ndarray,
) -> SettingResult:
    """Recall@10 of ``index`` searched with ``params`` over ``queries``, and single-query latency."""
    recall = ann.recall_at_k(ann.search_ids(index, queries, K, params), truth, K)
    return SettingResult(value, round(recall, 4), ann.single_query_latency(index, timed_queries, K, params))


def shipped_variant(
    plan: faiss_layout.IndexPlan,
    vectors: np.ndarray,
    ids: np.ndarray,
    dataset: str,
    queries: np.ndarray,
    truth: np.ndarray,
    filtered_truth: np.ndarray,
    allowed: np.ndarray,
    config: ScaleConfig,
    scratch: Path,
) -> VariantResult:
    """The product's layout ``plan`` built by ``faiss_layout.build_index`` and searched with its own knobs."""
    index, seconds, retained, peak = _measure_build(partial(faiss_layout.build_index, plan, vectors, ids))
    result = VariantResult(
        dataset=dataset, n=len(vectors), kind=SHIPPED, knob="", build_seconds=round(seconds, 3),
        retained_mib=retained, build_peak_mib=peak, disk_mib=_disk_mib(index, scratch), supports_removal=True,
        chosen=plan.nprobe or None, layout=plan.to_dict(),
    )
    if plan.kind == faiss_layout.EXACT:  # a full scan per query: fewer queries keep it affordable
        queries, truth = queries[: config.exact_latency_queries], truth[: config.exact_latency_queries]
        filtered_truth = filtered_truth[: config.exact_latency_queries]
    timed = queries[: config.latency_queries]
    plain, filtered = faiss_layout.search_parameters(plan, None), faiss_layout.search_parameters(plan, allowed)
    result.settings.append(_setting(index, result.chosen, plain, queries, truth, timed))
    restricted = _setting(index, result.chosen, filtered, queries, filtered_truth, timed)
    result.filtered_recall_at_10, result.filtered_latency = restricted.recall_at_10, restricted.latency
    del index
    gc.collect()
    return result


def _variant(
    kind: str,
    build: Callable[[], faiss.Index],
    dataset: str,
    n: int,
    queries: np.ndarray,
    truth: np.ndarray,
    filtered_truth: np.ndarray,
    allowed: np.ndarray,
    config: ScaleConfig,
    scratch: Path,
) -> VariantResult:
    index, seconds, retained, peak = _measure_build(build)
    knob = {ann.IVF: "nprobe", ann.HNSW: "efSearch"}.get(kind, "")
    result = VariantResult(
        dataset=dataset,
        n=n,
        kind=kind,
        knob=knob,
        build_seconds=round(seconds, 3),
        retained_mib=retained,
        build_peak_mib=peak,
        disk_mib=_disk_mib(index, scratch),
        supports_removal=ann.removal_supported(kind),
    )
    values: Sequence[int | None] = ann.sweep_values(kind) if knob else (None,)
    if kind == ann.EXACT_FP16:  # a full scan per query like exact search: fewer queries keep it affordable
        queries, truth = queries[: config.exact_latency_queries], truth[: config.exact_latency_queries]
        filtered_truth = filtered_truth[: config.exact_latency_queries]
    timed_queries = queries[: config.latency_queries]
    for value in values:
        params = ann.search_parameters(kind, value)
        result.settings.append(_setting(index, value, params, queries, truth, timed_queries))
    result.chosen = _pick(result.settings)
    filtered = _setting(index, result.chosen, ann.search_parameters(kind, result.chosen, allowed), queries,
                        filtered_truth, timed_queries)
    result.filtered_recall_at_10, result.filtered_latency = filtered.recall_at_10, filtered.latency
    if kind == ann.HNSW and not result.supports_removal:
        result.notes.append("remove_ids is not supported: every changed release would force a full rebuild")
    del index
    gc.collect()
    return result


def _metadata(
    folder: Path, seeds: Sequence[tuple[Release, Sequence[Chunk]]], n: int, rng: np.random.Generator
) -> tuple[MetadataResult, np.ndarray]:
    """Write the chunk database; time the per-answer row fetch and the language filter."""
    started = time.perf_counter()
    releases, _ = write_chunk_database(folder / CHUNKS_FILE, seeds, np.arange(n, dtype=np.int64))
    seconds = time.perf_counter() - started
    connection = chunk_db.open_readonly(folder / CHUNKS_FILE)
    try:
        samples = [rng.choice(n, size=min(K, n), replace=False).tolist() for _ in range(50)]
        fetch = LatencySummary.of_seconds(time_each(lambda ids: chunk_db.chunk_records(connection, ids), samples))
        allowed = chunk_db.select_chunk_ids(connection, [FILTER_LANGUAGE])
        filtering = LatencySummary.of_seconds(
            time_each(lambda _: chunk_db.select_chunk_ids(connection, [FILTER_LANGUAGE]), range(10))
        )
    finally:
        connection.close()
    result = MetadataResult(
        releases=releases,
        build_seconds=round(seconds, 3),
        disk_mib=mib(path_size(folder / CHUNKS_FILE)),
        fetch_latency=fetch,
        filter_latency=filtering,
        filter_share=round(len(allowed) / n, 4),
    )
    return result, allowed


def _thread_comparison(index: faiss.Index, queries: np.ndarray) -> dict[str, LatencySummary]:
    """Single-query exact search on one OpenMP thread per core, then on one thread."""
    cores = os.cpu_count() or 1
    return {
        f"{cores} threads": ann.single_query_latency(index, queries, K, threads=cores),
        "1 thread": ann.single_query_latency(index, queries, K, threads=1),
    }


def _reconstruct_estimate(index: faiss.Index, n: int) -> float:
    """Seconds ``IndexReleases.chunk_vectors`` spends reconstructing every vector one by one."""
    sample = np.arange(min(n, RECONSTRUCT_SAMPLE))
    started = time.perf_counter()
    for chunk_id in sample:
        index.reconstruct(int(chunk_id))
    return round((time.perf_counter() - started) * n / len(sample), 2)


def measure_size(
    n: int, seeds: Sequence[tuple[Release, Sequence[Chunk]]], config: ScaleConfig, work_dir: Path, progress: bool
) -> SizeResult:
    rng = np.random.default_rng(config.seed + n)
    index_dir = work_dir / f"scale-{n}"
    shutil.rmtree(index_dir, ignore_errors=True)
    folder = generation_dir(index_dir)
    folder.mkdir(parents=True)
    metadata, allowed = _metadata(folder, seeds, n, rng)
    size = SizeResult(n=n, dimension=config.dimension, metadata=metadata, load_average=[load_average()])
    ids = np.arange(n, dtype=np.int64)
    published = False
    datasets = config.datasets if n <= config.both_datasets_max else config.datasets[:1]
    steps = tqdm(total=len(datasets), desc=f"scale {n:,}", unit="data set", disable=not progress, leave=False)
    for number, dataset in enumerate(datasets):
        centroids = make_centroids(cluster_count(n), config.dimension, config.seed) if dataset == CLUSTERED else None
        vectors = synthetic_vectors(dataset, n, config.dimension, config.seed + 1 + number, centroids)
        queries = synthetic_vectors(dataset, config.queries, config.dimension, config.seed + 100 + number, centroids)

        exact, seconds, retained, peak = _measure_build(partial(ann.exact_index, vectors, ids))
        truth = ann.search_ids(exact, queries, K)
        filtered_truth = ann.search_ids(exact, queries, K, ann.search_parameters(ann.EXACT, None, allowed))
        exact_result = VariantResult(
            dataset=dataset, n=n, kind=ann.EXACT, knob="", build_seconds=round(seconds, 3),
            retained_mib=retained, build_peak_mib=peak, disk_mib=_disk_mib(exact, work_dir), supports_removal=True,
        )
        timed = queries[: config.exact_latency_queries]
        exact_result.settings.append(SettingResult(None, 1.0, ann.single_query_latency(exact, timed, K)))
        exact_result.filtered_recall_at_10 = 1.0
        exact_result.filtered_latency = ann.single_query_latency(
            exact, timed, K, ann.search_parameters(ann.EXACT, None, allowed)
        )
        size.variants.append(exact_result)
        if not published:
            size.exact_threads = _thread_comparison(exact, timed)
            size.reconstruct_seconds_estimate = _reconstruct_estimate(exact, n)
            publish_generation(index_dir, exact, RandomEncoder(config.dimension).model_id, metadata.releases)
            published = True
        del exact
        gc.collect()

        arguments = (dataset, n, queries, truth, filtered_truth, allowed, config, work_dir)
        size.variants.append(_variant(ann.EXACT_FP16, partial(ann.fp16_index, vectors, ids), *arguments))
        size.variants.append(
            shipped_variant(faiss_layout.choose_index(n), vectors, ids, dataset, queries, truth, filtered_truth,
                            allowed, config, work_dir)
        )
        nlist = faiss_layout.ivf_list_count(n)
        ivf = _variant(ann.IVF, partial(ann.ivf_index, vectors, ids, nlist), *arguments)
        ivf.notes.append(f"nlist={nlist}")
        size.variants.append(ivf)
        if n <= config.hnsw_max:
            size.variants.append(_variant(ann.HNSW, partial(ann.hnsw_index, vectors, ids), *arguments))
        del vectors
        gc.collect()
        steps.update()
    steps.close()
    size.load_average.append(load_average())
    size.serving = run_probe(
        "serve", "--index-dir", str(index_dir), "--random-encoder", str(config.dimension),
        "--questions", str(config.serving_questions), "--mode", "dense",
    )
    shutil.rmtree(index_dir, ignore_errors=True)
    return size


def hnsw_build_estimate(measured_n: int, measured_seconds: float, target_n: int) -> float:
    """HNSW insertion costs ~log(n) each: seconds(target) ≈ seconds(measured) · (N/n) · log N / log n."""
    if measured_n < 2 or target_n < 2:
        raise ValueError("HNSW estimates need at least two vectors")
    return measured_seconds * (target_n / measured_n) * math.log(target_n) / math.log(measured_n)


def measure_scale(
    seeds: Sequence[tuple[Release, Sequence[Chunk]]], config: ScaleConfig, work_dir: Path, progress: bool = True
) -> list[SizeResult]:
    pin_malloc_thresholds()
    return [measure_size(n, seeds, config, work_dir, progress) for n in config.sizes]


def size_to_dict(size: SizeResult) -> dict:
    return asdict(size)
