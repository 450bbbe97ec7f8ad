"""Fixtures for the reliability suite: an indexed home, its answers, and CLI helpers.

Every failure test compares the index's answers after the failure with the answers
recorded before it (``IndexedHome.assert_unchanged``): nothing indexed may be lost.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from assistant.cli import app
from corpus.loader import load_corpus
from experiments.fault_harness import Snapshot, snapshot
from index.build import build_index
from index.encoder import Encoder, load_encoder
from index.settings import REPO_CORPUS, Settings
from index.store import STAGING_PREFIX, open_index, read_current

FAKE_MODEL = "fake:64"


@dataclass
class IndexedHome:
    """A home with a built index of the shipped corpus and the answers it gave."""

    settings: Settings
    encoder: Encoder
    corpus: Path
    baseline: Snapshot
    release_ids: frozenset[str]

    @property
    def index_dir(self) -> Path:
        return self.settings.index_dir

    def answers(self) -> Snapshot:
        return snapshot(self.index_dir, self.encoder)

    def indexed_release_ids(self) -> frozenset[str]:
        index = open_index(self.index_dir)
        try:
            return frozenset(row[0] for row in index.db.execute("SELECT id FROM releases"))
        finally:
            index.close()

    def assert_unchanged(self) -> None:
        """The live index opens (checksums verified) and answers exactly as before."""
        assert self.answers() == self.baseline
        assert self.indexed_release_ids() == self.release_ids
        assert not [path.name for path in self.index_dir.iterdir() if path.name.startswith(STAGING_PREFIX)]

    def assert_kept_and_added(self, added: str) -> None:
        """Every release indexed before is still there, plus ``added``."""
        assert self.indexed_release_ids() == self.release_ids | {added}

    def cli(self, *arguments: str) -> Result:
        return run_cli(*arguments, "--home", str(self.settings.home))

    def build(self, *extra: str) -> Result:
        return self.cli("index", "build", "--corpus", str(self.corpus), "--model", FAKE_MODEL, *extra)


def run_cli(*arguments: str) -> Result:
    return CliRunner().invoke(app, list(arguments))


def squashed(text: str) -> str:
    """``text`` without whitespace, so console line wrapping cannot split a fragment."""
    return "".join(text.split())


def assert_in_output(output: str, *fragments: str) -> None:
    for fragment in fragments:
        assert squashed(fragment) in squashed(output), f"{fragment!r} not in {output!r}"


def assert_clean_failure(result: Result, *fragments: str) -> str:
    """Exit code 1, no traceback, and every fragment in the output; returns the output."""
    output = result.output
    assert result.exit_code == 1, output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    assert_in_output(output, *fragments)
    return output


def copy_corpus(target: Path) -> Path:
    target.mkdir(parents=True)
    for path in REPO_CORPUS.iterdir():
        if path.is_file():
            shutil.copyfile(path, target / path.name)
    return target


@pytest.fixture
def indexed(tmp_path: Path, assistant_home: Path) -> IndexedHome:
    corpus = copy_corpus(tmp_path / "corpus")
    settings = Settings(home=assistant_home, model=FAKE_MODEL, corpus_dir=corpus)
    encoder = load_encoder(FAKE_MODEL, settings)
    releases = load_corpus(corpus).releases
    build_index(settings, encoder, releases, progress=False)
    assert read_current(settings.index_dir) is not None
    home = IndexedHome(settings, encoder, corpus, [], frozenset(release.id for release in releases))
    home.baseline = home.answers()
    assert any(home.baseline), "the baseline questions must find something"
    return home
