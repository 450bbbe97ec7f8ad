"""Search the live generation: dense, lexical (BM25) or hybrid (reciprocal rank fusion).

Dense scores combine each passage's best sentence with the passage itself
(``index.sentence_ranking``); every hit carries its sentences' cosines to the
question, computed from stored vectors, so highlighting encodes nothing but the
question. Filters are applied inside every leg (by the vector stores, see
``index.vector_store``; as allowed chunk ids resolved in SQLite for the BM25
leg), so a filtered search ranks every allowed chunk rather than filtering a
top-k afterwards. Hybrid
search fuses the two legs' rankings with reciprocal rank fusion as a
``fusion.FusionConfig`` says (default ``fusion.DEFAULT_FUSION``, chosen on the NTREX-128
dev fold). An optional ``rerank.Reranker`` reorders the best hits of any mode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from corpus.language import family_of
from index import chunk_db, fusion
from index.encoder import QUERY_PROMPT, Encoder
from index.filters import Filters
from index.rerank import DEFAULT_RERANK_DEPTH, Reranker, rerank_hits
from index.sentence_ranking import DenseScores, dense_scores, passage_scores, sentence_scores
from index.sentences import ScoredSentence
from index.settings import MODES, Settings
from index.store import IndexModelMismatchError, OpenIndex

MAX_QUESTION_CHARS = 2000  # longer questions are cut to this many characters
DEFAULT_MODE: str = Settings.retrieval_mode  # the built-in default of the setting
LEG_CANDIDATES = 50  # each leg of a hybrid search ranks at least this many chunks
SHARED_STORE_MARGIN = 16  # extra chunks asked of a shared store (see _dense)


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    score: float
    rank: int  # 1-based
    release_id: str
    start: int
    end: int
    text: str
    language: str
    script: str
    title: str
    date: dt.date | None
    source: str
    passage_score: float | None = None  # the passage vector's cosine to the question (None: not computed)
    sentences: tuple[ScoredSentence, ...] = ()  # the passage's sentences with their cosines, in text order
    pages: tuple[int, int] | None = None  # (first, last) page of a PDF release's passage; None without pages

    @property
    def best_sentence_score(self) -> float | None:
        return max((sentence.score for sentence in self.sentences), default=None)


def normalize_question(question: str) -> str:
    """Strip the question and cut it to ``MAX_QUESTION_CHARS``; empty questions are refused."""
    cleaned = (question or "").strip()
    if not cleaned:
        raise ValueError("the question is empty: type a few words to search for")
    return cleaned[:MAX_QUESTION_CHARS]


class Searcher:
    """Answers questions from one open generation.

    ``mode`` is one of ``MODES``; callers pass ``settings.retrieval_mode`` (which
    ``settings.json`` may change) unless asked for another. Lexical and hybrid
    modes load the BM25 leg at once and raise
    ``index.store.LexicalLegMissingError`` for a generation without one.
    ``fusion_config`` sets how hybrid mode fuses its legs; ``reranker``, when given, reorders
    the best ``rerank_depth`` hits of every search (none is configured by default).
    """

    def __init__(
        self,
        open_index: OpenIndex,
        encoder: Encoder,
        mode: str = DEFAULT_MODE,
        fusion_config: fusion.FusionConfig | None = None,
        reranker: Reranker | None = None,
        rerank_depth: int = DEFAULT_RERANK_DEPTH,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        if open_index.model_id != encoder.model_id:
            raise IndexModelMismatchError(
                f"the index was built with model {open_index.model_id}, but the encoder is {encoder.model_id}; "
                "rebuild it with `assistant index build --rebuild`"
            )
        if rerank_depth < 1:
            raise ValueError(f"rerank_depth must be at least 1, got {rerank_depth}")
        self.encoder = encoder
        self.mode = mode
        self.fusion = fusion_config or fusion.DEFAULT_FUSION
        self.reranker = reranker
        self.rerank_depth = rerank_depth
        self._index = self._ready(open_index)

    @property
    def index(self) -> OpenIndex:
        return self._index

    def search(self, question: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        question = normalize_question(question)
        _check_k(k)
        index = self._index
        wanted = k if self.reranker is None else max(k, self.rerank_depth)
        query = self._query_vector(question)
        dense: DenseScores | None = None
        if self.mode == "lexical":
            ranking = _lexical_ranking(index, question, wanted, _allowed_ids(index, filters))
        elif self.mode == "dense":
            dense = _dense(index, query, wanted, filters)
            ranking = dense.ranking
        else:
            ranking, dense = self._hybrid_ranking(index, question, query, wanted, filters)
        hits = _hits(index, ranking, query, dense)[:wanted]
        if self.reranker is not None:
            hits = rerank_hits(self.reranker, question, hits, self.rerank_depth)[:k]
        return hits

    def search_vector(self, vector: np.ndarray, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        """Dense search with a ready query vector (any mode)."""
        _check_k(k)
        index = self._index
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != index.manifest.dimension:
            raise ValueError(f"query vector has {query.shape[0]} dimensions, the index {index.manifest.dimension}")
        dense = _dense(index, query, k, filters)
        return _hits(index, dense.ranking, query, dense)[:k]

    def sentence_scores(self, text: str, chunk_ids: list[int]) -> dict[int, tuple[ScoredSentence, ...]]:
        """The sentences of these passages scored against ``text`` (a question) from the stored vectors."""
        index = self._index
        if index.sentences is None or not chunk_ids:
            return {}
        return sentence_scores(index.db, index.sentences, self._query_vector(normalize_question(text)), chunk_ids)

    def _ready(self, index: OpenIndex) -> OpenIndex:
        """``index``, with its lexical leg loaded when the mode uses it."""
        if self.mode != "dense":
            index.lexical()
        return index

    def _query_vector(self, question: str) -> np.ndarray:
        return self.encoder.encode([question], QUERY_PROMPT)[0]

    def _hybrid_ranking(
        self, index: OpenIndex, question: str, query: np.ndarray, k: int, filters: Filters | None
    ) -> tuple[list[tuple[int, float]], DenseScores]:
        """Both legs ranked at least ``LEG_CANDIDATES`` deep, fused as ``self.fusion`` says."""
        config = self.fusion
        depth = max(k * 5, LEG_CANDIDATES)
        allowed = _allowed_ids(index, filters)
        scores = _dense(index, query, depth, filters)
        dense = [chunk for chunk, _ in scores.ranking]
        lexical = [chunk for chunk, _ in _lexical_ranking(index, question, depth, allowed)]
        exact: list[int] = []
        if config.uses_exact_terms:
            terms = _rare_terms(index, question, config)
            if terms:
                exact = [chunk for chunk, _ in _lexical_ranking(index, " ".join(terms), depth, allowed)]
        languages = _language_keys(index, lexical) if config.uses_languages else {}
        asked_in = fusion.question_language(question) if config.rule == "language" else None
        legs = fusion.HybridLegs(dense, lexical, exact, languages, question_language=asked_in)
        return fusion.fuse_hybrid(config, question, legs)[:k], scores


def usable_mode(index: OpenIndex, mode: str) -> str:
    """``mode``, or dense when it needs the lexical leg and the generation has none (older builds)."""
    return "dense" if mode != "dense" and not index.has_lexical else mode


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


def _allowed_ids(index: OpenIndex, filters: Filters | None) -> np.ndarray | None:
    """Chunk ids passing ``filters``; None when nothing is filtered."""
    if filters is None or not filters.restricts:
        return None
    return chunk_db.select_chunk_ids(
        index.db, filters.languages, filters.date_from, filters.date_to, filters.release_ids
    )


def _dense(index: OpenIndex, query: np.ndarray, k: int, filters: Filters | None) -> DenseScores:
    """The dense ranking; a shared store is asked for a few more passages than ``k`` because it may
    hold passages this generation does not list, which ``_hits`` drops. A generation without sentence
    vectors ranks by passage vectors alone."""
    margin = SHARED_STORE_MARGIN if index.vectors.shared else 0
    if index.sentences is None:
        ranking = index.vectors.search(query, k + margin, filters)
        return DenseScores(ranking, dict(ranking), {})
    return dense_scores(index.db, index.vectors, index.sentences, query, k + margin, filters)


def _lexical_ranking(index: OpenIndex, question: str, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
    if allowed is not None and len(allowed) == 0:
        return []
    allowed_set = None if allowed is None else {int(chunk) for chunk in allowed}
    return [(int(chunk), float(score)) for chunk, score in index.lexical().search(question, k, allowed_set)]


def _rare_terms(index: OpenIndex, question: str, config: fusion.FusionConfig) -> list[str]:
    """The question's exact-term words (``fusion.exact_term_candidates``) that few chunks hold."""
    lexical = index.lexical()
    limit = config.rare_limit(len(lexical))
    return [word for word in fusion.exact_term_candidates(question) if len(lexical.search(word, limit + 1)) <= limit]


