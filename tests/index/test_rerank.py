from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from index.build import build_index
from index.rerank import RerankerError, rerank_hits
from index.search import Searcher
from index.settings import Settings
from index.store import open_index
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import small_corpus


@dataclass(frozen=True)
class FakeHit:
    text: str
    score: float
    rank: int


class LengthReranker:
    """Prefers shorter passages; records what it was shown."""

    name = "shortest-first"

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        self.seen.append(list(passages))
        return [-float(len(passage)) for passage in passages]


def hits_of(*texts: str) -> list[FakeHit]:
    return [FakeHit(text, 1.0 / rank, rank) for rank, text in enumerate(texts, start=1)]


def test_the_top_hits_are_reordered_by_the_reranker_and_renumbered() -> None:
    reranker = LengthReranker()
    reranked = rerank_hits(reranker, "q", hits_of("aaaa", "a", "aaa", "aa"), depth=3)
    assert [hit.text for hit in reranked] == ["a", "aaa", "aaaa", "aa"]
    assert [hit.rank for hit in reranked] == [1, 2, 3, 4]
    assert [hit.score for hit in reranked[:3]] == [-1.0, -3.0, -4.0]
    assert reranked[3].score == pytest.approx(1 / 4)  # beyond the depth: first-stage score kept
    assert reranker.seen == [["aaaa", "a", "aaa"]]


def test_equal_reranker_scores_keep_the_first_stage_order() -> None:
    reranked = rerank_hits(LengthReranker(), "q", hits_of("bb", "aa", "c"), depth=10)
    assert [hit.text for hit in reranked] == ["c", "bb", "aa"]


def test_no_hits_means_no_reranker_call() -> None:
    reranker = LengthReranker()
    assert rerank_hits(reranker, "q", [], depth=5) == []
    assert reranker.seen == []


class BrokenReranker:
    name = "broken"

    def __init__(self, scores: list[float]) -> None:
        self.scores = scores

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        return self.scores


@pytest.mark.parametrize(
    ("scores", "message"), [([1.0], "returned 1 scores for 2 passages"), ([1.0, float("nan")], "finite")]
)
def test_a_misbehaving_reranker_is_reported(scores: list[float], message: str) -> None:
    with pytest.raises(RerankerError, match=message):
        rerank_hits(BrokenReranker(scores), "q", hits_of("a", "b"))
    with pytest.raises(ValueError, match="at least 1"):
        rerank_hits(BrokenReranker(scores), "q", hits_of("a", "b"), depth=0)


def test_the_searcher_applies_a_configured_reranker(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    index = open_index(settings.index_dir)
    question = "sastanak šefova granične policije u Budvi"
    plain = Searcher(index, fake_encoder, "dense").search(question, k=7)
    reranker = LengthReranker()
    reranked = Searcher(index, fake_encoder, "dense", reranker=reranker, rerank_depth=5).search(question, k=3)
    # The reranker saw the five best first-stage passages and returned the three shortest of them.
    assert reranker.seen == [[hit.text for hit in plain[:5]]]
    assert [hit.text for hit in reranked] == sorted((hit.text for hit in plain[:5]), key=len)[:3]
    assert [hit.rank for hit in reranked] == [1, 2, 3]
    with pytest.raises(ValueError, match="rerank_depth must be at least 1"):
        Searcher(index, fake_encoder, "dense", reranker=reranker, rerank_depth=0)
