"""Run evaluation queries through the chat's own search path and turn the hits into ranx runs.

Every query goes through ``index.search.Searcher.search`` exactly as the chat calls it; only the
language filter and the depth come from the query. Release-level runs map chunk hits to their
releases and keep each release's first (best) occurrence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tqdm.auto import tqdm

from evaluation.formats import RunDict
from evaluation.metrics import ranking_to_run_entry, runs_to_releases

RELEASE_LEVEL = "release"
CHUNK_LEVEL = "chunk"


class SearcherLike(Protocol):
    def search(self, question: str, k: int = 10, filters: Any = None) -> list[Any]: ...


@dataclass(frozen=True)
class EvalQuery:
    """One search to judge: ``relevant`` maps release ids (or chunk ids) to grades."""

    id: str
    text: str
    lang: str
    relevant: dict[str, int]
    languages: tuple[str, ...] = ()  # language filter; empty searches everything
    level: str = RELEASE_LEVEL
    group: str = ""  # e.g. "en>mk" for a language pair


@dataclass
class RetrievalResult:
    run: RunDict = field(default_factory=dict)
    hits: dict[str, list[Any]] = field(default_factory=dict)


def make_filters(languages: Sequence[str]) -> Any:
    """The chat's ``Filters`` for a language selection, or None when nothing is selected."""
    if not languages:
        return None
    from index.search import Filters

    return Filters(languages=frozenset(languages))


def hit_chunk_id(hit: Any) -> str:
    """The hit's chunk id as a string (``Hit.chunk_id``, or ``hit.chunk.id`` for chunk-carrying hits)."""
    return str(hit.chunk_id if hasattr(hit, "chunk_id") else hit.chunk.id)


def hit_release_id(hit: Any) -> str:
    return str(hit.release_id if hasattr(hit, "release_id") else hit.chunk.release_id)


def ranked_items(hits: Sequence[Any], level: str, depth: int) -> list[str]:
    """Chunk ids (as strings) or release ids in hit order, cut to ``depth``."""
    if level == CHUNK_LEVEL:
        return [hit_chunk_id(hit) for hit in hits][:depth]
    if level != RELEASE_LEVEL:
        raise ValueError(f"unknown evaluation level {level!r}")
    chunk_ids = [hit_chunk_id(hit) for hit in hits]
    release_of = {hit_chunk_id(hit): hit_release_id(hit) for hit in hits}
    return runs_to_releases(chunk_ids, release_of, depth)


def run_queries(
    searcher: SearcherLike,
    queries: Sequence[EvalQuery],
    fetch_k: int,
    depth: int,
    description: str = "querying",
    progress: bool = True,
) -> RetrievalResult:
    """Search every query (identical text + filter searched once) and rank to ``depth`` items."""
    result = RetrievalResult()
    searched: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
    for query in tqdm(queries, desc=description, unit="query", disable=not progress, leave=False):
        key = (query.text, query.languages)
        if key not in searched:
            searched[key] = list(searcher.search(query.text, k=fetch_k, filters=make_filters(query.languages)))
        hits = searched[key]
        result.hits[query.id] = hits
        result.run[query.id] = ranking_to_run_entry(ranked_items(hits, query.level, depth))
    return result


def qrels_of(queries: Sequence[EvalQuery]) -> dict[str, dict[str, int]]:
    return {query.id: dict(query.relevant) for query in queries}
