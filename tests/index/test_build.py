from __future__ import annotations

import dataclasses

import pytest

from corpus.release import Release
from index.build import (
    ReleaseNotFoundError,
    add_or_replace_release,
    build_index,
    delete_release,
    release_content_hash,
)
from index.chunking import ChunkingParams, chunk_release
from index.search import Filters, Searcher
from index.settings import Settings
from index.store import IndexMissingError, IndexModelMismatchError, open_index, read_current
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import make_release, small_corpus


def encoded(encoder: HashingEncoder) -> int:
    return sum(count for _, count in encoder.calls)


def release_ids_in_index(settings: Settings) -> set[str]:
    index = open_index(settings.index_dir)
    return {row[0] for row in index.db.execute("SELECT id FROM releases")}


def edited(release: Release, extra: str) -> Release:
    """The release with one more English paragraph."""
    paragraphs = [(release.text[p.start : p.end], p.language, p.script) for p in release.paragraphs]
    return make_release(release.id, [*paragraphs, (extra, "en")], title=release.title, date=release.date)


def test_first_build_embeds_every_chunk(settings: Settings, fake_encoder: HashingEncoder) -> None:
    releases = small_corpus()
    report = build_index(settings, fake_encoder, releases, progress=False)
    expected_chunks = sum(len(chunk_release(release)) for release in releases)
    assert report.written and report.full_rebuild_reason == "no index yet"
    assert (report.added, report.replaced, report.removed, report.unchanged) == (7, 0, 0, 0)
    assert report.chunks == report.chunks_indexed == report.chunks_embedded == expected_chunks
    assert report.releases == 7 and report.cache_hits == 0
    assert encoded(fake_encoder) == expected_chunks


def test_a_second_build_embeds_nothing_and_keeps_the_generation(
    settings: Settings, fake_encoder: HashingEncoder
) -> None:
    first = build_index(settings, fake_encoder, small_corpus(), progress=False)
    fake_encoder.calls.clear()
    second = build_index(settings, fake_encoder, small_corpus(), progress=False)
    assert fake_encoder.calls == []
    assert not second.written and second.generation == first.generation
    assert (second.unchanged, second.chunks_embedded, second.chunks) == (7, 0, first.chunks)


def test_changing_one_release_embeds_only_its_new_chunks(settings: Settings, fake_encoder: HashingEncoder) -> None:
    params = ChunkingParams(chunk_size=100, chunk_overlap=0)  # one chunk per paragraph here
    releases = small_corpus()
    build_index(settings, fake_encoder, releases, progress=False, chunking=params)
    fake_encoder.calls.clear()
    old_texts = [chunk.text for chunk in chunk_release(releases[0], params)]
    releases[0] = edited(releases[0], "A completely new paragraph about reception centres.")
    report = build_index(settings, fake_encoder, releases, progress=False, chunking=params)
    assert (report.added, report.replaced, report.removed, report.unchanged) == (0, 1, 0, 6)
    new_texts = [chunk.text for chunk in chunk_release(releases[0], params)]
    assert new_texts[: len(old_texts)] == old_texts and len(new_texts) == len(old_texts) + 1
    assert report.chunks_indexed == len(new_texts)
    assert encoded(fake_encoder) == report.chunks_embedded == 1
    assert report.cache_hits == len(old_texts)
    hits = Searcher(open_index(settings.index_dir), fake_encoder).search("new paragraph about reception centres", k=1)
    assert (hits[0].release_id, hits[0].text) == (releases[0].id, new_texts[-1])


def test_rebuilding_from_scratch_is_served_by_the_cache(settings: Settings, fake_encoder: HashingEncoder) -> None:
    first = build_index(settings, fake_encoder, small_corpus(), progress=False)
    fake_encoder.calls.clear()
    report = build_index(settings, fake_encoder, small_corpus(), progress=False, rebuild=True)
    assert report.written and report.full_rebuild_reason == "rebuild requested"
    assert report.chunks_embedded == 0 and report.cache_hits == first.chunks
    assert fake_encoder.calls == []


