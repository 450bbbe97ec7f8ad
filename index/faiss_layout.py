"""Which FAISS index a generation uses, chosen by its number of chunks.

Rule (measured by ``assistant bench``, clustered synthetic vectors, 2 cores):
exact ``IndexFlatIP`` up to ``EXACT_LIMIT`` chunks, where one query costs at most
about a tenth of the query encoder's time; above it ``IndexIVFFlat`` with about
√n lists, scanning about 3 % of them per query (recall@10 0.996 against exact
at 1M chunks with 32 of 1,000 lists probed). HNSW is not used: it cannot remove
vectors, so every changed release would force a full graph rebuild.

Both kinds take chunk ids and support ``remove_ids`` and ``reconstruct``: the
exact index sits behind ``IndexIDMap2``; the IVF index stores the ids itself
with a hash-table direct map (an id map over IVF breaks after removals).

Either kind stores its vectors as float32 or, with ``half=True``, as float16
(``ScalarQuantizer.QT_fp16``): half the memory, and exact for vectors already
rounded to float16 (``index.vector_store.round_to_half``), which is how sentence vectors are stored.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import faiss
import numpy as np

EXACT = "exact"
IVF = "ivf"

EXACT_LIMIT = 250_000
IVF_TARGET_NPROBE_SHARE = 0.03  # ~3 % of the lists scanned per query
IVF_TRAIN_POINTS_PER_LIST = 64
IVF_TRAIN_ITERATIONS = 10
IVF_SEED = 1234
# Re-train the IVF quantizer when the corpus has grown or shrunk this much since training.
IVF_RETRAIN_FACTOR = 4.0
# Vectors added per batch when building or re-laying out an index (bounds the float32 copy held at once).
BUILD_BATCH = 65_536


@dataclass(frozen=True)
class IndexPlan:
    """Which FAISS index a generation of ``chunks`` vectors should use, with its knobs."""

    kind: str
    nlist: int = 0
    nprobe: int = 0
    half: bool = False  # float16 storage

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "nlist": self.nlist, "nprobe": self.nprobe, "half": self.half}

    @classmethod
    def from_dict(cls, data: dict) -> IndexPlan:
        kind = str(data.get("kind", EXACT))
        if kind not in (EXACT, IVF):
            raise ValueError(f"unknown FAISS index kind {kind!r}")
        return cls(kind, int(data.get("nlist", 0)), int(data.get("nprobe", 0)), bool(data.get("half", False)))


def ivf_list_count(n: int) -> int:
    """About √n inverted lists (at least 1): cheap to train and add on two cores."""
    return max(1, int(round(math.sqrt(n))))


def choose_index(chunks: int, exact_limit: int = EXACT_LIMIT, half: bool = False) -> IndexPlan:
    """Exact search up to ``exact_limit`` chunks; IVF (√n lists, ~3 % probed) above."""
    if chunks < 0:
        raise ValueError(f"chunk count must be non-negative, got {chunks}")
    if chunks <= exact_limit:
        return IndexPlan(EXACT, half=half)
    nlist = ivf_list_count(chunks)
    return IndexPlan(IVF, nlist=nlist, nprobe=max(1, math.ceil(nlist * IVF_TARGET_NPROBE_SHARE)), half=half)


def needs_relayout(current: IndexPlan, chunks: int, exact_limit: int = EXACT_LIMIT) -> bool:
    """Whether an index laid out as ``current`` should be rebuilt for ``chunks`` vectors."""
    wanted = choose_index(chunks, exact_limit, current.half)
    if wanted.kind != current.kind:
        return True
    if current.kind == EXACT:
        return False
    ratio = wanted.nlist**2 / max(1, current.nlist**2)
    return ratio >= IVF_RETRAIN_FACTOR or ratio <= 1 / IVF_RETRAIN_FACTOR


def empty_exact_index(dimension: int, half: bool = False) -> faiss.Index:
    if half:
        return faiss.IndexIDMap2(
            faiss.IndexScalarQuantizer(dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        )
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def build_index(plan: IndexPlan, vectors: np.ndarray, ids: np.ndarray, seed: int = IVF_SEED) -> faiss.Index:
    """A new index laid out as ``plan`` holding ``vectors`` under ``ids`` (IVF is trained on a sample)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-d array, got shape {vectors.shape}")
    return _build(plan, vectors.shape[1], np.asarray(ids, dtype=np.int64), lambda rows: vectors[rows], seed)


