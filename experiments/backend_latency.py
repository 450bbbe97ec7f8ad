"""Vector-store backends side by side: FAISS exact against Milvus FLAT and HNSW (milvus-lite,
and a real Milvus server with ``--milvus-uri`` or ``--start-milvus``).

At N synthetic chunks (clustered unit vectors, ``evaluation.bench.synthetic``; six chunks
per release, languages cycling over en, bs, hr, sr-Latn, sr-Cyrl, mk, dates over five
years with some releases undated) every backend is measured the way the chat uses it:

* load time: ``add`` in batches of 1,000 chunks;
* single-query latency (k=10) over Q queries, unfiltered, with ``Filters(languages={"mk"})``
  and with a one-release filter (the release of the chunk the query was copied from),
  twice: right after loading, and after saving/closing and opening the store again
  (milvus-lite searches rows still in its memtable far more slowly than sealed segments);
* recall@10 of each scenario against FAISS exact (the reference, itself checked at 1.0);
* on-disk size (FAISS: the files ``save`` writes; Milvus: the ``.db`` folder after close)
  and the process's peak RSS after each phase (``VmHWM``; it only grows).

Queries are noisy copies of random stored vectors. FAISS runs on one OpenMP thread, as
the chat searches one question at a time; milvus-lite runs in-process, so the setting
reaches its FAISS-based indexes too. Load averages at start and end are recorded: on a
shared CPU every timing scales with them.

A Milvus server (``server-flat``, ``server-hnsw``) is searched over gRPC on loopback at the
store's read level (Bounded: see ``index.milvus_store``); its own memory and disk are not in
the RSS and on-disk columns (they are the client's and the generation folder's).
``--start-milvus`` starts a Milvus standalone from the ``milvus`` test dependency in a
temporary folder for the run (``tests.milvus_server``) and stops it at the end.

Usage::

    python -m experiments.backend_latency [--chunks 100000] [--queries 200] [--out DIR]
        [--milvus-uri http://127.0.0.1:19530 | --start-milvus]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import faiss
import numpy as np
import typer
from tqdm import tqdm

from evaluation.bench.machine import machine_facts
from evaluation.bench.memory import mib, path_size, peak_rss_bytes
from evaluation.bench.stats import LatencySummary
from evaluation.bench.synthetic import (
    CLUSTERED,
    make_centroids,
    normalize_rows,
    synthetic_vectors,
)
from index.cli import HomeOption, settings_from
from index.store_location import DEFAULT_MILVUS_INDEX, backend_of, parse_location
from index.filters import Filters
from index.vector_store import CHUNKS, ChunkEntry, StoreLocation, VectorStore

DIMENSION = 768
MACHINE_PACKAGES = ("faiss-cpu", "numpy", "pymilvus", "milvus-lite")
K = 10
BATCH = 1_000
SEED = 20_261_122
POINTS_PER_CENTROID = 50
CHUNKS_PER_RELEASE = 6
LANGUAGE_CYCLE = (
    ("en", "Latn"),
    ("bs", "Latn"),
    ("hr", "Latn"),
    ("sr", "Latn"),
    ("sr", "Cyrl"),
    ("mk", "Cyrl"),
)
FIRST_DAY = dt.date(2021, 1, 1)
DATE_SPAN_DAYS = 5 * 365
UNDATED_EVERY = 10  # every tenth release has no date
QUERY_NOISE = 0.5  # noise norm relative to the (unit) stored vector a query copies
FAISS_THREADS = 1

UNFILTERED = "unfiltered"
LANGUAGE_MK = "language mk"
ONE_RELEASE = "one release"
SCENARIOS = (UNFILTERED, LANGUAGE_MK, ONE_RELEASE)

FAISS_EXACT = "faiss-exact"
MILVUS_FLAT = "milvus-flat"
MILVUS_HNSW = "milvus-hnsw"
# backend name -> Milvus index type (None: the FAISS store)
BACKENDS: dict[str, str | None] = {
    FAISS_EXACT: None,
    MILVUS_FLAT: "FLAT",
    MILVUS_HNSW: "HNSW",
}
SERVER_FLAT = "server-flat"
SERVER_HNSW = "server-hnsw"
# measured too when a Milvus server is given: backend name -> index type
SERVER_BACKENDS: dict[str, str] = {SERVER_FLAT: "FLAT", SERVER_HNSW: "HNSW"}
COLLECTION = "backend_latency"
# read levels timed on the server's FLAT collection (index.milvus_store reads at Bounded)
CONSISTENCY_LEVELS = ("Strong", "Bounded", "Eventually")


@dataclass(frozen=True)
class SyntheticCorpus:
    """Chunk entries and their unit vectors, row i belonging to entry i."""

    entries: list[ChunkEntry]
    vectors: np.ndarray


def synthetic_corpus(
    chunks: int, dimension: int = DIMENSION, seed: int = SEED
) -> SyntheticCorpus:
    """``chunks`` clustered unit vectors (about one centroid per 50 chunks) with release metadata."""
    if chunks < 1 or dimension < 1:
        raise ValueError(
            f"need at least one chunk and one dimension, got {chunks} chunks of {dimension}"
        )
    centroids = make_centroids(max(1, chunks // POINTS_PER_CENTROID), dimension, seed)
    vectors = synthetic_vectors(CLUSTERED, chunks, dimension, seed + 1, centroids)
    rng = np.random.default_rng(seed + 2)
    releases = -(-chunks // CHUNKS_PER_RELEASE)
    days = rng.integers(0, DATE_SPAN_DAYS, size=releases)
    entries = []
    for row in range(chunks):
        release = row // CHUNKS_PER_RELEASE
        language, script = LANGUAGE_CYCLE[release % len(LANGUAGE_CYCLE)]
        date = (
            None
            if release % UNDATED_EVERY == UNDATED_EVERY - 1
            else FIRST_DAY + dt.timedelta(int(days[release]))
        )
        entries.append(
            ChunkEntry(row + 1, f"release-{release:07d}", language, script, date)
        )
    return SyntheticCorpus(entries, vectors)


def noisy_queries(
    corpus: SyntheticCorpus, count: int, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` unit queries, each a noisy copy of a random stored vector, and the rows they copy."""
    if count < 1:
        raise ValueError(f"need at least one query, got {count}")
    rng = np.random.default_rng(seed + 3)
    rows, dimension = corpus.vectors.shape
    sources = rng.choice(rows, size=count, replace=count > rows)
    noise = rng.standard_normal((count, dimension), dtype=np.float32) * np.float32(
        QUERY_NOISE / np.sqrt(dimension)
    )
    return normalize_rows(corpus.vectors[sources] + noise), sources


