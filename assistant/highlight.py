"""Pick the sentence(s) of a passage that best answer the question.

Scores come from the embedding model itself: the question is encoded with the
``query`` prompt, each sentence with the ``document`` prompt, and the cosine (dot
product of normalised vectors) ranks them. This works across languages, unlike
word overlap.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.sentences import split_sentences
from index.embedding_cache import EmbeddingCache, text_sha256
from index.encoder import DOCUMENT_PROMPT, QUERY_PROMPT, Encoder

# Sentences scoring within this margin of the best one are highlighted too (at most MAX_HIGHLIGHTS).
HIGHLIGHT_MARGIN = 0.03
MAX_HIGHLIGHTS = 2
# Sentence vectors kept in memory; passages repeat across questions.
CACHE_SIZE = 20_000


@dataclass(frozen=True)
class ScoredSentence:
    start: int  # offsets relative to the passage
    end: int
    score: float


class SentenceScorer:
    """Encodes questions and sentences with one encoder, caching sentence vectors.

    Sentence vectors are kept in memory and, when ``store`` is given, in the
    persistent embedding cache too, so a restart does not encode them again.
    """

    def __init__(self, encoder: Encoder, store: EmbeddingCache | None = None, cache_size: int = CACHE_SIZE) -> None:
        self.encoder = encoder
        self.store = store
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop the in-memory sentence vectors (the persistent store is kept)."""
        with self._lock:
            self._cache.clear()

    def question_vector(self, question: str) -> np.ndarray:
        return self.encoder.encode([question], QUERY_PROMPT)[0]

    def sentence_vectors(self, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.encoder.dimension), dtype=np.float32)
        found = self._remembered(sentences)
        missing = [text for text in dict.fromkeys(sentences) if text not in found]
        if missing:
            found.update(zip(missing, self.encoder.encode(missing, DOCUMENT_PROMPT)))
            self._remember({text: found[text] for text in missing})
        return np.stack([found[text] for text in sentences])

    def _remembered(self, sentences: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            found = {text: self._cache[text] for text in sentences if text in self._cache}
            for text in found:
                self._cache.move_to_end(text)
            unknown = [text for text in dict.fromkeys(sentences) if text not in found]
            if unknown and self.store is not None:
                digests = {text_sha256(text): text for text in unknown}
                stored = self.store.get_many(self.encoder.model_id, DOCUMENT_PROMPT, list(digests))
                for digest, vector in stored.items():
                    found[digests[digest]] = vector
                    self._cache[digests[digest]] = vector
            self._trim()
            return found

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._cache.update(vectors)
            self._trim()
            if self.store is not None:
                items = [(text_sha256(text), vector) for text, vector in vectors.items()]
                self.store.put_many(self.encoder.model_id, DOCUMENT_PROMPT, items)

    def _trim(self) -> None:
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def prefetch(self, passages: Sequence[str]) -> None:
        """Encode the sentences of all ``passages`` in one batch (faster than one call per passage)."""
        self.sentence_vectors([passage[start:end] for passage in passages for start, end in split_sentences(passage)])

    def score_sentences(self, question_vector: np.ndarray, passage: str) -> list[ScoredSentence]:
        """Every sentence of ``passage`` with its cosine to the question, in passage order."""
        spans = split_sentences(passage)
        vectors = self.sentence_vectors([passage[start:end] for start, end in spans])
        scores = vectors @ question_vector if len(spans) else np.zeros(0)
        return [ScoredSentence(start, end, float(score)) for (start, end), score in zip(spans, scores)]


def best_sentences(
    scored: Sequence[ScoredSentence],
    margin: float = HIGHLIGHT_MARGIN,
    limit: int = MAX_HIGHLIGHTS,
) -> list[ScoredSentence]:
    """The best sentence plus any within ``margin`` of it (``limit`` at most), in passage order."""
    if not scored:
        return []
    ranked = sorted(scored, key=lambda sentence: -sentence.score)
    top = ranked[0].score
    chosen = [sentence for sentence in ranked[:limit] if sentence.score >= top - margin]
    return sorted(chosen, key=lambda sentence: sentence.start)