def test_removed_releases_disappear_from_search(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    report = build_index(settings, fake_encoder, small_corpus()[1:], progress=False)
    assert (report.removed, report.unchanged, report.releases) == (1, 6, 6)
    assert "en-donation" not in release_ids_in_index(settings)
    searcher = Searcher(open_index(settings.index_dir), fake_encoder)
    assert all(hit.release_id != "en-donation" for hit in searcher.search("European Union donates equipment", k=10))


def test_an_incremental_update_matches_a_full_build(settings: Settings, fake_encoder: HashingEncoder) -> None:
    releases = small_corpus()
    build_index(settings, fake_encoder, releases[:4], progress=False)
    build_index(settings, fake_encoder, releases[2:], progress=False)
    incremental = Searcher(open_index(settings.index_dir), fake_encoder).search("sastanak policije", k=10)
    build_index(settings, fake_encoder, releases[2:], progress=False, rebuild=True)
    full = Searcher(open_index(settings.index_dir), fake_encoder).search("sastanak policije", k=10)
    assert [(h.chunk_id, round(h.score, 6)) for h in incremental] == [(h.chunk_id, round(h.score, 6)) for h in full]


def test_a_new_model_rebuilds_everything(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    other = HashingEncoder(32)
    report = build_index(settings, other, small_corpus(), progress=False)
    assert report.full_rebuild_reason == "model changed from fake:64 to fake:32"
    assert report.chunks_embedded == report.chunks
    assert open_index(settings.index_dir).manifest.dimension == 32


def test_new_chunking_parameters_rebuild_everything(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    report = build_index(settings, fake_encoder, small_corpus(), progress=False, chunking=ChunkingParams(300, 50))
    assert report.written and report.full_rebuild_reason == "chunking parameters changed"
    assert open_index(settings.index_dir).manifest.chunking["chunk_size"] == 300


def test_duplicate_release_ids_are_refused(settings: Settings, fake_encoder: HashingEncoder) -> None:
    releases = small_corpus()
    with pytest.raises(ValueError, match="two releases share the id 'bs-border'"):
        build_index(settings, fake_encoder, [*releases, releases[1]], progress=False)
    assert read_current(settings.index_dir) is None


def test_add_replace_and_delete_one_release(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus()[:3], progress=False)
    newcomer = make_release("newcomer", [("Reception centres were handed over to the ministry.", "en")])

    added = add_or_replace_release(settings, fake_encoder, newcomer, progress=False)
    assert (added.added, added.replaced, added.releases) == (1, 0, 4)

    again = add_or_replace_release(settings, fake_encoder, newcomer, progress=False)
    assert not again.written and again.unchanged == 1

    replaced = add_or_replace_release(settings, fake_encoder, edited(newcomer, "Second paragraph."), progress=False)
    assert (replaced.added, replaced.replaced, replaced.releases) == (0, 1, 4)
    texts = [row[0] for row in open_index(settings.index_dir).db.execute(
        "SELECT text FROM chunks WHERE release_id = 'newcomer'"
    )]  # fmt: skip
    assert texts == ["Reception centres were handed over to the ministry.\n\nSecond paragraph."]

    removed = delete_release(settings, "newcomer")
    assert (removed.removed, removed.releases) == (1, 3)
    assert "newcomer" not in release_ids_in_index(settings)
    filtered = Searcher(open_index(settings.index_dir), fake_encoder).search(
        "reception centres", k=5, filters=Filters(release_ids=frozenset({"newcomer"}))
    )
    assert filtered == []


def test_adding_to_an_empty_home_creates_the_index(settings: Settings, fake_encoder: HashingEncoder) -> None:
    report = add_or_replace_release(settings, fake_encoder, small_corpus()[0], progress=False)
    assert report.written and report.releases == 1


def test_adding_with_another_model_is_refused(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus()[:2], progress=False)
    with pytest.raises(IndexModelMismatchError, match="built with model fake:64, not fake:32"):
        add_or_replace_release(settings, HashingEncoder(32), small_corpus()[3], progress=False)


def test_deleting_an_unknown_release_or_from_no_index_fails_clearly(
    settings: Settings, fake_encoder: HashingEncoder
) -> None:
    with pytest.raises(IndexMissingError):
        delete_release(settings, "anything")
    build_index(settings, fake_encoder, small_corpus()[:2], progress=False)
    with pytest.raises(ReleaseNotFoundError, match="no release 'ghost'"):
        delete_release(settings, "ghost")


def test_content_hash_follows_text_metadata_and_labels() -> None:
    release = small_corpus()[0]
    same = release_content_hash(release)
    assert release_content_hash(dataclasses.replace(release)) == same
    assert release_content_hash(dataclasses.replace(release, title="Other")) != same
    relabelled = dataclasses.replace(
        release, paragraphs=tuple(dataclasses.replace(p, language="hr") for p in release.paragraphs)
    )
    assert release_content_hash(relabelled) != same