def scenario_filters(
    corpus: SyntheticCorpus, sources: np.ndarray
) -> dict[str, list[Filters | None]]:
    """Per scenario, the filter of every query (the one-release filter names the query's source release)."""
    count = len(sources)
    return {
        UNFILTERED: [None] * count,
        LANGUAGE_MK: [Filters(languages=frozenset({"mk"}))] * count,
        ONE_RELEASE: [
            Filters(release_ids=frozenset({corpus.entries[row].release_id}))
            for row in sources
        ],
    }


def recall_at_k(
    found: Sequence[Sequence[int]], truth: Sequence[Sequence[int]]
) -> float:
    """Mean share of each query's reference ids that were found (queries with no reference are skipped)."""
    if len(found) != len(truth):
        raise ValueError(f"{len(found)} result lists for {len(truth)} reference lists")
    shares = [
        len(set(got) & set(want)) / len(want)
        for got, want in zip(found, truth, strict=True)
        if want
    ]
    return round(float(np.mean(shares)), 4) if shares else float("nan")


def file_kinds(path: Path) -> dict[str, int]:
    """Files under ``path`` counted by kind: the last two name suffixes (``.hnsw.idx``)."""
    files = (
        [path]
        if path.is_file()
        else [item for item in path.rglob("*") if item.is_file()]
    )
    kinds: dict[str, int] = {}
    for item in files:
        kind = "".join(item.suffixes[-2:]) or "(none)"
        kinds[kind] = kinds.get(kind, 0) + 1
    return dict(sorted(kinds.items()))


# --- one backend -------------------------------------------------------------------------------


AFTER_LOAD = "after load"
REOPENED = "reopened"


