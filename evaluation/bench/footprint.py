"""Memory: a serving process on the seed corpus, and what float16 storage or Matryoshka truncation
(768 → 512/256/128 dimensions, which EmbeddingGemma is trained for) save and cost in retrieval
quality on an NTREX-128 slice (headline task, dense search through the chat's ``Searcher``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from evaluation.bench.memory import run_probe
from evaluation.bench.synthetic import normalize_rows
from index import chunk_db
from index.encoder import Encoder

MILLION = 1_000_000


@dataclass(frozen=True)
class Compression:
    name: str
    dimension: int
    fp16: bool

    @property
    def bytes_per_vector(self) -> int:
        return self.dimension * (2 if self.fp16 else 4)


BASELINE = Compression("fp32 × 768 (today)", 768, False)
COMPRESSIONS: tuple[Compression, ...] = (
    BASELINE,
    Compression("fp16 × 768", 768, True),
    Compression("fp32 × 512 (MRL)", 512, False),
    Compression("fp32 × 256 (MRL)", 256, False),
    Compression("fp16 × 256 (MRL)", 256, True),
    Compression("fp32 × 128 (MRL)", 128, False),
)


def truncate(vectors: np.ndarray, dimension: int) -> np.ndarray:
    """Matryoshka truncation: the first ``dimension`` components, renormalised to unit length."""
    if not 0 < dimension <= vectors.shape[1]:
        raise ValueError(f"cannot truncate {vectors.shape[1]}-d vectors to {dimension}")
    return normalize_rows(np.array(vectors[:, :dimension], dtype=np.float32, copy=True))


class TruncatingEncoder:
    """Query vectors of ``inner`` cut to ``dimension`` (same model id, so the index accepts it)."""

    def __init__(self, inner: Encoder, dimension: int) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = dimension

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        return truncate(self.inner.encode(texts, prompt_name, progress), self.dimension)


def compressed_index(vectors: np.ndarray, ids: np.ndarray, compression: Compression) -> faiss.Index:
    reduced = truncate(vectors, compression.dimension)
    if compression.fp16:
        inner = faiss.IndexScalarQuantizer(
            compression.dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
    else:
        inner = faiss.IndexFlatIP(compression.dimension)
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(reduced, ids)
    return index


@dataclass
class CompressionResult:
    name: str
    dimension: int
    fp16: bool
    mib_per_million: float
    metrics: dict[str, float]
    same_top10_share: float  # queries whose top-10 release list equals the baseline's
    same_top1_share: float


@dataclass
class QualityResult:
    data: str
    queries: int
    results: list[CompressionResult] = field(default_factory=list)


def measure_compression_quality(
    settings: object, encoder: Encoder, ntrex_dir: Path, limit: int = 10, progress: bool = True
) -> QualityResult:
    """NTREX headline task (dense) for each compression; the index ``ntrex-<limit>`` is built or reused."""
    from evaluation.metrics import per_query_scores
    from evaluation.ntrex_eval import DEPTH, RELEASE_FETCH_K, TASK_METRICS, prepare_ntrex, task_queries, warm_queries
    from evaluation.cached_encoder import CachedEncoder
    from evaluation.retrieval import qrels_of, run_queries
    from index.search import Searcher

    cached = CachedEncoder(encoder, settings.embedding_cache_path)  # type: ignore[attr-defined]
    setup = prepare_ntrex(settings, cached, ntrex_dir, limit, progress)  # type: ignore[arg-type]
    try:
        queries = task_queries(setup, "headline")
        warm_queries(cached, queries, progress)
        ids = np.fromiter((chunk.id for chunk in chunk_db.iter_chunks(setup.index.db)), dtype=np.int64)
        vectors = np.stack([setup.index.vectors.reconstruct(int(chunk_id)) for chunk_id in ids])
        qrels = qrels_of(queries)
        metrics = TASK_METRICS["headline"]
        result = QualityResult(
            data=f"NTREX-128 headline task, {len(setup.articles)} articles × 6 languages, dense search",
            queries=len(queries),
        )
        baseline_run: dict[str, list[str]] | None = None
        for compression in COMPRESSIONS:
            index = dataclasses.replace(setup.index, vectors=compressed_index(vectors, ids, compression))
            searcher = Searcher(index, TruncatingEncoder(cached, compression.dimension), "dense")
            retrieved = run_queries(searcher, queries, fetch_k=RELEASE_FETCH_K, depth=DEPTH, progress=False)
            scores = per_query_scores(qrels, retrieved.run, list(metrics))
            ranked = {query: list(entry) for query, entry in retrieved.run.items()}
            baseline_run = baseline_run or ranked
            result.results.append(
                CompressionResult(
                    name=compression.name,
                    dimension=compression.dimension,
                    fp16=compression.fp16,
                    mib_per_million=round(compression.bytes_per_vector * MILLION / 2**20, 1),
                    metrics={metric: round(float(np.mean(list(values.values()))), 4) for metric, values in scores.items()},
                    same_top10_share=_agreement(ranked, baseline_run, 10),
                    same_top1_share=_agreement(ranked, baseline_run, 1),
                )
            )
        return result
    finally:
        setup.index.close()
        cached.close()


def _agreement(run: dict[str, list[str]], baseline: dict[str, list[str]], depth: int) -> float:
    same = sum(1 for query, ranked in run.items() if ranked[:depth] == baseline[query][:depth])
    return round(same / len(run), 4) if run else 0.0


def serving_memory(index_dir: Path, model_home: Path | None, questions_file: Path, questions: int) -> dict:
    """Probe a serving process with the real model on ``index_dir`` (RSS after model, after index, peak)."""
    arguments = ["serve", "--index-dir", str(index_dir), "--questions-file", str(questions_file)]
    arguments += ["--questions", str(questions)]
    if model_home is not None:
        arguments += ["--model-home", str(model_home)]
    else:
        arguments += ["--model", "embeddinggemma-300m"]
    return run_probe(*arguments)
