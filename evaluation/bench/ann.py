"""Vector index variants for the scale curve: exact, fp16, IVF and HNSW; recall; knob sweeps.

Every variant answers inner-product (= cosine on unit vectors) searches over chunk ids. The
index-type rule, the IVF training and the exact/IVF layouts are the product's
(``index.faiss_layout``); this module only adds what the bench compares them with.
"""

from __future__ import annotations

from collections.abc import Sequence

import faiss
import numpy as np

from evaluation.bench.stats import LatencySummary, time_each
from index.faiss_layout import EXACT, IVF, IndexPlan, build_index

EXACT_FP16 = "exact-fp16"
HNSW = "hnsw"

HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40

# Single-query searches run on one OpenMP thread: on a shared 2-core machine two threads
# spin against other work and are several times slower (the bench measures both for exact search).
SEARCH_THREADS = 1


def exact_index(vectors: np.ndarray, ids: np.ndarray) -> faiss.Index:
    """The product's exact layout: ``IndexIDMap2(IndexFlatIP)``."""
    return build_index(IndexPlan(EXACT), vectors, ids)


def fp16_index(vectors: np.ndarray, ids: np.ndarray) -> faiss.Index:
    """Exact search over vectors stored as float16 (half the memory)."""
    inner = faiss.IndexScalarQuantizer(vectors.shape[1], faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(vectors, ids)
    return index


def ivf_index(vectors: np.ndarray, ids: np.ndarray, nlist: int) -> faiss.Index:
    """The product's IVF layout with ``nlist`` lists (trained as the product trains it); nprobe comes per search."""
    return build_index(IndexPlan(IVF, nlist=nlist, nprobe=1), vectors, ids)


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


def sweep_values(kind: str) -> Sequence[int]:
    """efSearch or nprobe settings tried per ANN index."""
    return (16, 32, 64, 128, 256) if kind == HNSW else (4, 8, 16, 32, 64, 128, 256)