@dataclass
class PhaseResult:
    """One backend in one phase; ``results`` keeps the ids found per scenario (not reported).

    ``after load``: searched in the session that added the chunks. ``reopened``: searched
    after the store was saved (FAISS) or closed (Milvus) and opened again, as a server does.
    """

    name: str
    phase: str
    description: dict[str, object]
    load_s: float | None  # adding the chunks (after load only)
    open_s: float | None  # opening the saved store (reopened only)
    first_query_ms: float
    latency: dict[str, LatencySummary]
    recall: dict[str, float]
    disk_bytes: int
    disk_files: dict[str, int]
    peak_rss_mib: float
    results: dict[str, list[list[int]]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "phase": self.phase,
            "description": self.description,
            "load_s": self.load_s,
            "open_s": self.open_s,
            "first_query_ms": self.first_query_ms,
            "latency_ms": {
                scenario: summary.to_dict()
                for scenario, summary in self.latency.items()
            },
            f"recall_at_{K}": self.recall,
            "disk_bytes": self.disk_bytes,
            "disk_files": self.disk_files,
            "peak_rss_mib": self.peak_rss_mib,
        }


def load_store(
    store: VectorStore, corpus: SyntheticCorpus, label: str, progress: bool
) -> float:
    """Seconds to ``add`` the whole corpus in batches of ``BATCH`` chunks."""
    total = len(corpus.entries)
    bar = tqdm(total=total, desc=f"load {label}", unit="chunk", disable=not progress)
    started = time.perf_counter()
    for start in range(0, total, BATCH):
        stop = min(total, start + BATCH)
        store.add(corpus.entries[start:stop], corpus.vectors[start:stop])
        bar.update(stop - start)
    seconds = time.perf_counter() - started
    bar.close()
    return round(seconds, 3)


def timed_searches(
    store: VectorStore, queries: np.ndarray, filters: Sequence[Filters | None]
) -> tuple[list[float], list[list[int]]]:
    """Wall-clock seconds and result ids of one ``search`` per query, in order."""
    seconds, found = [], []
    for query, restriction in zip(queries, filters, strict=True):
        started = time.perf_counter()
        hits = store.search(query, K, restriction)
        seconds.append(time.perf_counter() - started)
        found.append([chunk for chunk, _ in hits])
    return seconds, found


def storage_path(name: str, workdir: Path) -> Path:
    """The generation-like folder where variant ``name`` keeps its files (or names its collection)."""
    return workdir / name


def location_of(name: str, storage: Path, server: str | None = None) -> StoreLocation:
    """The vector-store location of variant ``name``: FAISS, a milvus-lite database beside ``storage``,
    or the Milvus ``server`` (the ``server-*`` variants)."""
    if name in SERVER_BACKENDS:
        if not server:
            raise ValueError(f"{name} needs a Milvus server URI")
        return parse_location(server, storage.parent, SERVER_BACKENDS[name])
    index_type = BACKENDS[name]
    setting = "faiss" if index_type is None else f"{storage}.db"
    return parse_location(setting, storage.parent, index_type or DEFAULT_MILVUS_INDEX)


def open_store(name: str, storage: Path, dimension: int, server: str | None = None) -> VectorStore:
    """Variant ``name`` at ``storage``, through the backend registry: new and empty, or the saved one."""
    location = location_of(name, storage, server)
    backend = backend_of(location)
    if storage.exists():
        files = [path.name for path in storage.iterdir()]
        store = backend.open(backend.location_of(storage, ""), storage, files, CHUNKS, dimension)
        if store is None:
            raise RuntimeError(f"{storage} holds no saved store")
        return store
    storage.mkdir(parents=True)
    return backend.create(location, storage, CHUNKS, dimension, COLLECTION, "synthetic")


def save_store(name: str, store: VectorStore, storage: Path, server: str | None = None) -> None:
    """What a generation keeps of the store (FAISS: its files; Milvus: the collection's name)."""
    location = location_of(name, storage, server)
    backend_of(location).save(store, location, storage, CHUNKS)


def describe_without_location(store: VectorStore, storage: Path) -> dict[str, object]:
    """``store.describe()`` with the (temporary) database path replaced by its name."""
    description = {k: v for k, v in store.describe().items() if k != "uri"}
    return {**description, "storage": storage.name}


def close_store(store: VectorStore) -> None:
    store.close()


@dataclass(frozen=True)
class SearchRun:
    first_query_ms: float
    latency: dict[str, LatencySummary]
    results: dict[str, list[list[int]]]


