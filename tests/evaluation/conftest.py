"""Fixtures of the evaluation tests: a settings home, the fake encoder behind the cache, the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.release import Release
from evaluation.cached_encoder import CachedEncoder
from index.settings import REPO_CORPUS, Settings
from tests.fake_encoder import HashingEncoder


@pytest.fixture
def eval_settings(tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    return Settings(home=home)


@pytest.fixture
def cached_fake(eval_settings: Settings) -> CachedEncoder:
    """The deterministic fake encoder behind the evaluation's vector cache."""
    encoder = CachedEncoder(HashingEncoder(64), eval_settings.embedding_cache_path)
    yield encoder
    encoder.close()


@pytest.fixture(scope="session")
def shipped_releases() -> list[Release]:
    from corpus.loader import load_corpus

    return load_corpus(REPO_CORPUS).releases
