"""Where the model's time goes at query time, and which knobs help without changing results.

Each candidate is timed interleaved with the baseline, question by question, so load drift on
the shared CPU hits both alike; a candidate is *kept* only if it is faster at the median and
its vectors stay within ``COSINE_TOLERANCE`` of the baseline's.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from evaluation.bench.stats import LatencySummary
from index.encoder import DOCUMENT_PROMPT, QUERY_PROMPT, Encoder

COSINE_TOLERANCE = 0.999
ACCELERATED_BACKENDS = {"onnx": ("optimum", "onnxruntime"), "openvino": ("optimum.intel", "openvino")}


@dataclass
class Candidate:
    name: str
    baseline: LatencySummary
    candidate: LatencySummary
    min_cosine: float
    kept: bool
    note: str = ""

    @property
    def speedup(self) -> float:
        return self.baseline.p50_ms / self.candidate.p50_ms if self.candidate.p50_ms else 0.0


@dataclass
class QueryModelResult:
    torch_threads: int
    candidates: list[Candidate] = field(default_factory=list)
    query_cache_hit_ms: float = 0.0
    backends: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def bf16_autocast() -> Iterator[None]:
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        yield


def min_cosine(first: np.ndarray, second: np.ndarray) -> float:
    """Smallest row-wise cosine of two matrices of unit vectors."""
    if first.shape != second.shape:
        raise ValueError(f"shapes differ: {first.shape} vs {second.shape}")
    return float(np.min(np.sum(first * second, axis=1)))


def compare(
    name: str,
    run: Callable[[str], np.ndarray],
    context: Callable[[], contextlib.AbstractContextManager],
    texts: Sequence[str],
    baseline_context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> Candidate:
    """Time ``run`` per text within ``baseline_context`` and within ``context``, alternating; compare vectors."""
    base_seconds, candidate_seconds, base_vectors, candidate_vectors = [], [], [], []
    for text in texts:
        with baseline_context():
            started = time.perf_counter()
            base_vectors.append(run(text))
            base_seconds.append(time.perf_counter() - started)
        with context():
            started = time.perf_counter()
            candidate_vectors.append(run(text))
            candidate_seconds.append(time.perf_counter() - started)
    baseline = LatencySummary.of_seconds(base_seconds)
    candidate = LatencySummary.of_seconds(candidate_seconds)
    cosine = min_cosine(np.concatenate(base_vectors), np.concatenate(candidate_vectors))
    faster = statistics.median(candidate_seconds) < statistics.median(base_seconds)
    return Candidate(name, baseline, candidate, round(cosine, 6), kept=faster and cosine >= COSINE_TOLERANCE)


def backend_status() -> dict[str, str]:
    """Whether sentence-transformers' ONNX / OpenVINO backends could run here (packages present)."""
    status = {}
    for backend, modules in ACCELERATED_BACKENDS.items():
        missing = [module for module in modules if _missing(module)]
        status[backend] = "available" if not missing else f"not installed ({', '.join(missing)})"
    return status


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


def measure_query_model(encoder: Encoder, questions: Sequence[str], passages: Sequence[str]) -> QueryModelResult:
    """Threads (1 vs default) for questions and passages, bf16 autocast, and the query LRU."""
    import torch

    from assistant.query_cache import QueryCachingEncoder

    result = QueryModelResult(torch_threads=torch.get_num_threads(), backends=backend_status())

    def query(text: str) -> np.ndarray:
        return encoder.encode([text], QUERY_PROMPT)

    def passage(text: str) -> np.ndarray:
        return encoder.encode([text], DOCUMENT_PROMPT)

    query(questions[0])  # warm-up
    cores = os.cpu_count() or 1
    all_cores = lambda: torch_threads(cores)  # noqa: E731 - the baseline: one thread per core
    one = lambda: torch_threads(1)  # noqa: E731
    result.candidates.append(compare(f"torch threads 1 vs {cores} (question)", query, one, questions, all_cores))
    if passages:
        result.candidates.append(compare(f"torch threads 1 vs {cores} (passage)", passage, one, passages, all_cores))
    result.candidates.append(compare("bf16 autocast (question)", query, bf16_autocast, questions))

    cached = QueryCachingEncoder(encoder)
    cached.encode([questions[0]], QUERY_PROMPT)
    started = time.perf_counter()
    repeats = 200
    for _ in range(repeats):
        cached.encode([questions[0]], QUERY_PROMPT)
    result.query_cache_hit_ms = round(1000 * (time.perf_counter() - started) / repeats, 4)
    return result


@dataclass
class BatchSizeResult:
    batch_size: int
    seconds: float
    texts_per_second: float
    min_cosine: float


def measure_document_batch_sizes(
    encoder: Encoder, texts: Sequence[str], sizes: Sequence[int] = (8, 16, 32)
) -> list[BatchSizeResult]:
    """Passage encoding throughput of the same model at several batch sizes (vectors compared to the first)."""
    from index.encoder import SentenceTransformerEncoder

    model = getattr(encoder, "model", None)
    if model is None:
        raise TypeError(f"{type(encoder).__name__} has no sentence-transformers model to re-batch")
    results, reference = [], None
    for size in sizes:
        variant = SentenceTransformerEncoder(model, encoder.model_id, batch_size=size)
        started = time.perf_counter()
        vectors = variant.encode(list(texts), DOCUMENT_PROMPT)
        seconds = time.perf_counter() - started
        reference = vectors if reference is None else reference
        cosine = round(min_cosine(reference, vectors), 6)
        results.append(BatchSizeResult(size, round(seconds, 3), round(len(texts) / seconds, 3), cosine))
    return results