def search_scenarios(
    store: VectorStore, queries: np.ndarray, filters: dict[str, list[Filters | None]]
) -> SearchRun:
    """A first search (reported on its own), then every query of every scenario, timed one by one."""
    started = time.perf_counter()
    store.search(queries[0], K)
    first_query_ms = round(1000 * (time.perf_counter() - started), 3)
    latency, results = {}, {}
    for scenario, restrictions in filters.items():
        seconds, results[scenario] = timed_searches(store, queries, restrictions)
        latency[scenario] = LatencySummary.of_seconds(seconds)
    return SearchRun(first_query_ms, latency, results)


def measure_backend(
    name: str,
    corpus: SyntheticCorpus,
    queries: np.ndarray,
    filters: dict[str, list[Filters | None]],
    workdir: Path,
    reference: PhaseResult | None,
    progress: bool,
    server: str | None = None,
) -> list[PhaseResult]:
    """Backend ``name`` after load and reopened; recall against ``reference`` (None: itself after load)."""
    dimension = corpus.vectors.shape[1]
    storage = storage_path(name, workdir)
    store = open_store(name, storage, dimension, server)
    try:
        load_s = load_store(store, corpus, name, progress)
        loaded = search_scenarios(store, queries, filters)
        description = describe_without_location(store, storage)
        save_store(name, store, storage, server)
    finally:
        close_store(store)
    after_load_rss = mib(peak_rss_bytes())
    started = time.perf_counter()
    store = open_store(name, storage, dimension, server)
    try:
        open_s = round(time.perf_counter() - started, 3)
        reopened = search_scenarios(store, queries, filters)
    finally:
        close_store(store)
    truth = loaded.results if reference is None else reference.results
    phases = []
    for phase, run, load, opened, rss in (
        (AFTER_LOAD, loaded, load_s, None, after_load_rss),
        (REOPENED, reopened, None, open_s, mib(peak_rss_bytes())),
    ):
        recall = {
            scenario: recall_at_k(run.results[scenario], truth[scenario])
            for scenario in filters
        }
        result = PhaseResult(
            name=name,
            phase=phase,
            description=description,
            load_s=load,
            open_s=opened,
            first_query_ms=run.first_query_ms,
            latency=run.latency,
            recall=recall,
            disk_bytes=path_size(storage),
            disk_files=file_kinds(storage),
            peak_rss_mib=rss,
            results=run.results,
        )
        phases.append(result)
    return phases


def consistency_latency(server: str, collection: str, queries: np.ndarray) -> dict[str, dict[str, float]]:
    """Unfiltered single-query searches on ``collection`` at each read level, timed one by one."""
    from pymilvus import MilvusClient

    client = MilvusClient(uri=server)
    try:
        latency = {}
        for level in CONSISTENCY_LEVELS:
            seconds = []
            for query in queries:
                started = time.perf_counter()
                client.search(collection, data=[query.tolist()], limit=K, consistency_level=level)
                seconds.append(time.perf_counter() - started)
            latency[level] = LatencySummary.of_seconds(seconds).to_dict()
        return latency
    finally:
        client.close()


# --- the whole run -----------------------------------------------------------------------------


def load_averages() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def run_benchmark(
    chunks: int,
    queries: int,
    workdir: Path,
    dimension: int = DIMENSION,
    seed: int = SEED,
    progress: bool = True,
    server: str | None = None,
) -> dict[str, object]:
    """Measure every backend in ``BACKENDS`` (and ``SERVER_BACKENDS`` on ``server``) on one synthetic
    corpus; returns the report as a dict."""
    load_before = load_averages()
    started = dt.datetime.now(dt.UTC)
    faiss.omp_set_num_threads(FAISS_THREADS)
    generated = time.perf_counter()
    corpus = synthetic_corpus(chunks, dimension, seed)
    query_vectors, sources = noisy_queries(corpus, queries, seed)
    filters = scenario_filters(corpus, sources)
    generate_s = round(time.perf_counter() - generated, 3)
    measured: list[PhaseResult] = []
    names = [*BACKENDS, *(SERVER_BACKENDS if server else ())]
    for name in names:
        reference = measured[0] if measured else None
        measured += measure_backend(
            name, corpus, query_vectors, filters, workdir, reference, progress, server
        )
    consistency = None
    if server:
        flat = next(result for result in measured if result.name == SERVER_FLAT)
        consistency = consistency_latency(server, str(flat.description["collection"]), query_vectors)
    passing = {
        scenario: round(float(np.mean([len(ids) for ids in found])), 2)
        for scenario, found in measured[0].results.items()
    }
    return {
        "date": started.isoformat(timespec="seconds"),
        "chunks": chunks,
        "queries": queries,
        "dimension": dimension,
        "k": K,
        "seed": seed,
        "releases": len({entry.release_id for entry in corpus.entries}),
        "mk_chunks": sum(entry.language == "mk" for entry in corpus.entries),
        "mean_hits_per_scenario": passing,
        "faiss_threads": FAISS_THREADS,
        "generate_s": generate_s,
        "machine": machine_facts(MACHINE_PACKAGES),
        "load_average_start": load_before,
        "load_average_end": load_averages(),
        "milvus_server": bool(server),
        "consistency_latency_ms": consistency,
        "backends": [result.to_dict() for result in measured],
    }


