"""Retrieval with the real EmbeddingGemma model on the five seed releases."""

from __future__ import annotations

import numpy as np
import pytest

from corpus.release import Release
from index.build import build_index
from index.search import Filters, Searcher
from index.settings import Settings
from index.store import open_index

pytestmark = pytest.mark.model

SEED_PREFIX = {"000": "000_", "001": "001_", "003": "003_"}


@pytest.fixture(scope="module")
def seed_searcher(real_encoder, seed_releases: list[Release], tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    settings = Settings(home=tmp_path_factory.mktemp("real-home"))
    report = build_index(settings, real_encoder, seed_releases, progress=False)
    assert report.chunks_embedded == report.chunks > 0
    return Searcher(open_index(settings.index_dir, real_encoder.model_id), real_encoder)


def test_the_encoder_gives_normalised_768_dimension_vectors(real_encoder) -> None:
    assert real_encoder.dimension == 768
    assert real_encoder.model_id.startswith("embeddinggemma-300m@")
    texts = ["Border police chiefs met in Budva."]
    query, document = real_encoder.encode(texts, "query"), real_encoder.encode(texts, "document")
    assert query.dtype == np.float32 and query.shape == (1, 768)
    np.testing.assert_allclose(np.linalg.norm(query, axis=1), 1.0, rtol=1e-4)
    assert not np.allclose(query, document, atol=1e-3)  # the two prompts differ
    assert real_encoder.missing_prompts == set()


def test_a_macedonian_question_finds_the_border_police_meeting(seed_searcher: Searcher) -> None:
    hits = seed_searcher.search("Каде се состанаа шефовите на граничните полиции од Западен Балкан?", k=3)
    assert any(hit.release_id.startswith((SEED_PREFIX["000"], SEED_PREFIX["001"])) for hit in hits), hits


def test_an_english_question_finds_the_eu_equipment_donation_first(seed_searcher: Searcher) -> None:
    hits = seed_searcher.search("What equipment did the European Union donate to the police?", k=3)
    assert hits[0].release_id.startswith(SEED_PREFIX["003"]), hits


def test_hybrid_search_also_puts_the_donation_first(seed_searcher: Searcher) -> None:
    hybrid = Searcher(seed_searcher.index, seed_searcher.encoder, mode="hybrid")
    hits = hybrid.search("What equipment did the European Union donate to the police?", k=3)
    assert hits[0].release_id.startswith(SEED_PREFIX["003"]), hits


def test_a_language_filter_returns_the_macedonian_release_for_an_english_question(seed_searcher: Searcher) -> None:
    hits = seed_searcher.search(
        "meeting of the heads of border police services", k=2, filters=Filters(languages=frozenset({"mk"}))
    )
    assert hits and all(hit.release_id.startswith(SEED_PREFIX["001"]) and hit.language == "mk" for hit in hits)
