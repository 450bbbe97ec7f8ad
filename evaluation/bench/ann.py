"""Vector index variants for the scale curve: exact, fp16, IVF and HNSW; recall; the index-type rule.

Every variant answers inner-product (= cosine on unit vectors) searches over chunk ids, like
``index.store`` (which wraps ``IndexFlatIP`` in ``IndexIDMap2``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import faiss
import numpy as np

from evaluation.bench.stats import LatencySummary, time_each

EXACT = "exact"
EXACT_FP16 = "exact-fp16"
IVF = "ivf"
HNSW = "hnsw"

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
IVF_TRAIN_POINTS_PER_LIST = 64
IVF_TRAIN_ITERATIONS = 10
IVF_SEED = 1234

# Single-query searches run on one OpenMP thread: on a shared 2-core machine two threads
# spin against other work and are several times slower (the bench measures both for exact search).
SEARCH_THREADS = 1

# The proposed rule (see choose_index): exact search up to this many chunks, IVF above.
EXACT_LIMIT = 250_000
IVF_TARGET_NPROBE_SHARE = 0.03  # ~3 % of the lists scanned per query


def exact_index(vectors: np.ndarray, ids: np.ndarray) -> faiss.Index:
    """What ``index.store`` builds today: ``IndexIDMap2(IndexFlatIP)``."""
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    index.add_with_ids(vectors, ids)
    return index


def fp16_index(vectors: np.ndarray, ids: np.ndarray) -> faiss.Index:
    """Exact search over vectors stored as float16 (half the memory)."""
    inner = faiss.IndexScalarQuantizer(vectors.shape[1], faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(vectors, ids)
    return index


def ivf_list_count(n: int) -> int:
    """About sqrt(n) inverted lists (at least 1): cheap to train and add on two cores."""
    return max(1, int(round(math.sqrt(n))))


def ivf_index(vectors: np.ndarray, ids: np.ndarray, nlist: int, seed: int = IVF_SEED) -> faiss.Index:
    """``IndexIVFFlat`` (inner product) with its own ids and a hash-table direct map.

    The direct map keeps ``reconstruct(chunk_id)`` and ``remove_ids`` working, which the
    store's incremental generations and the assistant's related-release view need.
    """
    dimension = vectors.shape[1]
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = IVF_TRAIN_ITERATIONS
    index.cp.seed = seed
    sample_size = min(len(vectors), nlist * IVF_TRAIN_POINTS_PER_LIST)
    sample = np.random.default_rng(seed).choice(len(vectors), size=sample_size, replace=False)
    index.train(np.ascontiguousarray(vectors[np.sort(sample)]))
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(vectors, ids)
    return index


def hnsw_index(
    vectors: np.ndarray, ids: np.ndarray, m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION
) -> faiss.Index:
    """``IndexHNSWFlat`` (inner product) behind an id map; note HNSW cannot remove vectors."""
    inner = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    inner.hnsw.efConstruction = ef_construction
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(vectors, ids)
    return index


def search_parameters(kind: str, value: int | None = None, allowed: np.ndarray | None = None) -> faiss.SearchParameters | None:
    """Per-search knobs: ``value`` is nprobe (IVF) or efSearch (HNSW); ``allowed`` restricts chunk ids."""
    selector = faiss.IDSelectorBatch(allowed) if allowed is not None else None
    if kind == IVF:
        params = faiss.SearchParametersIVF()
        if value is not None:
            params.nprobe = int(value)
    elif kind == HNSW:
        params = faiss.SearchParametersHNSW()
        if value is not None:
            params.efSearch = int(value)
    elif kind in (EXACT, EXACT_FP16):
        if selector is None:
            return None
        params = faiss.SearchParameters()
    else:
        raise ValueError(f"unknown index kind {kind!r}")
    if selector is not None:
        params.sel = selector
    return params


def search_ids(index: faiss.Index, queries: np.ndarray, k: int, params: faiss.SearchParameters | None = None) -> np.ndarray:
    """Top-``k`` ids of every query (one batch); -1 pads missing results."""
    _, ids = index.search(np.ascontiguousarray(queries, dtype=np.float32), k, params=params)
    return ids


def single_query_latency(
    index: faiss.Index,
    queries: np.ndarray,
    k: int,
    params: faiss.SearchParameters | None = None,
    threads: int | None = SEARCH_THREADS,
) -> LatencySummary:
    """One query per call, as the chat searches, with ``threads`` OpenMP threads (None: FAISS's default)."""
    rows = [np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32) for query in queries]
    default = faiss.omp_get_max_threads()
    if threads is not None:
        faiss.omp_set_num_threads(threads)
    try:
        return LatencySummary.of_seconds(time_each(lambda row: index.search(row, k, params=params), rows))
    finally:
        faiss.omp_set_num_threads(default)


def recall_at_k(approximate: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """Mean over queries of |approximate top-k ∩ exact top-k| / |exact top-k| (-1 padding ignored)."""
    if approximate.shape[0] != exact.shape[0]:
        raise ValueError(f"{approximate.shape[0]} approximate rows but {exact.shape[0]} exact rows")
    if approximate.shape[0] == 0:
        raise ValueError("no queries to compute recall on")
    shares = []
    for found, truth in zip(approximate[:, :k], exact[:, :k], strict=True):
        wanted = {int(item) for item in truth if item >= 0}
        if not wanted:
            continue
        shares.append(len(wanted & {int(item) for item in found if item >= 0}) / len(wanted))
    if not shares:
        raise ValueError("the exact results are empty for every query")
    return float(np.mean(shares))


def index_bytes(index: faiss.Index) -> int:
    """Serialised size (= file size of ``faiss.write_index``) without writing a file."""
    return int(faiss.serialize_index(index).nbytes)


def removal_supported(kind: str, dimension: int = 16) -> bool:
    """Whether ``remove_ids`` works on this kind (incremental generations remove changed releases)."""
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((256, dimension), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(256, dtype=np.int64)
    builders = {EXACT: exact_index, EXACT_FP16: fp16_index, HNSW: hnsw_index, IVF: lambda v, i: ivf_index(v, i, 4)}
    if kind not in builders:
        raise ValueError(f"unknown index kind {kind!r}")
    index = builders[kind](vectors, ids)
    try:
        removed = index.remove_ids(np.asarray([3], dtype=np.int64))
    except RuntimeError:
        return False
    return removed == 1 and index.ntotal == 255


@dataclass(frozen=True)
class IndexPlan:
    """Which FAISS index a generation of ``chunks`` vectors should use, with its knobs."""

    kind: str
    nlist: int = 0
    nprobe: int = 0


def choose_index(chunks: int, exact_limit: int = EXACT_LIMIT) -> IndexPlan:
    """Exact search while it is cheap next to the query encoder; IVF above ``exact_limit`` chunks.

    HNSW is left out: it cannot remove vectors, so every changed release would force a full
    graph rebuild (about 13 minutes per million chunks on two cores), and it needs 2x the links.
    """
    if chunks < 0:
        raise ValueError(f"chunk count must be non-negative, got {chunks}")
    if chunks <= exact_limit:
        return IndexPlan(EXACT)
    nlist = ivf_list_count(chunks)
    return IndexPlan(IVF, nlist=nlist, nprobe=max(1, math.ceil(nlist * IVF_TARGET_NPROBE_SHARE)))


def sweep_values(kind: str) -> Sequence[int]:
    """efSearch or nprobe settings tried per ANN index."""
    return (16, 32, 64, 128, 256) if kind == HNSW else (4, 8, 16, 32, 64, 128, 256)
