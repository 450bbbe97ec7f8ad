from __future__ import annotations

import pytest

from index.fusion import lexical_weight, reciprocal_rank_fusion


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