def _language_keys(index: OpenIndex, chunk_ids: list[int]) -> dict[int, fusion.LanguageKey]:
    """(family, script) of each chunk."""
    records = chunk_db.chunk_records(index.db, chunk_ids)
    return {chunk: (family_of(record.chunk.language), record.chunk.script) for chunk, record in records.items()}


def _hits(
    index: OpenIndex, ranking: Iterable[tuple[int, float]], query: np.ndarray, dense: DenseScores | None
) -> list[Hit]:
    """Hits for the ranked chunks this generation lists, with passage and sentence scores."""
    ranking = list(ranking)
    records = chunk_db.chunk_records(index.db, [chunk for chunk, _ in ranking])
    ranking = [(chunk, score) for chunk, score in ranking if chunk in records]
    chunk_ids = [chunk for chunk, _ in ranking]
    passages = passage_scores(index.vectors, query, chunk_ids, dense.passage if dense is not None else {})
    sentences = dict(dense.sentences) if dense is not None else {}
    missing = [chunk for chunk in chunk_ids if chunk not in sentences]
    if missing and index.sentences is not None:
        sentences.update(sentence_scores(index.db, index.sentences, query, missing))
    hits: list[Hit] = []
    for chunk_id, score in ranking:
        record = records[chunk_id]
        chunk = record.chunk
        hits.append(
            Hit(
                chunk_id=chunk.id,
                score=score,
                rank=len(hits) + 1,
                release_id=chunk.release_id,
                start=chunk.start,
                end=chunk.end,
                text=chunk.text,
                language=chunk.language,
                script=chunk.script,
                title=record.title,
                date=record.date,
                source=record.source,
                pages=record.pages,
                passage_score=passages.get(chunk_id),
                sentences=sentences.get(chunk_id, ()),
            )
        )
    return hits
