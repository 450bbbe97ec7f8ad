from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from index import fusion
from index.build import build_index
from index.search import LEG_CANDIDATES, MAX_QUESTION_CHARS, Filters, Hit, Searcher, normalize_question
from index.settings import Settings
from index.store import IndexModelMismatchError, LexicalLegMissingError, open_index
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import make_release, small_corpus
from tests.index.test_store import as_written_by_an_older_build

QUESTION = "sastanak šefova granične policije u Budvi"
RRF_K = fusion.DEFAULT_K


@pytest.fixture
def searcher(settings: Settings, fake_encoder: HashingEncoder) -> Searcher:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    return Searcher(open_index(settings.index_dir, fake_encoder.model_id), fake_encoder, "dense")


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
    searcher = Searcher(open_index(settings.index_dir), fake_encoder, "dense")
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
        Searcher(open_index(settings.index_dir), HashingEncoder(32), "dense")
    with pytest.raises(ValueError, match="unknown search mode 'fuzzy'"):
        Searcher(open_index(settings.index_dir), fake_encoder, mode="fuzzy")


def test_a_searcher_keeps_the_generation_it_opened(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    searcher = Searcher(open_index(settings.index_dir), fake_encoder, "dense")
    build_index(settings, fake_encoder, small_corpus()[:2], progress=False)
    assert len(searcher.search(QUESTION, k=50)) == 7  # still the generation it opened
    fresh = Searcher(open_index(settings.index_dir), fake_encoder, "dense")
    assert set(released(fresh.search(QUESTION, k=50))) == {"en-donation", "bs-border"}


# --- lexical and hybrid modes (the real BM25 leg and fusion) ---------------------------------


def karic_release():
    return make_release("karic", [("Ministar Karić je posjetio prihvatni centar u Sarajevu.", "bs")])


@pytest.fixture
def searchers(settings: Settings, fake_encoder: HashingEncoder) -> dict[str, Searcher]:
    build_index(settings, fake_encoder, [*small_corpus(), karic_release()], progress=False)
    index = open_index(settings.index_dir)
    # The plain weighted RRF (length rule, k=60), so its arithmetic can be written out below.
    plain = fusion.FusionConfig()
    return {mode: Searcher(index, fake_encoder, mode, fusion_config=plain) for mode in ("dense", "lexical", "hybrid")}


def ranks(hits: list[Hit]) -> dict[int, int]:
    return {hit.chunk_id: hit.rank for hit in hits}


def weighted_rrf(dense: dict[int, int], lexical: dict[int, int], weight: float) -> dict[int, float]:
    """RRF written out: 1/(k + dense rank) + weight/(k + lexical rank), a missing rank adding nothing."""
    return {
        chunk: (1 / (RRF_K + dense[chunk]) if chunk in dense else 0.0)
        + (weight / (RRF_K + lexical[chunk]) if chunk in lexical else 0.0)
        for chunk in dense.keys() | lexical.keys()
    }


def test_lexical_mode_ranks_bm25_matches_across_scripts(searchers: dict[str, Searcher]) -> None:
    hits = searchers["lexical"].search("održan Budvi", k=10)
    # Only these chunks hold both words; sr-cyrl holds them in Cyrillic ("одржан", "Будви").
    assert set(released(hits)) == {"bs-border", "sr-latn", "sr-cyrl"}
    assert all(hit.score > 0 for hit in hits)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert released(searchers["lexical"].search("protective footwear", k=10)) == ["en-donation"]


def test_a_cyrillic_query_finds_the_latin_name_in_lexical_mode(searchers: dict[str, Searcher]) -> None:
    assert released(searchers["lexical"].search("Карић", k=10)) == ["karic"]
    assert released(searchers["lexical"].search("Karic", k=10)) == ["karic"]


def test_lexical_mode_applies_filters_before_the_top_k(searchers: dict[str, Searcher]) -> None:
    lexical = searchers["lexical"]
    cyrillic = Filters(languages=frozenset({"sr-Cyrl"}))
    assert released(lexical.search("održan Budvi", k=1, filters=cyrillic)) == ["sr-cyrl"]
    assert released(lexical.search("održan Budvi", k=10, filters=Filters(languages=frozenset({"sr-Latn"})))) == [
        "sr-latn"
    ]
    early_sh = Filters(languages=frozenset({"sh"}), date_to=dt.date(2021, 5, 1))
    assert released(lexical.search("održan Budvi", k=10, filters=early_sh)) == ["sr-cyrl"]
    assert lexical.search("održan Budvi", k=10, filters=Filters(languages=frozenset({"en"}))) == []


def test_hybrid_ranking_is_the_weighted_fusion_of_the_two_legs(searchers: dict[str, Searcher]) -> None:
    # 13 tokens, over fusion.FULL_WEIGHT_TOKENS = 6: the lexical leg gets weight 6/13.
    question = "European Union donated protective clothing and footwear to the border police in Budva"
    weight = fusion.lexical_weight(question)
    assert weight == pytest.approx(6 / 13)
    dense = ranks(searchers["dense"].search(question, k=LEG_CANDIDATES))
    lexical = ranks(searchers["lexical"].search(question, k=LEG_CANDIDATES))
    assert dense.keys() != lexical.keys()  # lexical matches only chunks sharing words

    expected = weighted_rrf(dense, lexical, weight)
    hits = searchers["hybrid"].search(question, k=5)
    assert len(hits) == 5
    for hit in hits:
        assert hit.score == pytest.approx(expected[hit.chunk_id], abs=1e-12)
    assert [hit.score for hit in hits] == pytest.approx(sorted(expected.values(), reverse=True)[:5])
    # The weight matters here: at full weight the fused top 5 would come in another order.
    unweighted = weighted_rrf(dense, lexical, 1.0)
    assert [hit.chunk_id for hit in hits] != sorted(unweighted, key=lambda chunk: -unweighted[chunk])[:5]
    # ... and the module's fusion gives the same answer.
    fused = fusion.reciprocal_rank_fusion([list(dense), list(lexical)], weights=[1.0, weight])[:5]
    assert [(hit.chunk_id, hit.score) for hit in hits] == fused


def test_hybrid_puts_the_only_lexical_match_first(searchers: dict[str, Searcher]) -> None:
    dense = ranks(searchers["dense"].search("Карић", k=LEG_CANDIDATES))
    hits = searchers["hybrid"].search("Карић", k=3)
    karic = hits[0]
    assert karic.release_id == "karic"
    # One token: full lexical weight, and lexical rank 1 for the only chunk naming Karić.
    assert karic.score == pytest.approx(1 / (RRF_K + dense[karic.chunk_id]) + 1 / (RRF_K + 1), abs=1e-12)
    assert [hit.score for hit in hits[1:]] == pytest.approx([1 / (RRF_K + dense[hit.chunk_id]) for hit in hits[1:]])


def test_hybrid_mode_filters_both_legs(searchers: dict[str, Searcher]) -> None:
    hybrid = searchers["hybrid"]
    serbian = Filters(languages=frozenset({"sr"}))
    hits = hybrid.search("održan Budvi", k=10, filters=serbian)
    assert set(released(hits)) == {"sr-latn", "sr-cyrl"}
    dense = ranks(searchers["dense"].search("održan Budvi", k=LEG_CANDIDATES, filters=serbian))
    lexical = ranks(searchers["lexical"].search("održan Budvi", k=LEG_CANDIDATES, filters=serbian))
    expected = weighted_rrf(dense, lexical, 1.0)
    assert {hit.chunk_id: hit.score for hit in hits} == pytest.approx(expected)
    # The lexical leg matches no Macedonian chunk: the dense leg alone answers.
    macedonian = hybrid.search("protective footwear", k=3, filters=Filters(languages=frozenset({"mk"})))
    assert released(macedonian) == ["mk-border"] and macedonian[0].score == pytest.approx(1 / (RRF_K + 1))


def test_the_default_mode_is_the_settings_default(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    assert Searcher(open_index(settings.index_dir), fake_encoder).mode == settings.retrieval_mode == "dense"


def test_lexical_and_hybrid_modes_need_the_lexical_leg(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    as_written_by_an_older_build(settings.index_dir)
    for mode in ("lexical", "hybrid"):
        with pytest.raises(LexicalLegMissingError, match="without the lexical.*--mode dense"):
            Searcher(open_index(settings.index_dir), fake_encoder, mode)
    assert Searcher(open_index(settings.index_dir), fake_encoder, "dense").search(QUESTION, k=1)
