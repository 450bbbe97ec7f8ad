from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from corpus.boilerplate import BoilerplateModel
from corpus.loader import load_corpus
from corpus.reading import CorpusFileError
from corpus.release import Release
from index.build import (
    ReleaseNotFoundError,
    add_or_replace_release,
    add_release_file,
    build_index,
    delete_release,
    release_content_hash,
)
from index.sentence_views import with_views
from index.sentences import chunk_sentences
from index.chunking import ChunkingParams, chunk_release
from index.search import Filters, Searcher
from index.settings import Settings
from index.store import IndexMissingError, IndexModelMismatchError, open_index, read_current
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import make_release, small_corpus
from tests.index.test_store import as_written_by_an_older_build

SEED_000 = "000_83b26767b1992471"
BLURB = "WHO WE ARE"  # the site's "WHO WE ARE…" paragraph, in seeds 000 and 003 only


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
    chunks = [chunk for release in releases for chunk in chunk_release(release)]
    # Serbian Cyrillic sentences also get a Latin view (index.sentence_views)
    sentences = [sentence.text for chunk in chunks for sentence in with_views(chunk, chunk_sentences(chunk))]
    assert len(sentences) > sum(len(chunk_sentences(chunk)) for chunk in chunks)
    chunk_texts = {chunk.text for chunk in chunks}
    assert report.written and report.full_rebuild_reason == "no index yet"
    assert (report.added, report.replaced, report.removed, report.unchanged) == (7, 0, 0, 0)
    assert report.chunks == report.chunks_indexed == report.chunks_embedded == len(chunks)
    assert report.releases == 7 and report.cache_hits == 0
    # A sentence whose text is a whole chunk's comes from the cache; every other one is embedded once.
    assert report.sentences_indexed == len(sentences)
    assert report.sentences_embedded == len(set(sentences) - chunk_texts)
    assert report.sentence_cache_hits == len(set(sentences) & chunk_texts)
    assert encoded(fake_encoder) == len(chunks) + report.sentences_embedded


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
    searcher = Searcher(open_index(settings.index_dir), fake_encoder, "dense")
    hits = searcher.search("new paragraph about reception centres", k=1)
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
    searcher = Searcher(open_index(settings.index_dir), fake_encoder, "dense")
    assert all(hit.release_id != "en-donation" for hit in searcher.search("European Union donates equipment", k=10))


def test_an_incremental_update_matches_a_full_build(settings: Settings, fake_encoder: HashingEncoder) -> None:
    releases = small_corpus()
    build_index(settings, fake_encoder, releases[:4], progress=False)
    build_index(settings, fake_encoder, releases[2:], progress=False)
    incremental = Searcher(open_index(settings.index_dir), fake_encoder, "dense").search("sastanak policije", k=10)
    build_index(settings, fake_encoder, releases[2:], progress=False, rebuild=True)
    full = Searcher(open_index(settings.index_dir), fake_encoder, "dense").search("sastanak policije", k=10)
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
    filtered = Searcher(open_index(settings.index_dir), fake_encoder, "dense").search(
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


def stored_text(settings: Settings, release_id: str) -> str:
    index = open_index(settings.index_dir)
    (text,) = index.db.execute("SELECT text FROM releases WHERE id = ?", [release_id]).fetchone()
    return text


@pytest.fixture
def other_seeds(seeds_dir: Path, tmp_path: Path) -> Path:
    """A corpus folder with every seed release except 000."""
    folder = tmp_path / "other-seeds"
    folder.mkdir()
    for path in seeds_dir.iterdir():
        if not path.name.startswith("000_"):
            shutil.copy(path, folder)
    return folder


def test_a_file_added_alone_is_cleaned_with_the_stored_boilerplate(
    settings: Settings, fake_encoder: HashingEncoder, other_seeds: Path, seeds_dir: Path
) -> None:
    seed_000 = seeds_dir / f"{SEED_000}.txt"
    assert BLURB in seed_000.read_text(encoding="utf-8")
    loaded = load_corpus(other_seeds)
    build_index(settings, fake_encoder, loaded.releases, progress=False, boilerplate=loaded.boilerplate)
    assert open_index(settings.index_dir).boilerplate().to_json() == loaded.boilerplate.to_json()

    report = add_release_file(settings, fake_encoder, seed_000, progress=False)
    assert report.added == 1 and report.releases == 5
    text = stored_text(settings, SEED_000)
    assert BLURB not in text and "IOM je organizovao sastanak" in text
    chunks = open_index(settings.index_dir).db.execute("SELECT text FROM chunks WHERE release_id = ?", [SEED_000])
    assert all(BLURB not in chunk for (chunk,) in chunks)
    stored = open_index(settings.index_dir).boilerplate()
    assert set(stored.documents) == {*loaded.boilerplate.documents, SEED_000}  # the file joined the model

    delete_release(settings, SEED_000)
    assert set(open_index(settings.index_dir).boilerplate().documents) == set(loaded.boilerplate.documents)


def test_without_a_stored_model_a_file_added_alone_keeps_the_blurb(
    settings: Settings, fake_encoder: HashingEncoder, other_seeds: Path, seeds_dir: Path
) -> None:
    build_index(settings, fake_encoder, load_corpus(other_seeds).releases, progress=False)
    assert open_index(settings.index_dir).boilerplate() is None
    add_release_file(settings, fake_encoder, seeds_dir / f"{SEED_000}.txt", progress=False)
    assert BLURB in stored_text(settings, SEED_000)
    assert set(open_index(settings.index_dir).boilerplate().documents) == {SEED_000}


def test_an_unusable_file_changes_nothing(settings: Settings, fake_encoder: HashingEncoder, tmp_path: Path) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    before = read_current(settings.index_dir)
    menu_only = tmp_path / "menu.txt"
    menu_only.write_text("About\nNews\n- Take Action\n", encoding="utf-8")
    with pytest.raises(CorpusFileError, match="no text left"):
        add_release_file(settings, fake_encoder, menu_only, progress=False)
    assert read_current(settings.index_dir) == before


def test_incremental_builds_keep_the_stored_model_and_a_new_model_is_written(
    settings: Settings, fake_encoder: HashingEncoder
) -> None:
    releases = small_corpus()
    first = BoilerplateModel.learn({release.id: release.text for release in releases})
    build_index(settings, fake_encoder, releases, progress=False, boilerplate=first)
    build_index(settings, fake_encoder, releases[:6], progress=False)  # no model given: keep the stored one
    kept = open_index(settings.index_dir).boilerplate()
    assert set(kept.documents) == {release.id for release in releases[:6]}  # minus the removed release

    fake_encoder.calls.clear()
    second = BoilerplateModel.learn({release.id: release.text for release in releases[:2]})
    report = build_index(settings, fake_encoder, releases[:6], progress=False, boilerplate=second)
    assert report.written and fake_encoder.calls == []  # only the model changed
    assert open_index(settings.index_dir).boilerplate().to_json() == second.to_json()
    again = build_index(settings, fake_encoder, releases[:6], progress=False, boilerplate=second)
    assert not again.written


def test_an_older_index_is_upgraded_without_re_embedding(settings: Settings, fake_encoder: HashingEncoder) -> None:
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    as_written_by_an_older_build(settings.index_dir)
    fake_encoder.calls.clear()
    report = add_or_replace_release(settings, fake_encoder, small_corpus()[0], progress=False)
    assert report.written and report.unchanged == 1 and fake_encoder.calls == []
    assert open_index(settings.index_dir).has_lexical
