from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from assistant.related import (
    IN_ORDER_SHARE,
    Alignment,
    BlockVectors,
    align,
    RelatedReleases,
    ReleaseInfo,
    dates_compatible,
    language_key,
)

# Hand-computed alignment scores (mutual best matches, cosine >= 0.3, margin over runners-up >= 0.1;
# share of aligned sentences averaged over both releases' sentence counts):
#   X = {(1,0), (0,1)}, Y = {(1,0)}, Z = {(0.6,0.8), (0.6,-0.8)}
#   X~Y: x1<->y1 (cos 1, runner-up 0 in y1's column): 1 aligned -> (1/2 + 1/1)/2 = 0.75
#   X~Z: x2<->z1 (cos 0.8, runner-ups -0.8 and 0.6: margin 0.2): 1 aligned -> (1/2 + 1/2)/2 = 0.5;
#        x1's best is z1 (0.6, tie) but z1's best is x2: not mutual
#   Y~Z: y1<->z1 mutual, cos 0.6, but z2 also scores 0.6: margin 0 -> 0 aligned -> 0
VECTORS = {
    "X": np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32),
    "Y": np.array([[1.0, 0.0]], dtype=np.float32),
    "Z": np.array([[0.6, 0.8], [0.6, -0.8]], dtype=np.float32),
}


def info(release_id: str, language: str, date: dt.date | None = None) -> ReleaseInfo:
    return ReleaseInfo(release_id, f"Title {release_id}", date, f"https://example.org/{release_id}", "", (language,))


def test_alignment_scores_match_the_hand_computed_values():
    related = RelatedReleases([info("X", "mk"), info("Y", "bs"), info("Z", "hr")], VECTORS)
    assert related.scores("X") == pytest.approx({"X": 1.0, "Y": 0.75, "Z": 0.5})
    assert related.scores("Y") == pytest.approx({"X": 0.75, "Y": 1.0, "Z": 0.0})
    assert related.scores("Z") == pytest.approx({"X": 0.5, "Y": 0.0, "Z": 1.0})
    assert align(VECTORS["X"], VECTORS["Y"]).share == pytest.approx(0.75)
    assert align(VECTORS["Y"], VECTORS["Z"], min_margin=0.0).share == pytest.approx(0.75)  # y1<->z1 at margin 0
    assert align(VECTORS["X"], VECTORS["Z"], min_cosine=0.9).share == 0.0
    assert align(VECTORS["X"], np.zeros((0, 2), np.float32)).share == 0.0


def test_pair_scores_list_every_pair_once_best_first():
    related = RelatedReleases([info("X", "mk"), info("Y", "bs"), info("Z", "hr")], VECTORS)
    assert [(a, b) for a, b, _ in related.pair_scores()] == [("X", "Y"), ("X", "Z"), ("Y", "Z")]
    assert [score for _, _, score in related.pair_scores()] == pytest.approx([0.75, 0.5, 0.0])


def test_other_versions_need_the_threshold_and_another_written_language():
    related = RelatedReleases([info("X", "mk"), info("Y", "bs"), info("Z", "hr")], VECTORS, threshold=0.65)
    assert [(item.release.release_id, round(item.similarity, 4)) for item in related.other_versions("X")] == [
        ("Y", 0.75),
    ]
    assert [item.release.release_id for item in related.other_versions("Y")] == ["X"]
    lenient = RelatedReleases([info("X", "mk"), info("Y", "bs"), info("Z", "hr")], VECTORS, threshold=0.0)
    # Bosnian and Croatian (Latin) count as one written language: Z is no "other language" version of Y.
    assert [item.release.release_id for item in lenient.other_versions("Y")] == ["X"]


def test_other_versions_respect_dates_and_exclusions():
    infos = [info("X", "mk", dt.date(2022, 6, 15)), info("Y", "bs", dt.date(2022, 9, 1)), info("Z", "en")]
    related = RelatedReleases(infos, VECTORS, threshold=0.45)
    assert [item.release.release_id for item in related.other_versions("X")] == ["Z"]  # Y is 78 days apart
    assert related.other_versions("X", exclude=["Z"]) == []
    assert related.other_versions("unknown") == []