def rebuild_index(plan: IndexPlan, source: faiss.Index, ids: np.ndarray, seed: int = IVF_SEED) -> faiss.Index:
    """``source``'s vectors under ``ids`` laid out anew as ``plan``, copied a batch at a time.

    Only the training sample and one batch are held as float32 at once: re-laying out six million float16
    sentence vectors never expands all of them (18 GB) in memory.
    """
    ids = np.asarray(ids, dtype=np.int64)
    return _build(plan, int(source.d), ids, lambda rows: source.reconstruct_batch(ids[rows]), seed)


def _build(
    plan: IndexPlan, dimension: int, ids: np.ndarray, fetch: Callable[[np.ndarray], np.ndarray], seed: int
) -> faiss.Index:
    """An index of ``plan`` filled with ``fetch(rows)`` (float32 vectors of ``ids[rows]``), in batches."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if plan.kind == EXACT:
        index = empty_exact_index(dimension, plan.half)
    elif plan.kind == IVF:
        if len(ids) < plan.nlist:
            raise ValueError(f"an IVF index of {plan.nlist} lists needs at least as many vectors, got {len(ids)}")
        if plan.half:
            inner = faiss.IndexIVFScalarQuantizer(
                faiss.IndexFlatIP(dimension), dimension, plan.nlist, faiss.ScalarQuantizer.QT_fp16,
                faiss.METRIC_INNER_PRODUCT,
            )  # fmt: skip
            inner.by_residual = False  # float16 of the vector itself: exact for vectors rounded to float16
        else:
            inner = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, plan.nlist, faiss.METRIC_INNER_PRODUCT)
        inner.cp.niter = IVF_TRAIN_ITERATIONS
        inner.cp.seed = seed
        sample_size = min(len(ids), plan.nlist * IVF_TRAIN_POINTS_PER_LIST)
        sample = np.sort(np.random.default_rng(seed).choice(len(ids), size=sample_size, replace=False))
        inner.train(np.ascontiguousarray(fetch(sample), dtype=np.float32))
        inner.set_direct_map_type(faiss.DirectMap.Hashtable)
        inner.nprobe = plan.nprobe
        index = inner
    else:
        raise ValueError(f"unknown FAISS index kind {plan.kind!r}")
    for start in range(0, len(ids), BUILD_BATCH):
        rows = np.arange(start, min(start + BUILD_BATCH, len(ids)))
        index.add_with_ids(np.ascontiguousarray(fetch(rows), dtype=np.float32), ids[rows])
    return index


def plan_of(index: faiss.Index) -> IndexPlan:
    """The layout of an index built by ``build_index`` (read back after loading)."""
    concrete = faiss.downcast_index(index)
    if isinstance(concrete, faiss.IndexIVF):
        half = isinstance(concrete, faiss.IndexIVFScalarQuantizer)
        return IndexPlan(IVF, nlist=int(concrete.nlist), nprobe=int(concrete.nprobe), half=half)
    if isinstance(concrete, faiss.IndexIDMap2):
        concrete = faiss.downcast_index(concrete.index)
    return IndexPlan(EXACT, half=isinstance(concrete, faiss.IndexScalarQuantizer))


def search_parameters(plan: IndexPlan, allowed: np.ndarray | None) -> faiss.SearchParameters | None:
    """Per-search knobs: the plan's nprobe for IVF, and a selector restricting chunk ids."""
    selector = faiss.IDSelectorBatch(allowed) if allowed is not None else None
    if plan.kind == IVF:
        params = faiss.SearchParametersIVF()
        params.nprobe = plan.nprobe
    elif selector is None:
        return None
    else:
        params = faiss.SearchParameters()
    if selector is not None:
        params.sel = selector
    return params
