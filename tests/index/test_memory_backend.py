"""A backend that the index package never names serves whole builds, updates, deletes and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.build import add_or_replace_release, build_index, delete_release
from index.migrate import migrate_index
from index.search import Searcher
from index.settings import Settings, load_settings
from index.store import open_index
from index.store_location import parse_location
from tests import memory_backend
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import make_release, small_corpus

QUESTIONS = ["migrants at the border", "humanitarian assistance", "Скопје"]


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    memory_backend.register()
    yield
    memory_backend.unregister()


def answers(settings: Settings, encoder: HashingEncoder) -> dict[str, list[tuple[int, float, tuple]]]:
    index = open_index(settings.index_dir)
    try:
        searcher = Searcher(index, encoder, "dense")
        return {
            question: [
                (hit.chunk_id, round(hit.score, 5), tuple((s.start, s.end, round(s.score, 5)) for s in hit.sentences))
                for hit in searcher.search(question, k=5)
            ]
            for question in QUESTIONS
        }
    finally:
        index.close()


def test_the_memory_backend_answers_like_faiss_through_builds_updates_and_deletes(
    tmp_path: Path, fake_encoder: HashingEncoder
) -> None:
    faiss = Settings(home=tmp_path / "faiss")
    memory = Settings(home=tmp_path / "memory", vector_store="memory")
    changed = make_release(small_corpus()[0].id, [("A new paragraph about border crossings and migrants.", "en")])
    for settings in (faiss, memory):
        build_index(settings, fake_encoder, small_corpus(), progress=False)
    assert answers(memory, fake_encoder) == answers(faiss, fake_encoder)
    for settings in (faiss, memory):
        add_or_replace_release(settings, fake_encoder, changed, progress=False)
        delete_release(settings, small_corpus()[1].id)
    assert answers(memory, fake_encoder) == answers(faiss, fake_encoder)
    index = open_index(memory.index_dir)
    try:
        assert index.location.backend == "memory" and index.vectors.describe()["backend"] == "memory"
        assert index.sentences is not None and index.sentences.count() == index.manifest.extra["sentences"]
    finally:
        index.close()


def test_migrating_from_faiss_to_the_memory_backend_and_back_re_embeds_nothing(tmp_path: Path) -> None:
    encoder = HashingEncoder(64)
    home = tmp_path / "home"
    settings = Settings(home=home)
    build_index(settings, encoder, small_corpus(), progress=False)
    before = answers(settings, encoder)
    calls = len(encoder.calls)
    migrate_index(settings, "memory", parse_location("memory", home), progress=False)
    assert load_settings(home).vector_store == "memory"
    assert answers(load_settings(home), encoder) == before
    migrate_index(load_settings(home), "faiss", parse_location("faiss", home), progress=False)
    assert answers(load_settings(home), encoder) == before
    assert [prompt for prompt, _ in encoder.calls[calls:]] == ["query"] * len(encoder.calls[calls:])  # nothing embedded
