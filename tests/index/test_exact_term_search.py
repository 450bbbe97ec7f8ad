"""An acronym asked in three languages finds its release first, with the real model and corpus."""

from __future__ import annotations

import pytest

from corpus.release import Release
from index.build import build_index
from index.search import DEFAULT_MODE, Searcher
from index.settings import Settings
from index.store import OpenIndex, open_index

pytestmark = pytest.mark.model

WBJAST_RELEASE = "002_5af351b228acd468"  # the only shipped release naming the WBJAST project
QUESTIONS = ("What is WBJAST?", "Што е WBJAST?", "Шта је WBJAST?")  # English, Macedonian, Serbian Cyrillic


@pytest.fixture(scope="module")
def shipped_index(real_encoder, seed_releases: list[Release], tmp_path_factory: pytest.TempPathFactory) -> OpenIndex:
    settings = Settings(home=tmp_path_factory.mktemp("exact-term-home"))
    build_index(settings, real_encoder, seed_releases, progress=False)
    index = open_index(settings.index_dir, real_encoder.model_id)
    yield index
    index.close()


@pytest.mark.parametrize("mode", sorted({DEFAULT_MODE, "hybrid"}))
@pytest.mark.parametrize("question", QUESTIONS)
def test_an_acronym_finds_its_release_first_in_every_language(
    shipped_index: OpenIndex, real_encoder, mode: str, question: str
) -> None:
    hits = Searcher(shipped_index, real_encoder, mode).search(question, k=5)
    assert hits[0].release_id == WBJAST_RELEASE, [(hit.release_id, round(hit.score, 4)) for hit in hits]
    assert "WBJAST" in hits[0].text
