from __future__ import annotations

import itertools

import pytest

from corpus.release import Release
from index.chunking import ID_MASK, Chunk, ChunkingParams, chunk_id, chunk_release, language_segments
from tests.index.conftest import make_release

SMALL = ChunkingParams(chunk_size=120, chunk_overlap=30)


def assert_offsets_round_trip(release: Release, chunks: list[Chunk]) -> None:
    for chunk in chunks:
        assert release.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip()
        assert chunk.text


def paragraph_covering(release: Release, offset: int):
    return next(p for p in release.paragraphs if p.start <= offset < p.end)


def test_offsets_round_trip_on_the_seed_releases(seed_releases: list[Release]) -> None:
    for params in (ChunkingParams(), SMALL):
        for release in seed_releases:
            chunks = chunk_release(release, params)
            assert chunks, release.id
            assert_offsets_round_trip(release, chunks)
            assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))


def test_small_chunks_respect_the_size_and_cover_every_word(seed_releases: list[Release]) -> None:
    release = seed_releases[0]
    chunks = chunk_release(release, SMALL)
    assert max(len(chunk.text) for chunk in chunks) <= SMALL.chunk_size
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    words_missed = [
        release.text[p.start : p.end]
        for p in release.paragraphs
        if not all(i in covered or release.text[i].isspace() for i in range(p.start, p.end))
    ]
    assert words_missed == []


def test_overlap_repeats_text_between_neighbouring_chunks() -> None:
    sentence = "Border police chiefs met in Budva to discuss readmission. "
    release = make_release("r", [(sentence * 6, "en")])
    chunks = chunk_release(release, SMALL)
    assert len(chunks) > 2
    assert all(later.start < earlier.end for earlier, later in itertools.pairwise(chunks))


def test_chunks_never_cross_a_language_boundary() -> None:
    release = make_release(
        "mixed",
        [
            ("IOM organized a meeting of border police chiefs. " * 3, "en"),
            ("Sastanak je održan u Budvi. " * 3, "bs"),
            ("ИОМ организираше состанок. " * 3, "mk"),
            ("Sastanak šefova granične policije. " * 3, "sr", "Latn"),
            ("Састанак шефова граничне полиције. " * 3, "sr", "Cyrl"),
        ],
    )
    chunks = chunk_release(release, ChunkingParams())  # big enough to swallow neighbours if it could
    assert_offsets_round_trip(release, chunks)
    assert len(chunks) == 5
    for chunk in chunks:
        first = paragraph_covering(release, chunk.start)
        last = paragraph_covering(release, chunk.end - 1)
        assert first == last
        assert (chunk.language, chunk.script) == (first.language, first.script)


def test_consecutive_paragraphs_of_one_language_share_chunks() -> None:
    release = make_release("r", [("First English paragraph.", "en"), ("Second English paragraph.", "en")])
    chunks = chunk_release(release)
    assert [chunk.text for chunk in chunks] == ["First English paragraph.\n\nSecond English paragraph."]
    assert language_segments(release.paragraphs)[0].end == len(release.text)


def test_a_short_title_in_another_language_stays_its_own_chunk() -> None:
    release = make_release("r", [("Naslov", "bs"), ("The English body of the release.", "en"), ("Kraj", "bs")])
    chunks = chunk_release(release)
    assert [(chunk.text, chunk.language) for chunk in chunks] == [
        ("Naslov", "bs"),
        ("The English body of the release.", "en"),
        ("Kraj", "bs"),
    ]


def test_punctuation_only_segments_are_skipped() -> None:
    release = make_release("r", [("***", "other"), ("Body text.", "en")])
    assert [chunk.text for chunk in chunk_release(release)] == ["Body text."]


def test_a_release_without_paragraphs_has_no_chunks() -> None:
    assert chunk_release(make_release("r", [])) == []


def test_ids_are_stable_and_fit_in_63_bits(seed_releases: list[Release]) -> None:
    first = chunk_release(seed_releases[3])
    again = chunk_release(seed_releases[3])
    assert [chunk.id for chunk in first] == [chunk.id for chunk in again]
    assert len({chunk.id for chunk in first}) == len(first)
    assert all(0 <= chunk.id <= ID_MASK for chunk in first)


def test_ids_change_with_release_offsets_and_text() -> None:
    base = chunk_id("a", 0, 5, "hello")
    assert base == chunk_id("a", 0, 5, "hello")
    assert len({base, chunk_id("b", 0, 5, "hello"), chunk_id("a", 1, 6, "hello"), chunk_id("a", 0, 5, "hellp")}) == 4


def test_params_validate_and_round_trip() -> None:
    with pytest.raises(ValueError, match="chunk_overlap"):
        ChunkingParams(chunk_size=100, chunk_overlap=100)
    with pytest.raises(ValueError, match="chunk_size"):
        ChunkingParams(chunk_size=0)
    params = ChunkingParams(chunk_size=500, chunk_overlap=50, separators=("\n", " "))
    assert ChunkingParams.from_dict(params.to_dict()) == params