def test_dates_compatible_within_the_gap_or_when_unknown():
    assert dates_compatible(dt.date(2022, 6, 15), dt.date(2022, 7, 1))
    assert not dates_compatible(dt.date(2022, 6, 15), dt.date(2022, 8, 1))
    assert dates_compatible(None, dt.date(2022, 8, 1))


@pytest.mark.parametrize(
    ("tag", "key"),
    [("bs", ("sh", "Latn")), ("hr", ("sh", "Latn")), ("sr-Latn", ("sh", "Latn")), ("sr-Cyrl", ("sh", "Cyrl")),
     ("mk", ("mk", "Cyrl")), ("en", ("en", "Latn"))],
)
def test_language_keys(tag, key):
    assert language_key(tag) == key


def test_scores_are_computed_once_per_release():
    related = RelatedReleases([info("X", "mk"), info("Y", "bs")], VECTORS)
    first = related.alignments("X")
    assert related.alignments("X") is first


def test_enough_aligned_sentences_make_a_same_story_link_below_the_share_threshold():
    assert Alignment(0.40, 2).same_story() and not Alignment(0.39, 3).same_story()
    assert Alignment(0.31, 4).same_story()  # e.g. 4 of 18 and 10 sentences: one event, not a translation
    assert not Alignment(0.24, 6).same_story()  # a few matches in long releases on a shared topic
    rng = np.random.default_rng(3)
    rows = rng.standard_normal((24, 256)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)  # nearly orthogonal: cosines about ±0.06
    long_a, long_b = rows[:18], np.concatenate([rows[:4], rows[18:24]])  # 4 shared sentences, 6 unrelated
    alignment = align(long_a, long_b)
    assert alignment.aligned == 4 and alignment.share == pytest.approx((4 / 18 + 4 / 10) / 2)
    assert alignment.same_story()


def test_block_vectors_give_unit_mean_vectors_and_sentences():
    ids, means = BlockVectors(VECTORS).means()
    assert ids == ["X", "Y", "Z"]
    np.testing.assert_allclose(means, [[0.7071068, 0.7071068], [1, 0], [1, 0]], atol=1e-6)
    assert set(BlockVectors(VECTORS).sentences(["Y", "nowhere"])) == {"Y"}


def test_the_nearest_releases_are_those_with_the_closest_mean_vectors():
    related = RelatedReleases([info("X", "en"), info("Y", "bs"), info("Z", "mk")], VECTORS)
    assert set(related.nearest("Y", 2)) == {"Y", "Z"}  # means: X (.71,.71), Y (1,0), Z (1,0)
    assert related.nearest("Y", 5) == ["X", "Y", "Z"]


def test_related_releases_use_the_nearest_candidates_but_pair_scores_stay_complete():
    infos = [info("X", "en"), info("Y", "bs"), info("Z", "mk")]
    related = RelatedReleases(infos, VECTORS, threshold=0.0, candidates=2)
    assert set(related.scores("Y")) == {"Y", "Z"}
    assert [item.release.release_id for item in related.other_versions("Y")] == ["Z"]  # X not a candidate
    assert len(related.pair_scores()) == 3


def test_translations_whose_sentences_look_alike_are_linked_by_their_order():
    # Hand-built: 5 sentences that all resemble each other (a list of similar items). Each is its
    # translation's best match (cosine 1, same position), but every other sentence scores 1/1.09 = 0.917:
    # margin 0.083 < 0.10.
    base = np.eye(6, dtype=np.float32)[:5] * 0.3 + np.array([0, 0, 0, 0, 0, 1], dtype=np.float32)
    first = base / np.linalg.norm(base, axis=1, keepdims=True)
    second = first.copy()
    alignment = align(first, second)
    assert alignment.aligned == 0 and alignment.share == 0.0  # the margin rule aligns none
    assert alignment.in_order == pytest.approx(1.0) and alignment.same_story()
    reversed_order = align(first, second[::-1].copy())  # the same matches, but in the opposite order
    assert reversed_order.in_order == pytest.approx(1 / 5)  # only the middle sentence stays in place
    assert not reversed_order.same_story()
    assert Alignment(0.0, 0, IN_ORDER_SHARE).same_story() and not Alignment(0.0, 0, IN_ORDER_SHARE - 0.01).same_story()
