"""The whole index path (build, update, delete, search, migrate) on FAISS and on Milvus: milvus-lite
and a real Milvus standalone server (the ``milvus_server`` fixture)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from index.build import add_or_replace_release, build_index, delete_release
from index.chunking import chunk_release
from index.filters import Filters
from index.migrate import migrate_index
from index.search import Searcher
from index.settings import Settings, load_settings
from index.store import IndexWriter, open_index, read_current, writer_lock
from index.milvus_store import DESCRIPTOR_FILE, client_uri, descriptor_file
from index.store_location import parse_location
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import make_release, small_corpus

QUESTIONS = ["migrants at the border", "humanitarian assistance", "returns and reintegration", "Скопје"]
FILTERS = [
    None,
    Filters(languages=frozenset({"en"})),
    Filters(languages=frozenset({"sh"})),
    Filters(date_from=dt.date(2023, 1, 1)),
]


LITE = "vectors/milvus.db"


@pytest.fixture(params=["lite", "server"])
def milvus_value(request: pytest.FixtureRequest) -> str:
    """The ``vector_store`` setting of each Milvus flavour (the server starts once per run, when first asked)."""
    return LITE if request.param == "lite" else request.getfixturevalue("milvus_server").uri


def milvus_settings(settings: Settings, value: str = LITE) -> Settings:
    return dataclasses.replace(settings, vector_store=value)


def ranking(settings: Settings, encoder: HashingEncoder, question: str, filters: Filters | None) -> list:
    index = open_index(settings.index_dir)
    try:
        hits = Searcher(index, encoder, "dense").search(question, k=5, filters=filters)
        return [(hit.chunk_id, round(hit.score, 5)) for hit in hits]
    finally:
        index.close()


def collections(settings: Settings) -> set[str]:
    from pymilvus import MilvusClient

    client = MilvusClient(client_uri(str(settings.store_location.uri)))
    try:
        return set(client.list_collections())
    finally:
        client.close()


@pytest.fixture
def twin(tmp_path: Path, fake_encoder: HashingEncoder, milvus_value: str) -> tuple[Settings, Settings]:
    """The small corpus indexed twice: on FAISS and on Milvus (lite or server)."""
    faiss_settings = Settings(home=tmp_path / "faiss")
    milvus = milvus_settings(Settings(home=tmp_path / "milvus"), milvus_value)
    for settings in (faiss_settings, milvus):
        build_index(settings, fake_encoder, small_corpus(), progress=False)
    return faiss_settings, milvus


def test_a_milvus_generation_names_its_collection_instead_of_holding_vectors(twin, fake_encoder) -> None:
    _, milvus = twin
    generation = milvus.index_dir / read_current(milvus.index_dir).generation
    assert (generation / DESCRIPTOR_FILE).is_file()
    assert not (generation / "vectors.faiss").exists()
    descriptor = json.loads((generation / DESCRIPTOR_FILE).read_text())
    assert descriptor["uri"] == milvus.store_location.uri
    assert descriptor["collection"] in collections(milvus)
    index = open_index(milvus.index_dir)
    try:
        assert index.vectors.describe()["backend"] == "milvus"
        assert index.vectors.count() == index.manifest.chunks
    finally:
        index.close()


def test_both_backends_rank_the_same_chunks_with_the_same_scores(twin, fake_encoder) -> None:
    faiss_settings, milvus = twin
    for question in QUESTIONS:
        for filters in FILTERS:
            expected = ranking(faiss_settings, fake_encoder, question, filters)
            assert ranking(milvus, fake_encoder, question, filters) == expected, (question, filters)


def test_updates_and_deletes_keep_both_backends_equal(twin, fake_encoder) -> None:
    faiss_settings, milvus = twin
    release = small_corpus()[0]
    changed = make_release(release.id, [("A new paragraph about border crossings and migrants.", "en")])
    for settings in twin:
        add_or_replace_release(settings, fake_encoder, changed, progress=False)
        delete_release(settings, small_corpus()[1].id)
    for question in QUESTIONS:
        assert ranking(milvus, fake_encoder, question, None) == ranking(faiss_settings, fake_encoder, question, None)
    index = open_index(milvus.index_dir)
    try:
        assert index.vectors.count() == index.manifest.chunks  # dropped chunks were deleted after publishing
    finally:
        index.close()


def test_a_searcher_on_the_old_generation_keeps_its_chunks_while_milvus_is_updated(twin, fake_encoder) -> None:
    _, milvus = twin
    old = open_index(milvus.index_dir)
    searcher = Searcher(old, fake_encoder, "dense")
    before = searcher.search("humanitarian assistance", k=3)
    added = make_release("zz-new", [("humanitarian assistance humanitarian assistance", "en")])
    add_or_replace_release(milvus, fake_encoder, added, progress=False)
    after_update = searcher.search("humanitarian assistance", k=3)
    assert [hit.chunk_id for hit in after_update] == [hit.chunk_id for hit in before]  # new chunk not listed
    fresh = open_index(milvus.index_dir)
    try:
        assert Searcher(fresh, fake_encoder, "dense").search("humanitarian assistance", k=1)[0].release_id == "zz-new"
    finally:
        fresh.close()
        old.close()


def test_an_aborted_milvus_update_removes_the_chunks_it_wrote(twin, fake_encoder) -> None:
    _, milvus = twin
    base = open_index(milvus.index_dir)
    count_before = base.vectors.count()
    release = make_release("aborted", [("never published", "en")])
    with pytest.raises(RuntimeError, match="boom"), writer_lock(milvus.index_dir):
        with IndexWriter(
            milvus.index_dir, base.model_id, base.manifest.dimension, base.manifest.chunking, base
        ) as writer:
            chunks = chunk_release(release)
            writer.add_release(release, "hash", chunks, fake_encoder.encode([c.text for c in chunks], "document"))
            assert base.vectors.count() == count_before + len(chunks)  # written before publishing
            raise RuntimeError("boom")
    assert base.vectors.count() == count_before
    base.close()


def test_changing_the_vector_store_setting_rebuilds_without_re_embedding(tmp_path: Path, milvus_value: str) -> None:
    encoder = HashingEncoder(64)
    settings = Settings(home=tmp_path / "home")
    build_index(settings, encoder, small_corpus(), progress=False)
    report = build_index(milvus_settings(settings, milvus_value), encoder, small_corpus(), progress=False)
    assert report.written and report.full_rebuild_reason.startswith("vector store changed from faiss to milvus")
    assert report.chunks_embedded == 0 and report.cache_hits == report.chunks


def test_full_rebuilds_drop_collections_no_kept_generation_uses(tmp_path: Path, fake_encoder, milvus_value) -> None:
    settings = milvus_settings(Settings(home=tmp_path / "home"), milvus_value)
    before = collections(settings)  # a shared server holds other tests' collections too
    for _ in range(3):
        build_index(settings, fake_encoder, small_corpus(), progress=False, rebuild=True)
    kept = {
        json.loads((path / name).read_text())["collection"]
        for path in settings.index_dir.glob("gen-*")
        for name in (DESCRIPTOR_FILE, descriptor_file("sentences"))
    }
    assert len(kept) == 4  # chunks and sentences of the live generation and of the one before it
    assert collections(settings) - before == kept


@pytest.mark.parametrize("direction", ["faiss->milvus", "milvus->faiss"])
def test_migrate_copies_vectors_without_re_embedding_and_switches_the_setting(
    tmp_path: Path, direction: str, milvus_value: str
) -> None:
    encoder = HashingEncoder(64)
    home = tmp_path / "home"
    source = Settings(home=home) if direction.startswith("faiss") else milvus_settings(Settings(home=home), milvus_value)
    build_index(source, encoder, small_corpus(), progress=False)
    before = {question: ranking(source, encoder, question, None) for question in QUESTIONS}
    calls = len(encoder.calls)
    target_uri = milvus_value if direction.startswith("faiss") else "faiss"
    report = migrate_index(source, target_uri, parse_location(target_uri, home), progress=False)
    assert len(encoder.calls) == calls  # nothing re-embedded
    stored = load_settings(home)
    assert stored.vector_store == target_uri
    index = open_index(stored.index_dir)
    try:
        assert index.location.backend == direction.split("->")[1]
        assert index.manifest.extra["migrated_from"] and report.chunks == index.manifest.chunks
    finally:
        index.close()
    assert {question: ranking(stored, encoder, question, None) for question in QUESTIONS} == before
    again = build_index(stored, encoder, small_corpus(), progress=False)
    assert not again.written  # the setting and the index agree: nothing to do


def test_migrating_to_the_store_in_use_is_refused(tmp_path: Path, fake_encoder) -> None:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, fake_encoder, small_corpus(), progress=False)
    with pytest.raises(ValueError, match="already in faiss"):
        migrate_index(settings, "faiss", parse_location("faiss", settings.home), progress=False)


def test_changing_the_milvus_index_type_rebuilds_into_a_new_collection(tmp_path: Path, milvus_value: str) -> None:
    encoder = HashingEncoder(64)
    flat = milvus_settings(Settings(home=tmp_path / "home"), milvus_value)
    build_index(flat, encoder, small_corpus(), progress=False)
    hnsw = dataclasses.replace(flat, milvus_index_type="HNSW")
    report = build_index(hnsw, encoder, small_corpus(), progress=False)
    assert report.written and "(FLAT) to milvus" in report.full_rebuild_reason
    index = open_index(hnsw.index_dir)
    try:
        assert index.vectors.describe()["index_type"] == "HNSW"
        assert Searcher(index, encoder, "dense").search("humanitarian assistance", k=3)
    finally:
        index.close()
