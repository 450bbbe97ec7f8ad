"""Hybrid search with each fusion rule, on the real BM25 leg and the fake encoder."""

from __future__ import annotations

import pytest

from corpus.language import family_of
from index.build import build_index
from index.fusion import DEFAULT_FUSION, FusionConfig, lexical_weight
from index.search import LEG_CANDIDATES, Hit, Searcher
from index.settings import Settings
from index.store import OpenIndex, open_index
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import make_release, small_corpus


@pytest.fixture
def index(settings: Settings, fake_encoder: HashingEncoder) -> OpenIndex:
    karic = make_release("karic", [("Ministar Karić je posjetio prihvatni centar u Sarajevu.", "bs")])
    build_index(settings, fake_encoder, [*small_corpus(), karic], progress=False)
    return open_index(settings.index_dir)


def ranks(index: OpenIndex, encoder: HashingEncoder, mode: str, question: str) -> dict[int, int]:
    return {hit.chunk_id: hit.rank for hit in Searcher(index, encoder, mode).search(question, k=LEG_CANDIDATES)}


def rrf(
    ranking: dict[int, int], k: int, weight: float = 1.0, factors: dict[int, float] | None = None
) -> dict[int, float]:
    return {chunk: weight * (factors or {}).get(chunk, 1.0) / (k + rank) for chunk, rank in ranking.items()}


def total(*parts: dict[int, float]) -> dict[int, float]:
    summed: dict[int, float] = {}
    for part in parts:
        for chunk, score in part.items():
            summed[chunk] = summed.get(chunk, 0.0) + score
    return summed


def scores_of(hits: list[Hit]) -> dict[int, float]:
    return {hit.chunk_id: hit.score for hit in hits}


def test_hybrid_uses_the_default_fusion_unless_given_one(index: OpenIndex, fake_encoder: HashingEncoder) -> None:
    assert Searcher(index, fake_encoder, "hybrid").fusion == DEFAULT_FUSION
    config = FusionConfig(k=20, rule="balanced")
    assert Searcher(index, fake_encoder, "hybrid", fusion_config=config).fusion is config


def test_exact_rule_adds_a_leg_for_the_rare_terms_only(index: OpenIndex, fake_encoder: HashingEncoder) -> None:
    question = "Gdje je Karić bio kad je sastanak održan u Budvi"
    # "Karić" is in one chunk, "Budvi" in three: with a limit of one chunk only Karić is rare.
    config = FusionConfig(rule="exact", tie_break_weight=0.1, rare_min_chunks=1, rare_share=0.0)
    dense, lexical = ranks(index, fake_encoder, "dense", question), ranks(index, fake_encoder, "lexical", question)
    exact = ranks(index, fake_encoder, "lexical", "Karić")
    assert len(exact) == 1
    hits = Searcher(index, fake_encoder, "hybrid", fusion_config=config).search(question, k=20)
    expected = total(rrf(dense, 60), rrf(exact, 60), rrf(lexical, 60, 0.1))
    assert scores_of(hits) == pytest.approx(expected, abs=1e-12)
    assert hits[0].release_id == "karic"
    # With no rare term the exact leg is empty: dense plus the tie-breaker only.
    none_rare = FusionConfig(rule="exact", tie_break_weight=0.1, rare_min_chunks=0, rare_share=0.0)
    hits = Searcher(index, fake_encoder, "hybrid", fusion_config=none_rare).search(question, k=20)
    assert scores_of(hits) == pytest.approx(total(rrf(dense, 60), rrf(lexical, 60, 0.1)), abs=1e-12)


def test_language_rule_lowers_lexical_votes_for_the_other_script(
    index: OpenIndex, fake_encoder: HashingEncoder
) -> None:
    question = "Sastanak šefova granične policije održan je u Budvi"  # Latin Bosnian/Croatian/Serbian
    config = FusionConfig(k=20, rule="language", other_language_factor=0.25, match_script=True)
    dense, lexical = ranks(index, fake_encoder, "dense", question), ranks(index, fake_encoder, "lexical", question)
    lexical_hits = Searcher(index, fake_encoder, "lexical").search(question, k=LEG_CANDIDATES)
    factors = {
        hit.chunk_id: 1.0 if (family_of(hit.language), hit.script) == ("sh", "Latn") else 0.25 for hit in lexical_hits
    }
    by_release = {hit.release_id: factors[hit.chunk_id] for hit in lexical_hits}
    assert by_release["sr-cyrl"] == 0.25 and by_release["sr-latn"] == by_release["bs-border"] == 1.0
    weight = lexical_weight(question)
    hits = Searcher(index, fake_encoder, "hybrid", fusion_config=config).search(question, k=20)
    assert scores_of(hits) == pytest.approx(total(rrf(dense, 20), rrf(lexical, 20, weight, factors)), abs=1e-12)


def test_balanced_rule_counts_lexical_ranks_within_each_language(
    index: OpenIndex, fake_encoder: HashingEncoder
) -> None:
    question = "European Union police equipment"
    lexical_hits = Searcher(index, fake_encoder, "lexical").search(question, k=LEG_CANDIDATES)
    languages = {(family_of(hit.language), hit.script) for hit in lexical_hits}
    assert len(languages) > 1  # "police" also matches the Bosnian/Croatian "policije"
    per_language: dict[int, int] = {}
    seen: dict[tuple[str, str], int] = {}
    for hit in lexical_hits:
        key = (family_of(hit.language), hit.script)
        seen[key] = seen.get(key, 0) + 1
        per_language[hit.chunk_id] = seen[key]
    dense = ranks(index, fake_encoder, "dense", question)
    hits = Searcher(index, fake_encoder, "hybrid", fusion_config=FusionConfig(rule="balanced")).search(question, k=20)
    assert scores_of(hits) == pytest.approx(total(rrf(dense, 60), rrf(per_language, 60)), abs=1e-12)
