"""Query and judgement construction of the three NTREX tasks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from evaluation.ntrex import LANGUAGE_TAGS, load_articles
from evaluation.ntrex_releases import ntrex_releases
from evaluation.ntrex_tasks import (
    chunks_holding,
    headline_queries,
    mixed_queries,
    ordered_pairs,
    passage_queries,
)
from evaluation.retrieval import CHUNK_LEVEL, RELEASE_LEVEL
from index.chunking import ChunkingParams, chunk_release


@dataclass(frozen=True)
class Span:
    id: str
    start: int
    end: int


@pytest.fixture(scope="module")
def articles(ntrex_dir: Path):
    return load_articles(ntrex_dir, limit=3)


def test_thirty_ordered_pairs_without_same_language() -> None:
    pairs = ordered_pairs(LANGUAGE_TAGS)
    assert len(pairs) == 30
    assert all(source != target for source, target in pairs)
    assert ("mk", "en") in pairs and ("en", "mk") in pairs


def test_headline_queries_search_target_language_for_the_same_article(articles) -> None:
    queries = headline_queries(articles, LANGUAGE_TAGS)
    assert len(queries) == 3 * 30
    query = next(q for q in queries if q.id == "headline|bbc.381790|mk>en")
    assert query.text == articles[0].headline("mk")
    assert query.relevant == {"ntrex-bbc.381790-en": 1}
    assert query.languages == ("en",)
    assert query.lang == "mk" and query.group == "mk>en" and query.level == RELEASE_LEVEL
    assert len({q.id for q in queries}) == len(queries)


def test_mixed_queries_judge_all_six_versions_without_filter(articles) -> None:
    queries = mixed_queries(articles, LANGUAGE_TAGS)
    assert len(queries) == 3 * 6
    query = queries[0]
    assert query.languages == ()
    assert set(query.relevant) == {articles[0].release_id(tag) for tag in LANGUAGE_TAGS}


def test_chunks_holding_prefers_chunks_containing_the_whole_sentence() -> None:
    chunks = [Span("a", 0, 100), Span("b", 80, 200), Span("c", 190, 300)]
    assert chunks_holding(chunks, 85, 95) == ["a", "b"]  # inside the overlap: both hold it whole
    assert chunks_holding(chunks, 120, 150) == ["b"]
    assert chunks_holding(chunks, 150, 250) == ["b", "c"]  # no chunk holds it whole: the overlapping ones
    assert chunks_holding(chunks, 400, 410) == []


def test_passage_queries_point_at_chunks_holding_the_aligned_sentence(articles) -> None:
    releases = ntrex_releases(articles, LANGUAGE_TAGS)
    spans = {item.release.id: item.line_spans for item in releases}
    params = ChunkingParams(chunk_size=80, chunk_overlap=20)
    chunks = {item.release.id: chunk_release(item.release, params) for item in releases}
    texts = {item.release.id: item.release.text for item in releases}
    queries = passage_queries(articles, LANGUAGE_TAGS, spans, chunks, per_article=3, seed=5)
    assert len(queries) == 3 * 3 * 30
    assert any(len(query.relevant) > 1 for query in queries)  # chunks shorter than sentences: some span several
    by_id = {str(chunk.id): chunk for items in chunks.values() for chunk in items}
    for query in queries:
        _, doc_id, line, pair = query.id.split("|")
        source, target = pair.split(">")
        article = next(a for a in articles if a.doc_id == doc_id)
        assert query.text == article.lines[source][int(line)]
        assert query.level == CHUNK_LEVEL and query.languages == (target,)
        start, end = spans[article.release_id(target)][int(line)]
        assert texts[article.release_id(target)][start:end] == article.lines[target][int(line)]
        target_chunks = chunks[article.release_id(target)]
        whole = [str(c.id) for c in target_chunks if c.start <= start and end <= c.end]
        if whole:
            assert sorted(query.relevant) == sorted(whole)
        else:  # a sentence longer than a chunk: every chunk overlapping it, and only those
            assert sorted(query.relevant) == sorted(str(c.id) for c in target_chunks if c.start < end and start < c.end)
        assert all(by_id[chunk_id].release_id == article.release_id(target) for chunk_id in query.relevant)


def test_passage_queries_use_the_same_lines_in_every_language(articles) -> None:
    releases = ntrex_releases(articles, LANGUAGE_TAGS)
    spans = {item.release.id: item.line_spans for item in releases}
    chunks = {item.release.id: chunk_release(item.release) for item in releases}
    queries = passage_queries(articles, LANGUAGE_TAGS, spans, chunks, per_article=3, seed=5)
    lines_per_article: dict[str, set[str]] = {}
    for query in queries:
        _, doc_id, line, _ = query.id.split("|")
        lines_per_article.setdefault(doc_id, set()).add(line)
    assert all(len(lines) == 3 for lines in lines_per_article.values())
    assert "0" not in set().union(*lines_per_article.values())


def test_missing_chunks_are_reported(articles) -> None:
    releases = ntrex_releases(articles[:1], LANGUAGE_TAGS)
    spans = {item.release.id: item.line_spans for item in releases}
    with pytest.raises(ValueError, match="no indexed chunk of ntrex-bbc.381790"):
        passage_queries(articles[:1], LANGUAGE_TAGS, spans, {}, per_article=1, seed=1)
