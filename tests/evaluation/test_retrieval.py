"""Evaluation queries go through the real Searcher (fake encoder) and become ranx runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.ntrex import LANGUAGE_TAGS, load_articles
from evaluation.ntrex_releases import ntrex_releases
from evaluation.retrieval import CHUNK_LEVEL, RELEASE_LEVEL, EvalQuery, make_filters, ranked_items, run_queries
from index.build import build_index
from index.search import Searcher
from index.store import open_index
from tests.fake_encoder import HashingEncoder


@pytest.fixture
def searcher(eval_settings, ntrex_dir: Path) -> Searcher:
    articles = load_articles(ntrex_dir, limit=2)
    releases = [item.release for item in ntrex_releases(articles, LANGUAGE_TAGS)]
    encoder = HashingEncoder(64)
    build_index(eval_settings, encoder, releases, progress=False)
    return Searcher(open_index(eval_settings.index_dir), encoder, "dense")


def test_release_level_run_keeps_first_occurrence_in_hit_order(searcher: Searcher) -> None:
    question = "Welsh AMs worried about 'looking like muppets'"
    hits = searcher.search(question, k=20)
    expected: list[str] = []
    for hit in hits:
        if hit.release_id not in expected:
            expected.append(hit.release_id)
    query = EvalQuery("q", question, "en", {"ntrex-bbc.381790-en": 1})
    result = run_queries(searcher, [query], fetch_k=20, depth=5, progress=False)
    ranked = list(result.run["q"])
    assert ranked == expected[:5]
    scores = list(result.run["q"].values())
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)


def test_chunk_level_run_lists_chunk_ids(searcher: Searcher) -> None:
    question = "There is consternation among some AMs"
    hits = searcher.search(question, k=10)
    query = EvalQuery("q", question, "en", {"1": 1}, level=CHUNK_LEVEL)
    result = run_queries(searcher, [query], fetch_k=10, depth=10, progress=False)
    assert list(result.run["q"]) == [str(hit.chunk_id) for hit in hits]


def test_language_filter_limits_hits_to_the_target_language(searcher: Searcher) -> None:
    query = EvalQuery("q", "Welsh AMs worried", "en", {"ntrex-bbc.381790-mk": 1}, languages=("mk",))
    result = run_queries(searcher, [query], fetch_k=10, depth=10, progress=False)
    assert result.run["q"] and all(release.endswith("-mk") for release in result.run["q"])
    assert all(hit.language == "mk" for hit in result.hits["q"])


def test_identical_searches_run_once(searcher: Searcher) -> None:
    encoder = searcher.encoder
    before = len(encoder.calls)
    queries = [
        EvalQuery("a", "Welsh AMs", "en", {"x": 1}, languages=("hr",)),
        EvalQuery("b", "Welsh AMs", "en", {"x": 1}, languages=("hr",)),
        EvalQuery("c", "Welsh AMs", "en", {"x": 1}, languages=("bs",)),
    ]
    result = run_queries(searcher, queries, fetch_k=5, depth=5, progress=False)
    assert len(encoder.calls) - before == 2
    assert result.run["a"] == result.run["b"]


def test_no_filter_for_empty_selection_and_unknown_level_refused() -> None:
    assert make_filters(()) is None
    assert make_filters(("sr-Cyrl",)).languages == frozenset({"sr-Cyrl"})
    with pytest.raises(ValueError, match="unknown evaluation level"):
        ranked_items([], "document", 10)
    assert ranked_items([], RELEASE_LEVEL, 10) == []