# --- report ------------------------------------------------------------------------------------


def _mib(size: float) -> str:
    return f"{size / 2**20:,.1f}"


def _conditions(report: dict) -> str:
    machine = report["machine"]
    versions = ", ".join(
        f"{name} {version}" for name, version in machine["packages"].items()
    )
    return (
        f"{report['chunks']:,} synthetic chunks × {report['dimension']} dimensions "
        f"(clustered unit vectors, {report['releases']:,} releases of {CHUNKS_PER_RELEASE} "
        f"chunks, {report['mk_chunks']:,} in mk), {report['queries']} queries (noisy "
        f"copies of stored vectors), k={report['k']}, seed {report['seed']}. "
        f"{machine['cpus']} CPUs; load average (1/5/15 min) "
        f"{report['load_average_start']} at start, {report['load_average_end']} at end. "
        f"FAISS on {report['faiss_threads']} OpenMP thread (single-query searches, as in "
        f"the chat; milvus-lite runs in-process, so its FAISS-based indexes too). "
        f"Python {machine['python']}, {versions}."
    )


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _latency_rows(report: dict) -> list[str]:
    scenarios = " | ".join(f"{scenario} p50 / p95 / p99" for scenario in SCENARIOS)
    rows = [
        f"| backend | phase | load s | chunks/s | open s | first query ms | {scenarios} |",
        "|---|---|---|---|---|---|" + "---|" * len(SCENARIOS),
    ]
    for backend in report["backends"]:
        load_s = backend["load_s"]
        rate = "–" if load_s is None else f"{report['chunks'] / max(load_s, 1e-9):,.0f}"
        cells = [backend["name"], backend["phase"], _seconds(load_s), rate]
        cells += [_seconds(backend["open_s"]), f"{backend['first_query_ms']:.1f}"]
        for scenario in SCENARIOS:
            ms = backend["latency_ms"][scenario]
            cells.append(
                f"{ms['p50_ms']:.2f} / {ms['p95_ms']:.2f} / {ms['p99_ms']:.2f}"
            )
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _index_label(description: dict) -> str:
    params = description.get("index_params") or {}
    settings = ", ".join(f"{key}={value}" for key, value in params.items())
    return f"{description.get('index_type')} {settings}".strip()


def _recall_rows(report: dict) -> list[str]:
    scenarios = " | ".join(f"recall {scenario}" for scenario in SCENARIOS)
    rows = [
        f"| backend | phase | index | {scenarios} | on disk MiB | peak RSS MiB |",
        "|---|---|---|" + "---|" * len(SCENARIOS) + "---|---|",
    ]
    for backend in report["backends"]:
        recall = backend[f"recall_at_{report['k']}"]
        cells = [
            backend["name"],
            backend["phase"],
            _index_label(backend["description"]),
        ]
        cells += [f"{recall[scenario]:.4f}" for scenario in SCENARIOS]
        cells += [_mib(backend["disk_bytes"]), f"{backend['peak_rss_mib']:,.0f}"]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _notes(report: dict) -> str:
    hits = ", ".join(
        f"{name} {count}" for name, count in report["mean_hits_per_scenario"].items()
    )
    corpus_mib = _mib(report["chunks"] * report["dimension"] * 4)
    files = "; ".join(
        f"{backend['name']} {backend['phase']}: "
        + ", ".join(f"{count} {kind}" for kind, count in backend["disk_files"].items())
        for backend in report["backends"]
    )
    return (
        'Scenarios: `unfiltered`; `language mk` = `Filters(languages={"mk"})` (a sixth '
        "of the chunks); `one release` = the release of the chunk each query copies "
        f"(at most {CHUNKS_PER_RELEASE} chunks, so fewer than k hits). Mean reference hits "
        f"per query: {hits}. Phases: `after load` = searched in the session that added "
        f"the chunks (`add` in batches of {BATCH:,}); `reopened` = after FAISS `save` and "
        "the backend's `open` of the saved store (FAISS: read the files; Milvus: connect again) (open s), as a "
        "server opening an existing index. First query = the phase's first unfiltered "
        "search (not in the percentiles). Recall = mean share of FAISS exact's ids (after "
        "load) found. On disk: FAISS = the files `save` writes; Milvus = the milvus-lite "
        "`.db` folder after close; server-* = a Milvus standalone over gRPC on loopback (Bounded reads), "
        "its own disk and memory not counted. Peak RSS = the process's high-water mark after the "
        "phase; rows run in table order, so a row includes the peaks of the rows above "
        f"it (the corpus alone is {corpus_mib} MiB of float32). Files on disk by kind: "
        f"{files}."
    )


