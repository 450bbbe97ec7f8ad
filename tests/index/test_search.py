from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import pytest

from index.build import build_index
from index.search import MAX_QUESTION_CHARS, Filters, Searcher, normalize_question
from index.settings import Settings
from index.store import IndexModelMismatchError, IndexStoreError, open_index
from tests.fake_encoder import HashingEncoder
from tests.index import fake_legs
from tests.index.conftest import make_release, small_corpus

QUESTION = "sastanak šefova granične policije u Budvi"


@pytest.fixture
def searcher(settings: Settings, fake_encoder: HashingEncoder) -> Searcher:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    return Searcher(open_index(settings.index_dir, fake_encoder.model_id), fake_encoder)


def released(hits) -> list[str]:
    return [hit.release_id for hit in hits]


def test_hits_carry_the_passage_and_its_citation(searcher: Searcher) -> None:
    hits = searcher.search(QUESTION, k=3)
    assert [hit.rank for hit in hits] == [1, 2, 3]
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    release = {r.id: r for r in small_corpus()}[hits[0].release_id]
    assert hits[0].text == release.text[hits[0].start : hits[0].end]
    assert (hits[0].title, hits[0].date, hits[0].source) == (release.title, release.date, release.source)


def test_unfiltered_search_ranks_every_chunk(searcher: Searcher) -> None:
    assert len(searcher.search(QUESTION, k=50)) == 7


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        ({"sr"}, {"sr-cyrl", "sr-latn"}),
        ({"sr-Cyrl"}, {"sr-cyrl"}),
        ({"sr-Latn"}, {"sr-latn"}),
        ({"sh"}, {"bs-border", "sr-cyrl", "sr-latn", "hr-news"}),
        ({"mk"}, {"mk-border"}),
        ({"en", "hr"}, {"en-donation", "undated", "hr-news"}),
    ],
)
def test_language_filters(searcher: Searcher, languages: set[str], expected: set[str]) -> None:
    hits = searcher.search(QUESTION, k=50, filters=Filters(languages=frozenset(languages)))
    assert set(released(hits)) == expected


def test_filters_are_applied_inside_the_vector_search(settings: Settings, fake_encoder: HashingEncoder) -> None:
    english = [make_release(f"en-{n}", [(f"Border police chiefs met in Budva, meeting {n}.", "en")]) for n in range(30)]
    macedonian = [make_release(f"mk-{n}", [(f"Состанок {n} во Скопје.", "mk")]) for n in range(2)]
    build_index(settings, fake_encoder, [*english, *macedonian], progress=False)
    searcher = Searcher(open_index(settings.index_dir), fake_encoder)
    assert all(hit.release_id.startswith("en-") for hit in searcher.search("Border police chiefs met in Budva", k=5))
    hits = searcher.search("Border police chiefs met in Budva", k=2, filters=Filters(languages=frozenset({"mk"})))
    assert sorted(released(hits)) == ["mk-0", "mk-1"]  # a top-k post-filter would have found none


def test_date_filters_are_inclusive_and_drop_undated_releases(searcher: Searcher) -> None:
    filters = Filters(date_from=dt.date(2021, 5, 2), date_to=dt.date(2022, 6, 15))
    assert set(released(searcher.search(QUESTION, k=50, filters=filters))) == {"sr-latn", "bs-border"}
    since = Filters(date_from=dt.date(2022, 6, 16))
    assert set(released(searcher.search(QUESTION, k=50, filters=since))) == {"mk-border", "en-donation"}


def test_release_and_combined_filters(searcher: Searcher) -> None:
    only = Filters(release_ids=frozenset({"hr-news", "mk-border"}))
    assert set(released(searcher.search(QUESTION, k=50, filters=only))) == {"hr-news", "mk-border"}
    both = Filters(languages=frozenset({"sh"}), release_ids=frozenset({"hr-news", "mk-border"}))
    assert released(searcher.search(QUESTION, k=50, filters=both)) == ["hr-news"]
    nothing = Filters(languages=frozenset({"mk"}), date_to=dt.date(2020, 1, 1))
    assert searcher.search(QUESTION, k=5, filters=nothing) == []


def test_bad_filters_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="unknown language filter.*xx"):
        Filters(languages=frozenset({"xx"}))
    with pytest.raises(ValueError, match="after date_to"):
        Filters(date_from=dt.date(2023, 1, 2), date_to=dt.date(2023, 1, 1))


