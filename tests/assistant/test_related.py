from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from assistant.related import (
    BlockVectors,
    RelatedReleases,
    ReleaseInfo,
    alignment_score,
    dates_compatible,
    language_key,
)

# Hand-computed alignment scores (mean best match, both directions, averaged):
#   X = {(1,0), (0,1)}, Y = {(1,0)}, Z = {(0.6,0.8), (0.6,-0.8)}
#   X~Y: X->Y (1 + 0)/2 = 0.5, Y->X 1           -> 0.75
#   X~Z: X->Z (0.6 + 0.8)/2 = 0.7, Z->X (0.8 + 0.6)/2 = 0.7 -> 0.7
#   Y~Z: Y->Z 0.6, Z->Y (0.6 + 0.6)/2 = 0.6   -> 0.6
VECTORS = {
    "X": np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32),
    "Y": np.array([[1.0, 0.0]], dtype=np.float32),
    "Z": np.array([[0.6, 0.8], [0.6, -0.8]], dtype=np.float32),
}


def info(release_id: str, language: str, date: dt.date | None = None) -> ReleaseInfo:
    return ReleaseInfo(release_id, f"Title {release_id}", date, f"https://example.org/{release_id}", "", (language,))


def test_alignment_scores_match_the_hand_computed_values():
    related = RelatedReleases([info("X", "mk"), info("Y", "bs"), info("Z", "hr")], VECTORS)
    assert related.scores("X") == pytest.approx({"X": 1.0, "Y": 0.75, "Z": 0.7})
    assert related.scores("Y") == pytest.approx({"X": 0.75, "Y": 1.0, "Z": 0.6})
    assert related.scores("Z") == pytest.approx({"X": 0.7, "Y": 0.6, "Z": 1.0})
    assert alignment_score(VECTORS["X"], VECTORS["Y"]) == pytest.approx(0.75)


def test_pair_scores_list_every_pair_once_best_first():
    related = RelatedReleases([info("X", "mk"), info("Y", "bs"), info("Z", "hr")], VECTORS)
    assert [(a, b) for a, b, _ in related.pair_scores()] == [("X", "Y"), ("X", "Z"), ("Y", "Z")]
    assert [score for _, _, score in related.pair_scores()] == pytest.approx([0.75, 0.7, 0.6])


def test_other_versions_need_the_threshold_and_another_written_language():
    related = RelatedReleases([info("X", "mk"), info("Y", "bs"), info("Z", "hr")], VECTORS, threshold=0.65)
    assert [(item.release.release_id, round(item.similarity, 4)) for item in related.other_versions("X")] == [
        ("Y", 0.75),
        ("Z", 0.7),
    ]
    assert [item.release.release_id for item in related.other_versions("Y")] == ["X"]
    lenient = RelatedReleases([info("X", "mk"), info("Y", "bs"), info("Z", "hr")], VECTORS, threshold=0.5)
    # Bosnian and Croatian (Latin) count as one written language: Z is no "other language" version of Y.
    assert [item.release.release_id for item in lenient.other_versions("Y")] == ["X"]


def test_other_versions_respect_dates_and_exclusions():
    infos = [info("X", "mk", dt.date(2022, 6, 15)), info("Y", "bs", dt.date(2022, 9, 1)), info("Z", "en")]
    related = RelatedReleases(infos, VECTORS, threshold=0.65)
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
    first = related.scores("X")
    assert related.scores("X") is first


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
    related = RelatedReleases(infos, VECTORS, threshold=0.5, candidates=2)
    assert set(related.scores("Y")) == {"Y", "Z"}
    assert [item.release.release_id for item in related.other_versions("Y")] == ["Z"]  # X not a candidate
    assert len(related.pair_scores()) == 3
