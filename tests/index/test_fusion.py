from __future__ import annotations

import math

import pytest

from index.fusion import (
    FusionConfig,
    HybridLegs,
    exact_term_candidates,
    fuse_hybrid,
    language_factor,
    lexical_weight,
    question_language,
    reciprocal_rank_fusion,
)


def test_two_rankings_fuse_to_hand_computed_scores() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]], k=60)
    assert [item for item, _ in fused] == [1, 3, 2, 4]
    expected = {1: 1 / 61 + 1 / 62, 3: 1 / 63 + 1 / 61, 2: 1 / 62, 4: 1 / 63}
    for item, score in fused:
        assert score == pytest.approx(expected[item], abs=1e-12)


def test_fusion_agrees_with_ranx_rrf() -> None:
    from ranx import Run, fuse

    rankings = [[1, 2, 3, 5], [3, 1, 4]]
    runs = [Run({"q": {str(item): float(len(r) - rank) for rank, item in enumerate(r)}}) for r in rankings]
    reference = fuse(runs=runs, method="rrf", params={"k": 60})["q"]
    ours = reciprocal_rank_fusion(rankings, k=60)
    assert [str(item) for item, _ in ours] == sorted(reference, key=lambda item: -reference[item])
    for item, score in ours:
        assert score == pytest.approx(reference[str(item)], rel=1e-9)


def test_k_changes_the_scores() -> None:
    fused = dict(reciprocal_rank_fusion([[7, 8]], k=0))
    assert fused == pytest.approx({7: 1.0, 8: 0.5})


def test_weights_scale_each_ranking() -> None:
    # Unweighted, 3 (in both rankings) wins; a tiny weight on the second ranking drops it to last.
    assert [item for item, _ in reciprocal_rank_fusion([[1, 2, 3], [3]])] == [3, 1, 2]
    fused = reciprocal_rank_fusion([[1, 2, 3], [3]], weights=[1.0, 0.01])
    assert [item for item, _ in fused] == [1, 2, 3]
    assert dict(fused)[3] == pytest.approx(1 / 63 + 0.01 / 61, abs=1e-12)


def test_a_zero_weight_ignores_a_ranking_but_keeps_its_ids() -> None:
    fused = reciprocal_rank_fusion([[1], [2]], weights=[1.0, 0.0])
    assert fused == [(1, pytest.approx(1 / 61)), (2, 0.0)]


def test_ties_prefer_the_better_rank_then_the_earlier_ranking() -> None:
    # 5 and 1 both score 1/61 + 1/62; both reached rank 1, 5 in the first ranking.
    assert [item for item, _ in reciprocal_rank_fusion([[5, 1], [1, 5]])] == [5, 1]
    # 9 (rank 1 in the second ranking) ties with 8 (rank 1 in the first): the first ranking wins.
    assert [item for item, _ in reciprocal_rank_fusion([[8], [9]])] == [8, 9]


def test_empty_input_fuses_to_nothing() -> None:
    assert reciprocal_rank_fusion([]) == []
    assert reciprocal_rank_fusion([[], []]) == []


