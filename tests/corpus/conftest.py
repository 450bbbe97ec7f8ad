from __future__ import annotations

from pathlib import Path

import pytest

from corpus.loader import CorpusLoad, load_corpus

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CORPUS = REPO_ROOT / "corpus" / "releases"


@pytest.fixture(scope="session")
def shipped_dir() -> Path:
    return SHIPPED_CORPUS


@pytest.fixture(scope="session")
def shipped_load() -> CorpusLoad:
    return load_corpus(SHIPPED_CORPUS)


@pytest.fixture(scope="session")
def seed_texts(seeds_dir: Path) -> dict[str, str]:
    """The raw seed files keyed by file stem."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt"))}