def markdown_report(report: dict) -> str:
    """The report as Markdown: conditions, a latency table, a recall/size table, notes."""
    lines = [
        f"# Vector-store backends at {report['chunks']:,} chunks — {report['date']}",
        "",
        _conditions(report),
        "",
        "## Latency (ms per single-query search)",
        "",
        *_latency_rows(report),
        "",
        f"## Recall@{report['k']} against FAISS exact, size and memory",
        "",
        *_recall_rows(report),
        "",
        _notes(report),
        "",
        *_consistency_rows(report),
    ]
    return "\n".join(lines)


def _consistency_rows(report: dict) -> list[str]:
    latency = report.get("consistency_latency_ms")
    if not latency:
        return []
    rows = [
        "## Read level on the Milvus server (FLAT, unfiltered, ms)",
        "",
        "| consistency level | p50 | p95 | p99 |",
        "|---|---|---|---|",
    ]
    for level, ms in latency.items():
        rows.append(f"| {level} | {ms['p50_ms']:.2f} | {ms['p95_ms']:.2f} | {ms['p99_ms']:.2f} |")
    return [*rows, ""]


def write_report(report: dict, out: Path) -> tuple[Path, Path]:
    """``backend-latency-<N>.md`` and ``.json`` in ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"backend-latency-{report['chunks']}"
    markdown, data = out / f"{stem}.md", out / f"{stem}.json"
    markdown.write_text(markdown_report(report), encoding="utf-8")
    data.write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return markdown, data


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(
    chunks: Annotated[
        int, typer.Option("--chunks", min=1, help="Synthetic chunks per backend.")
    ] = 100_000,
    queries: Annotated[
        int, typer.Option("--queries", min=1, help="Queries per scenario.")
    ] = 200,
    dimension: Annotated[
        int, typer.Option("--dimension", min=1, help="Vector dimension.")
    ] = DIMENSION,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Report folder (default: <assistant home>/reports)."
        ),
    ] = None,
    home: HomeOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bars.")] = False,
    milvus_uri: Annotated[
        str | None,
        typer.Option("--milvus-uri", help="Also measure this Milvus server (e.g. http://127.0.0.1:19530)."),
    ] = None,
    start_milvus: Annotated[
        bool,
        typer.Option("--start-milvus", help="Start a Milvus standalone (the milvus test dependency) for the run."),
    ] = False,
) -> None:
    """Load, search and size FAISS exact, Milvus FLAT and Milvus HNSW on synthetic chunks; write the report."""
    if milvus_uri and start_milvus:
        raise typer.BadParameter("give --milvus-uri or --start-milvus, not both")
    folder = out or settings_from(home).home / "reports"
    workdir = Path(tempfile.mkdtemp(prefix="backend-latency-"))
    server = None
    try:
        if start_milvus:
            from tests.milvus_server import LocalMilvus

            server = LocalMilvus(workdir / "milvus-server")
            typer.echo(f"starting a Milvus standalone in {server.data_dir} …", err=True)
            server.start()
            milvus_uri = server.uri
        report = run_benchmark(chunks, queries, workdir, dimension, progress=not quiet, server=milvus_uri)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    markdown, data = write_report(report, folder)
    typer.echo(markdown_report(report))
    typer.echo(f"Wrote {markdown} and {data}")


if __name__ == "__main__":
    app()
