"""Search the live generation: dense (FAISS), lexical (BM25) or hybrid (reciprocal rank fusion).

Filters are applied inside both legs (by the vector store, see
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
from index.settings import Settings
from index.store import IndexModelMismatchError, OpenIndex, open_index, read_current

MAX_QUESTION_CHARS = 2000  # longer questions are cut to this many characters
MODES = ("dense", "lexical", "hybrid")
DEFAULT_MODE: str = Settings.retrieval_mode  # the built-in default of the setting
LEG_CANDIDATES = 50  # each leg of a hybrid search ranks at least this many chunks
SHARED_STORE_MARGIN = 16  # extra chunks asked of a Milvus store (see _dense_ranking)


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


def normalize_question(question: str) -> str:
    """Strip the question and cut it to ``MAX_QUESTION_CHARS``; empty questions are refused."""
    cleaned = (question or "").strip()
    if not cleaned:
        raise ValueError("the question is empty: type a few words to search for")
    return cleaned[:MAX_QUESTION_CHARS]


class Searcher:
    """Answers questions from one open generation; ``reload_if_changed`` moves to a newer one.

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
        if self.mode == "lexical":
            ranking = _lexical_ranking(index, question, wanted, _allowed_ids(index, filters))
        elif self.mode == "dense":
            ranking = _dense_ranking(index, self._query_vector(question), wanted, filters)
        else:
            ranking = self._hybrid_ranking(index, question, wanted, filters)
        hits = _hits(index, ranking)[:wanted]
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
        return _hits(index, _dense_ranking(index, query, k, filters))[:k]

    def reload_if_changed(self) -> bool:
        """Open the live generation if ``CURRENT`` moved on; searches keep the old one until then."""
        pointer = read_current(self._index.index_dir)
        if pointer is None or pointer.generation == self._index.generation:
            return False
        fresh = open_index(
            self._index.index_dir, expected_model_id=self.encoder.model_id, milvus_token=self._index.location.token
        )
        try:
            self._index = self._ready(fresh)
        except Exception:
            fresh.close()
            raise
        return True

    def _ready(self, index: OpenIndex) -> OpenIndex:
        """``index``, with its lexical leg loaded when the mode uses it."""
        if self.mode != "dense":
            index.lexical()
        return index

    def _query_vector(self, question: str) -> np.ndarray:
        return self.encoder.encode([question], QUERY_PROMPT)[0]

    def _hybrid_ranking(
        self, index: OpenIndex, question: str, k: int, filters: Filters | None
    ) -> list[tuple[int, float]]:
        """Both legs ranked at least ``LEG_CANDIDATES`` deep, fused as ``self.fusion`` says."""
        config = self.fusion
        depth = max(k * 5, LEG_CANDIDATES)
        allowed = _allowed_ids(index, filters)
        dense = [chunk for chunk, _ in _dense_ranking(index, self._query_vector(question), depth, filters)]
        lexical = [chunk for chunk, _ in _lexical_ranking(index, question, depth, allowed)]
        exact: list[int] = []
        if config.uses_exact_terms:
            terms = _rare_terms(index, question, config)
            if terms:
                exact = [chunk for chunk, _ in _lexical_ranking(index, " ".join(terms), depth, allowed)]
        languages = _language_keys(index, lexical) if config.uses_languages else {}
        asked_in = fusion.question_language(question) if config.rule == "language" else None
        legs = fusion.HybridLegs(dense, lexical, exact, languages, question_language=asked_in)
        return fusion.fuse_hybrid(config, question, legs)[:k]


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


def _dense_ranking(index: OpenIndex, query: np.ndarray, k: int, filters: Filters | None) -> list[tuple[int, float]]:
    """The vector store's ranking; a shared (Milvus) store is asked for a few more chunks than ``k``
    because it may hold chunks this generation does not list, which ``_hits`` drops."""
    margin = SHARED_STORE_MARGIN if index.location.is_milvus else 0
    return index.vectors.search(query, k + margin, filters)


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


def _hits(index: OpenIndex, ranking: Iterable[tuple[int, float]]) -> list[Hit]:
    ranking = list(ranking)
    records = chunk_db.chunk_records(index.db, [chunk for chunk, _ in ranking])
    hits: list[Hit] = []
    for chunk_id, score in ranking:
        record = records.get(chunk_id)
        if record is None:  # a leg returned an id this generation does not hold
            continue
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
            )
        )
    return hits
