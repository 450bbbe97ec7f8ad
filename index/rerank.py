"""An optional second stage: a reranker (e.g. a cross-encoder) reorders the best hits.

No multilingual cross-encoder can be provisioned offline in this project yet (none ships
its weights in a PyPI package), so none is configured: ``index.search.Searcher`` takes a
``Reranker`` when one exists and searches without one by default.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Protocol, TypeVar

DEFAULT_RERANK_DEPTH = 20  # hits of the first stage the reranker sees


class Reranker(Protocol):
    """Scores (question, passage) pairs; higher is more relevant."""

    name: str

    def score(self, question: str, passages: Sequence[str]) -> Sequence[float]: ...


class RerankerError(RuntimeError):
    """The reranker returned something unusable."""


class _HitLike(Protocol):
    text: str
    score: float
    rank: int


HitT = TypeVar("HitT", bound=_HitLike)


def rerank_hits(
    reranker: Reranker, question: str, hits: Sequence[HitT], depth: int = DEFAULT_RERANK_DEPTH
) -> list[HitT]:
    """The first ``depth`` hits reordered by the reranker's scores (which become their ``score``),
    then the rest unchanged; ranks renumbered from 1. Equal scores keep the first-stage order."""
    if depth < 1:
        raise ValueError(f"rerank depth must be at least 1, got {depth}")
    top, rest = list(hits[:depth]), list(hits[depth:])
    if not top:
        return []
    scores = [float(value) for value in reranker.score(question, [hit.text for hit in top])]
    if len(scores) != len(top):
        raise RerankerError(f"reranker {reranker.name} returned {len(scores)} scores for {len(top)} passages")
    if not all(math.isfinite(value) for value in scores):
        raise RerankerError(f"reranker {reranker.name} returned a score that is not a finite number")
    order = sorted(range(len(top)), key=lambda position: (-scores[position], position))
    reordered = [dataclasses.replace(top[position], score=scores[position]) for position in order] + rest
    return [dataclasses.replace(hit, rank=rank) for rank, hit in enumerate(reordered, start=1)]
