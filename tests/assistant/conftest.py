"""Fixtures for assistant tests: hit builders and a fake-encoder index of the shipped corpus."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpus.release import Release
from index.search import Hit
from index.settings import REPO_CORPUS, Settings

XSS_RELEASE = """---
id: xss-test-release
title: Granična policija <script>alert(1)</script> [x](javascript:alert(1))
date: 2023-09-01
source: javascript:alert(document.cookie)
languages: [bs]
---
Sarajevo, 1. septembra 2023. Granična policija je dobila nove termovizijske kamere <script>alert(1)</script> za nadzor granice.
Kamere su isporučene uz podršku donatora <img src=x onerror=alert(1)> i bit će korištene na granici sa Crnom Gorom.
Više informacija: [x](javascript:alert(1)) i <a href="javascript:alert(2)">link</a>.
"""


def make_hit(
    chunk_id: int,
    release_id: str,
    text: str,
    start: int,
    score: float,
    rank: int,
    language: str = "en",
    script: str = "Latn",
    title: str = "A release",
    date: dt.date | None = dt.date(2023, 7, 13),
    source: str = "https://example.org/r",
) -> Hit:
    return Hit(
        chunk_id=chunk_id,
        score=score,
        rank=rank,
        release_id=release_id,
        start=start,
        end=start + len(text),
        text=text,
        language=language,
        script=script,
        title=title,
        date=date,
        source=source,
    )


@dataclass
class FakeReleases:
    """The ReleaseTexts protocol over a dict of texts."""

    texts: dict[str, str]

    def release_text(self, release_id: str) -> str | None:
        return self.texts.get(release_id)

    def release_path(self, release_id: str) -> str:
        return f"/corpus/{release_id}.txt" if release_id in self.texts else ""


@pytest.fixture(scope="session")
def shipped_releases() -> list[Release]:
    from corpus.loader import load_corpus

    return load_corpus(REPO_CORPUS).releases


@pytest.fixture(scope="session")
def xss_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped corpus plus one release full of markup that must stay inert."""
    folder = tmp_path_factory.mktemp("xss-corpus")
    for path in REPO_CORPUS.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    (folder / "xss-test-release.md").write_text(XSS_RELEASE, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def fake_index_settings(tmp_path_factory: pytest.TempPathFactory, xss_corpus: Path) -> Settings:
    """Settings whose index holds the shipped corpus + the XSS release, embedded by the fake encoder."""
    from corpus.loader import load_corpus
    from index.build import build_index
    from index.encoder import load_encoder

    home = tmp_path_factory.mktemp("assistant-home")
    settings = Settings(home=home, model="fake:64", corpus_dir=xss_corpus, index_name="test")
    build_index(settings, load_encoder(settings.model, settings), load_corpus(xss_corpus).releases, progress=False)
    return settings


@pytest.fixture
def fake_assistant(fake_index_settings: Settings):
    from assistant.service import Assistant
    from index.encoder import load_encoder

    encoder = load_encoder(fake_index_settings.model, fake_index_settings)
    return Assistant(fake_index_settings.index_dir, encoder, mode=fake_index_settings.retrieval_mode, threshold=0.2)
