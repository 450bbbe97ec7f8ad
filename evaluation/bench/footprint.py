"""Memory: a serving process on the seed corpus, and what float16 storage or Matryoshka truncation
(768 → 512/256/128 dimensions, which EmbeddingGemma is trained for) save and cost in retrieval
quality on an NTREX-128 slice (headline task, dense search through the chat's ``Searcher``).
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from evaluation.bench.memory import mib, rss_bytes, run_probe
from evaluation.bench.probe import PROBE_MODE, open_and_ask
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
    metrics: dict[str, float]  # "<task> <metric>" -> mean over queries
    same_top1_share: float  # queries (all tasks) whose best release equals the baseline's
    same_top10_set_share: float  # queries whose top-10 release set equals the baseline's


@dataclass
class QualityResult:
    data: str
    queries: dict[str, int]
    results: list[CompressionResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


QUALITY_TASKS = {"headline": ("recall@1", "mrr@10"), "mixed": ("ndcg@10", "recall@10")}


def measure_compression_quality(
    settings: object, encoder: Encoder, ntrex_dir: Path, limit: int = 10, progress: bool = True
) -> QualityResult:
    """NTREX headline and mixed tasks (dense) per compression; the index ``ntrex-<limit>`` is built or reused."""
    from evaluation.cached_encoder import CachedEncoder
    from evaluation.metrics import per_query_scores
    from evaluation.ntrex_eval import DEPTH, RELEASE_FETCH_K, prepare_ntrex, task_queries, warm_queries
    from evaluation.retrieval import qrels_of, run_queries
    from index.search import Searcher

    cached = CachedEncoder(encoder, settings.embedding_cache_path)  # type: ignore[attr-defined]
    setup = prepare_ntrex(settings, cached, ntrex_dir, limit, progress)  # type: ignore[arg-type]
    try:
        queries = {task: task_queries(setup, task) for task in QUALITY_TASKS}
        for task_list in queries.values():
            warm_queries(cached, task_list, progress)
        ids = np.fromiter((chunk.id for chunk in chunk_db.iter_chunks(setup.index.db)), dtype=np.int64)
        stored = setup.index.vectors.vectors_of(ids)
        vectors = np.stack([stored[int(chunk_id)] for chunk_id in ids])
        result = QualityResult(
            data=f"NTREX-128, {len(setup.articles)} articles × 6 languages ({len(ids)} chunks), dense search",
            queries={task: len(items) for task, items in queries.items()},
            notes=[
                "headline: language filter = target language, so only the 10 releases of that language compete "
                "(recall@10 is 1 by construction; recall@1 and MRR carry the signal); mixed: no filter, all six "
                "versions relevant among all releases."
            ],
        )
        baseline: dict[str, list[str]] | None = None
        for compression in COMPRESSIONS:
            index = dataclasses.replace(setup.index, vectors=compressed_index(vectors, ids, compression))
            searcher = Searcher(index, TruncatingEncoder(cached, compression.dimension), "dense")
            metrics: dict[str, float] = {}
            ranked: dict[str, list[str]] = {}
            for task, names in QUALITY_TASKS.items():
                retrieved = run_queries(searcher, queries[task], fetch_k=RELEASE_FETCH_K, depth=DEPTH, progress=False)
                scores = per_query_scores(qrels_of(queries[task]), retrieved.run, list(names))
                for name, values in scores.items():
                    metrics[f"{task} {name}"] = round(float(np.mean(list(values.values()))), 4)
                ranked.update({query: list(entry) for query, entry in retrieved.run.items()})
            baseline = baseline or ranked
            result.results.append(
                CompressionResult(
                    name=compression.name,
                    dimension=compression.dimension,
                    fp16=compression.fp16,
                    mib_per_million=round(compression.bytes_per_vector * MILLION / 2**20, 1),
                    metrics=metrics,
                    same_top1_share=_agreement(ranked, baseline, 1, ordered=True),
                    same_top10_set_share=_agreement(ranked, baseline, 10, ordered=False),
                )
            )
        return result
    finally:
        setup.index.close()
        cached.close()


def _agreement(run: dict[str, list[str]], baseline: dict[str, list[str]], depth: int, ordered: bool) -> float:
    """Share of queries whose top-``depth`` equals the baseline's (as a list, or as a set)."""
    if not run:
        return 0.0
    same = 0
    for query, ranked in run.items():
        mine, theirs = ranked[:depth], baseline[query][:depth]
        same += mine == theirs if ordered else set(mine) == set(theirs)
    return round(same / len(run), 4)


def in_process_memory(
    index_dir: Path, encoder: Encoder, questions: list[str], before_model_mib: float, after_model_mib: float
) -> dict:
    """Quick-run memory, measured in this process with the model it already holds (no second model load).

    ``before_model_mib`` / ``after_model_mib``: RSS around the model load at the start of the run. Opening
    the index adds to whatever earlier sections left in the heap, and the peak is the process's highest RSS
    so far (indexing and the latency section's answers included), so both are upper bounds of a fresh
    serving process (``serving_memory`` measures one in full runs).
    """
    from assistant.service import NO_ANSWER_THRESHOLD

    gc.collect()
    facts: dict = {
        "method": "in-process",
        "baseline_rss_mib": before_model_mib,
        "encoder_rss_mib": after_model_mib,
        "before_open_rss_mib": mib(rss_bytes()),
    }
    facts.update(open_and_ask(index_dir, encoder, questions, PROBE_MODE, NO_ANSWER_THRESHOLD))
    return facts


def serving_memory(
    index_dir: Path, model_home: Path | None, questions_file: Path, questions: int, threads: int | None = None
) -> dict:
    """Probe a serving process with the real model on ``index_dir`` (RSS after model, after index, peak)."""
    arguments = ["serve", "--index-dir", str(index_dir), "--questions-file", str(questions_file)]
    arguments += ["--questions", str(questions)]
    if threads:
        arguments += ["--threads", str(threads)]
    if model_home is not None:
        arguments += ["--model-home", str(model_home)]
    else:
        arguments += ["--model", "embeddinggemma-300m"]
    return run_probe(*arguments)