def test_empty_questions_are_refused_and_long_ones_truncated(searcher: Searcher) -> None:
    for empty in ("", "   \n\t"):
        with pytest.raises(ValueError, match="question is empty"):
            searcher.search(empty)
    assert normalize_question("  x  ") == "x"
    seen: list[str] = []
    original = searcher.encoder.encode

    def recording(texts, prompt_name, progress=False):
        seen.extend(texts)
        assert prompt_name == "query"
        return original(texts, prompt_name, progress)

    searcher.encoder.encode = recording  # type: ignore[method-assign]
    assert searcher.search("border " * 1000, k=1)
    assert len(seen[0]) == MAX_QUESTION_CHARS


def test_k_and_vectors_are_validated(searcher: Searcher) -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        searcher.search(QUESTION, k=0)
    with pytest.raises(ValueError, match="3 dimensions, the index 64"):
        searcher.search_vector(np.ones(3, dtype=np.float32))


def test_search_vector_matches_search(searcher: Searcher, fake_encoder: HashingEncoder) -> None:
    vector = fake_encoder.encode([QUESTION], "query")[0]
    assert searcher.search_vector(vector, k=4) == searcher.search(QUESTION, k=4)


def test_a_searcher_refuses_an_encoder_of_another_model(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    with pytest.raises(IndexModelMismatchError, match="fake:64.*fake:32"):
        Searcher(open_index(settings.index_dir), HashingEncoder(32))
    with pytest.raises(ValueError, match="unknown search mode 'fuzzy'"):
        Searcher(open_index(settings.index_dir), fake_encoder, mode="fuzzy")


def test_reload_follows_a_new_generation(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    searcher = Searcher(open_index(settings.index_dir), fake_encoder)
    assert searcher.reload_if_changed() is False
    build_index(settings, fake_encoder, small_corpus()[:2], progress=False)
    assert len(searcher.search(QUESTION, k=50)) == 7  # still the generation it opened
    assert searcher.reload_if_changed() is True
    assert set(released(searcher.search(QUESTION, k=50))) == {"en-donation", "bs-border"}


def test_lexical_mode_needs_a_lexical_leg(
    settings: Settings, fake_encoder: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "index.lexical", None)
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    searcher = Searcher(open_index(settings.index_dir), fake_encoder, mode="lexical")
    with pytest.raises(IndexStoreError, match="no lexical.*--mode dense"):
        searcher.search(QUESTION)


@pytest.fixture
def fake_leg_searchers(settings: Settings, fake_encoder: HashingEncoder, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "index.lexical", fake_legs.lexical_module())
    monkeypatch.setitem(sys.modules, "index.fusion", fake_legs.fusion_module())
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    return {
        mode: Searcher(open_index(settings.index_dir), fake_encoder, mode=mode)
        for mode in ("dense", "lexical", "hybrid")
    }


def test_lexical_mode_delegates_to_the_lexical_leg_with_filters(fake_leg_searchers) -> None:
    lexical = fake_leg_searchers["lexical"]
    hits = lexical.search("protective footwear", k=5)
    assert [(hit.release_id, hit.score) for hit in hits] == [("en-donation", 2.0)]
    assert set(released(lexical.search("održan Budvi", k=5))) == {"bs-border", "sr-latn"}
    assert released(lexical.search("održan Budvi", k=5, filters=Filters(languages=frozenset({"sr"})))) == ["sr-latn"]


def test_hybrid_mode_fuses_the_dense_and_lexical_rankings(fake_leg_searchers) -> None:
    question = "European Union donated equipment to the police"
    dense = [hit.chunk_id for hit in fake_leg_searchers["dense"].search(question, k=50)]
    lexical = [hit.chunk_id for hit in fake_leg_searchers["lexical"].search(question, k=50)]
    expected = fake_legs.reciprocal_rank_fusion([dense, lexical])[:3]
    hits = fake_leg_searchers["hybrid"].search(question, k=3)
    assert [(hit.chunk_id, hit.score) for hit in hits] == expected
    assert dense != lexical  # the fusion had two different rankings to combine


def test_real_lexical_and_fusion_legs_answer(settings: Settings, fake_encoder: HashingEncoder) -> None:
    """Integration with index.lexical (BM25) and index.fusion as installed."""
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    index = open_index(settings.index_dir)
    assert index.has_lexical
    lexical = Searcher(index, fake_encoder, mode="lexical").search("protective footwear", k=3)
    assert released(lexical) == ["en-donation"]
    hybrid = Searcher(index, fake_encoder, mode="hybrid").search("protective footwear", k=3)
    assert released(hybrid)[0] == "en-donation" and len(hybrid) == 3
    filtered = Searcher(index, fake_encoder, mode="hybrid").search(
        "protective footwear", k=3, filters=Filters(languages=frozenset({"mk"}))
    )
    assert released(filtered) == ["mk-border"]
