"""Dense passage scores from sentence and passage vectors.

A one-sentence question is compared with every sentence of the index and with
every passage (chunk). A passage's dense score is ``SENTENCE_WEIGHT`` times the
cosine of its best sentence plus the rest times its own vector's cosine: the
sentence finds the exact statement, the passage vector keeps the context (and
ranks a passage whose answer spans sentences). The weight was chosen on the
NTREX-128 dev fold (articles 1-40) and the golden set; see the README's results.

Both stores are searched ``depth`` deep; every candidate passage then gets both
scores exactly, from the stored vectors, so the combination never depends on
which store happened to return it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index import chunk_db
from index.filters import Filters
from index.sentences import ScoredSentence
from index.vector_store import VectorStore

SENTENCE_WEIGHT = 0.8
SENTENCE_DEPTH = 100  # sentences asked of the sentence store (at least)
PASSAGE_DEPTH = 50  # passages asked of the chunk store (at least)


@dataclass(frozen=True)
class DenseScores:
    """Candidate passages with their combined score, passage cosine and scored sentences."""

    ranking: list[tuple[int, float]]  # (chunk id, combined score), best first
    passage: dict[int, float]
    sentences: dict[int, tuple[ScoredSentence, ...]]  # in text order


def combine(best_sentence: float, passage: float, weight: float | None = None) -> float:
    weight = SENTENCE_WEIGHT if weight is None else weight
    return weight * best_sentence + (1.0 - weight) * passage


def dense_scores(
    db: sqlite3.Connection,
    chunks: VectorStore,
    sentences: VectorStore,
    query: np.ndarray,
    k: int,
    filters: Filters | None,
    weight: float | None = None,
) -> DenseScores:
    """The ``k`` best passages by the combined score (``weight`` default: ``SENTENCE_WEIGHT``), among the
    passages either store ranks high."""
    weight = SENTENCE_WEIGHT if weight is None else weight
    passage_hits = chunks.search(query, max(k, PASSAGE_DEPTH), filters)
    sentence_hits = sentences.search(query, max(3 * k, SENTENCE_DEPTH), filters)
    owners = chunk_db.sentence_chunks(db, [sentence for sentence, _ in sentence_hits])
    candidates = list(dict.fromkeys([chunk for chunk, _ in passage_hits] + list(owners.values())))
    passage = passage_scores(chunks, query, candidates, dict(passage_hits))
    scored = sentence_scores(db, sentences, query, list(passage))
    combined = [
        (chunk, combine(max((s.score for s in scored[chunk]), default=score), score, weight))
        for chunk, score in passage.items()
    ]
    combined.sort(key=lambda item: (-item[1], item[0]))
    return DenseScores(combined[:k], passage, scored)


def passage_scores(
    chunks: VectorStore, query: np.ndarray, chunk_ids: Sequence[int], known: Mapping[int, float]
) -> dict[int, float]:
    """Cosine of each passage with the query: ``known`` scores, the rest from the stored vectors."""
    scores = {chunk: known[chunk] for chunk in chunk_ids if chunk in known}
    missing = [chunk for chunk in chunk_ids if chunk not in known]
    for chunk, vector in (chunks.vectors_of(missing) if missing else {}).items():
        scores[chunk] = float(vector @ query)
    return {chunk: scores[chunk] for chunk in chunk_ids if chunk in scores}


def sentence_scores(
    db: sqlite3.Connection, sentences: VectorStore, query: np.ndarray, chunk_ids: Sequence[int]
) -> dict[int, tuple[ScoredSentence, ...]]:
    """Every sentence of the given passages with its cosine to ``query``, from the stored sentence vectors;
    a sentence with a view in another script gets the better of its two cosines."""
    spans = chunk_db.sentences_of_chunks(db, chunk_ids)
    ids = [row[0] for rows in spans.values() for row in rows]
    stored = sentences.vectors_of(ids) if ids else {}
    rows = [(chunk, start, end, headline, stored[sentence]) for chunk in chunk_ids
            for sentence, start, end, headline in spans.get(chunk, []) if sentence in stored]  # fmt: skip
    scores = np.stack([row[-1] for row in rows]) @ query if rows else np.zeros(0, dtype=np.float32)
    found: dict[int, dict[tuple[int, int], ScoredSentence]] = {chunk: {} for chunk in chunk_ids}
    for (chunk, start, end, headline, _), score in zip(rows, scores, strict=True):
        known = found[chunk].get((start, end))  # a sentence and its view (index.sentence_views): the better one
        if known is None or score > known.score:
            found[chunk][(start, end)] = ScoredSentence(start, end, float(score), headline)
    return {chunk: tuple(items.values()) for chunk, items in found.items()}