@pytest.mark.parametrize(
    ("rankings", "kwargs", "message"),
    [
        ([[1]], {"k": -1}, "non-negative"),
        ([[1], [2]], {"weights": [1.0]}, "1 weights for 2 rankings"),
        ([[1]], {"weights": [-0.5]}, "non-negative"),
        ([[1]], {"weights": [float("nan")]}, "finite"),
        ([[1, 2, 1]], {}, "id 1 appears twice in ranking 0"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(rankings, kwargs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reciprocal_rank_fusion(rankings, **kwargs)


def test_short_queries_give_the_lexical_leg_full_weight() -> None:
    assert lexical_weight("WBCAP") == 1.0
    assert lexical_weight("Enes Karić 170.900 KM") == 1.0
    assert lexical_weight("") == 1.0


def test_long_queries_lower_the_lexical_weight_in_proportion() -> None:
    twelve_words = "sastanak šefova graničnih policija Zapadnog Balkana održan Budvi juna godine uz podršku"
    assert lexical_weight(twelve_words) == pytest.approx(6 / 12)
    assert lexical_weight(twelve_words, full_weight_tokens=3) == pytest.approx(3 / 12)
    assert lexical_weight(twelve_words, full_weight_tokens=12) == 1.0


def test_lexical_weight_counts_tokens_not_characters_or_one_letter_words() -> None:
    # Single letters are not tokens; Cyrillic words count like Latin ones.
    assert lexical_weight("a b c d e f g h i j") == 1.0
    assert lexical_weight("Састанак шефова граничне полиције одржан је у Будви уз подршку") == pytest.approx(6 / 9)


def test_lexical_weight_refuses_a_nonsense_threshold() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        lexical_weight("WBCAP", full_weight_tokens=0)


# --- per-item weights ----------------------------------------------------------------------


def test_item_weights_scale_single_ids_of_one_ranking() -> None:
    fused = reciprocal_rank_fusion([[1, 2], [2, 1]], k=60, item_weights=[None, {1: 0.5}])
    assert dict(fused) == pytest.approx({1: 1 / 61 + 0.5 / 62, 2: 1 / 62 + 1 / 61})
    assert [item for item, _ in fused] == [2, 1]
    # Weights and item weights multiply.
    fused = reciprocal_rank_fusion([[1], [1]], k=0, weights=[1.0, 0.5], item_weights=[{1: 0.5}, {1: 0.5}])
    assert fused == [(1, pytest.approx(0.5 + 0.25))]


@pytest.mark.parametrize(
    ("item_weights", "message"),
    [
        ([None], "1 item weight maps for 2 rankings"),
        ([None, {1: -1.0}], "non-negative"),
        ([{1: math.inf}, None], "finite"),
    ],
)
def test_bad_item_weights_are_refused(item_weights, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reciprocal_rank_fusion([[1], [1]], item_weights=item_weights)


# --- fusion settings -----------------------------------------------------------------------


def test_setting_names_say_the_rule_and_its_parameters() -> None:
    assert FusionConfig().name == "k60-length"
    assert FusionConfig(k=20, rule="language", other_language_factor=0.5).name == "k20-language-0.5-family"
    assert FusionConfig(rule="language", other_language_factor=0.0, match_script=True).name == (
        "k60-language-0-family+script"
    )
    assert FusionConfig(rule="exact", tie_break_weight=0.1).name == "k60-exact-0.1"
    assert FusionConfig(rule="balanced", k=20).name == "k20-balanced"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rule": "magic"}, "unknown fusion rule 'magic'"),
        ({"k": -1}, "non-negative"),
        ({"full_weight_tokens": 0}, "at least 1"),
        ({"other_language_factor": 1.5}, "other_language_factor must be between 0 and 1"),
        ({"tie_break_weight": math.nan}, "tie_break_weight must be between 0 and 1"),
        ({"rare_min_chunks": -2}, "rare_min_chunks"),
    ],
)
def test_bad_settings_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FusionConfig(**changes)


def test_rare_limit_is_a_floor_or_a_share_of_the_index() -> None:
    config = FusionConfig(rare_min_chunks=12, rare_share=0.01)
    assert config.rare_limit(100) == 12
    assert config.rare_limit(5000) == 50
    assert FusionConfig(rare_min_chunks=0, rare_share=0.0).rare_limit(5000) == 0


def test_settings_serialise_to_plain_data() -> None:
    data = FusionConfig(rule="exact").as_dict()
    assert data["rule"] == "exact" and data["k"] == 60
    assert FusionConfig(**data) == FusionConfig(rule="exact")


# --- the lexical weight rules ---------------------------------------------------------------

SH_LATIN, SH_CYRILLIC, MACEDONIAN, ENGLISH = ("sh", "Latn"), ("sh", "Cyrl"), ("mk", "Cyrl"), ("en", "Latn")


def test_length_rule_is_weighted_rrf_of_dense_and_lexical() -> None:
    question = "granične policije"  # 2 tokens: weight 1
    legs = HybridLegs(dense=[1, 2, 3], lexical=[3, 4])
    fused = dict(fuse_hybrid(FusionConfig(k=20), question, legs))
    assert fused == pytest.approx({1: 1 / 21, 2: 1 / 22, 3: 1 / 23 + 1 / 21, 4: 1 / 22})


def test_language_rule_lowers_lexical_votes_for_other_language_candidates() -> None:
    legs = HybridLegs(
        dense=[1, 2, 3],
        lexical=[3, 4, 5],
        languages={3: MACEDONIAN, 4: SH_LATIN, 5: SH_CYRILLIC},
        question_language=SH_LATIN,
    )
    config = FusionConfig(rule="language", other_language_factor=0.5)
    fused = dict(fuse_hybrid(config, "Budva", legs))
    # 3 is Macedonian: half its lexical vote; 5 differs only in script, which counts only with match_script.
    assert fused == pytest.approx({1: 1 / 61, 2: 1 / 62, 3: 1 / 63 + 0.5 / 61, 4: 1 / 62, 5: 1 / 63})
    by_script_config = FusionConfig(rule="language", other_language_factor=0.5, match_script=True)
    by_script = dict(fuse_hybrid(by_script_config, "Budva", legs))
    assert by_script[5] == pytest.approx(0.5 / 63)
    # An unknown question language lowers nothing.
    unknown = HybridLegs(dense=legs.dense, lexical=legs.lexical, languages=legs.languages)
    assert dict(fuse_hybrid(config, "Budva", unknown))[3] == pytest.approx(1 / 63 + 1 / 61)


def test_language_factor_cases() -> None:
    config = FusionConfig(rule="language", other_language_factor=0.25, match_script=True)
    assert language_factor(SH_LATIN, SH_LATIN, config) == 1.0
    assert language_factor(SH_LATIN, SH_CYRILLIC, config) == 0.25
    assert language_factor(SH_LATIN, ("sh", "Zyyy"), config) == 1.0  # no script to compare
    assert language_factor(ENGLISH, SH_LATIN, config) == 0.25
    assert language_factor(None, MACEDONIAN, config) == 1.0
    assert language_factor(ENGLISH, None, config) == 1.0


def test_exact_rule_gives_rare_terms_a_full_leg_and_the_question_a_tie_breaker() -> None:
    legs = HybridLegs(dense=[1, 2], lexical=[3, 2], exact=[2])
    fused = fuse_hybrid(FusionConfig(rule="exact", tie_break_weight=0.1), "What is WBJAST?", legs)
    assert [item for item, _ in fused] == [2, 1, 3]
    assert dict(fused) == pytest.approx({2: 1 / 62 + 1 / 61 + 0.1 / 62, 1: 1 / 61, 3: 0.1 / 61})
    # Without exact terms and with no tie-breaker, hybrid is the dense ranking.
    plain = fuse_hybrid(FusionConfig(rule="exact", tie_break_weight=0.0), "what is it", HybridLegs([1, 2], [3, 2]))
    assert [item for item, _ in plain][:2] == [1, 2]


def test_balanced_rule_ranks_lexical_matches_within_each_language() -> None:
    legs = HybridLegs(dense=[9], lexical=[5, 6, 7], languages={5: ENGLISH, 6: ENGLISH, 7: MACEDONIAN})
    fused = dict(fuse_hybrid(FusionConfig(rule="balanced"), "Budva", legs))
    # 7 is third overall but first among Macedonian chunks.
    assert fused == pytest.approx({9: 1 / 61, 5: 1 / 61, 6: 1 / 62, 7: 1 / 61})


# --- question analysis ----------------------------------------------------------------------


def test_exact_term_candidates_are_acronyms_numbers_and_later_capitalised_words() -> None:
    assert exact_term_candidates("What is WBJAST?") == ["WBJAST"]
    assert exact_term_candidates("Шта је WBJAST?") == ["WBJAST"]
    assert exact_term_candidates("Koliko je EU doniralo, 170.900 KM ili 1,5 miliona za Enes Karić?") == [
        "EU",
        "170.900",
        "KM",
        "1,5",
        "Enes",
        "Karić",
    ]
    # The first word is capitalised anyway; one-letter words are no tokens.
    assert exact_term_candidates("Karić je posjetio plan A") == []
    assert exact_term_candidates("Кога дојде Карић?") == ["Карић"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is WBJAST?", ENGLISH),
        ("Што е WBJAST?", MACEDONIAN),
        ("Шта је WBJAST?", SH_CYRILLIC),
        ("Gdje je održan sastanak šefova graničnih policija?", SH_LATIN),
        ("WBJAST 2021", None),
    ],
)
def test_question_language_leaves_out_acronyms_and_numbers(question: str, expected) -> None:
    assert question_language(question) == expected
