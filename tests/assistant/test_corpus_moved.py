"""Answers come from the index generation alone: moving the corpus folder away changes none.

A Bosnian/Croatian/Serbian (Latin) citation names the language only when the release's
front matter declared exactly one of them; those declared languages are stored in the
generation's ``chunks.sqlite`` when it is built, never read back from the release file.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from assistant.app import ChatHandlers
from assistant.language_certainty import LanguageCertainty
from assistant.service import Assistant
from corpus.loader import CorpusLoad, load_corpus
from index import chunk_db
from index.build import build_index, release_content_hash
from index.encoder import load_encoder
from index.manifest import file_sha256
from index.migrate import _copy_catalogue
from index.settings import REPO_CORPUS, Settings
from index.store import CHUNKS_FILE, CURRENT_FILE, MANIFEST_FILE, open_index, read_current
from tests.index.conftest import make_release

FAMILY = "Bosnian/Croatian/Serbian (Latin)"
DECLARED_BS = "000_83b26767b1992471"  # shipped, front matter `languages: [bs]`
UNDECLARED = "undeclared-hr"
UNDECLARED_RELEASE = """---
id: undeclared-hr
title: Sastanak o suzbijanju krijumčarenja migranata u Zagrebu
date: 2022-03-24
source: https://example.org/undeclared-hr
---
Zagreb, 24. ožujka 2022. Predstavnici ministarstava unutarnjih poslova sastali su se kako bi razgovarali o suzbijanju krijumčarenja migranata.

Sudionici su se složili da je potrebna jača regionalna suradnja u borbi protiv trgovine ljudima.
"""
# (question, language filter) pairs, asked the way the HTTP `/ask` endpoint asks them.
QUESTIONS = [
    ("IOM je organizovao sastanak šefova graničnih policija", ["bs"]),
    ("Predstavnici ministarstava sastali su se o suzbijanju krijumčarenja migranata", ["hr"]),
    ("What specialized equipment did the European Union donate to the police?", []),
]
OLD_RELEASES_TABLE = (
    "CREATE TABLE releases (id TEXT PRIMARY KEY, title TEXT NOT NULL, date TEXT, source TEXT NOT NULL, "
    "path TEXT NOT NULL, text TEXT NOT NULL, languages TEXT NOT NULL, content_hash TEXT NOT NULL)"
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the shipped corpus (every release declares its languages) plus one release that declares none."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in REPO_CORPUS.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    (folder / "undeclared-hr.md").write_text(UNDECLARED_RELEASE, encoding="utf-8")
    return folder


@pytest.fixture
def corpus_settings(assistant_home: Path, corpus: Path) -> Settings:
    return Settings(home=assistant_home, model="fake:64", corpus_dir=corpus, index_name="test")


def build(settings: Settings, load: CorpusLoad, redeclared: dict[str, tuple[str, ...]] | None = None) -> None:
    """Index ``load``'s releases, with the declared languages of some replaced by ``redeclared``."""
    changes = redeclared or {}
    releases = [
        dataclasses.replace(release, declared_languages=changes[release.id]) if release.id in changes else release
        for release in load.releases
    ]
    encoder = load_encoder(settings.model, settings)
    build_index(settings, encoder, releases, progress=False, boilerplate=load.boilerplate)


def new_assistant(settings: Settings) -> Assistant:
    encoder = load_encoder(settings.model, settings)
    return Assistant(settings.index_dir, encoder, mode=settings.retrieval_mode, threshold=0.2)


def ask_all(assistant: Assistant, feedback_path: Path) -> list[dict]:
    handlers = ChatHandlers(assistant, feedback_path)
    return [handlers.api_ask(question, languages=languages) for question, languages in QUESTIONS]


def labels(answers: list[dict]) -> dict[str, set[str]]:
    """Citation language names per cited release id."""
    found: dict[str, set[str]] = {}
    for answer in answers:
        assert answer["status"] == "answered", answer
        for quote in answer["quotes"]:
            found.setdefault(quote["release_id"], set()).add(quote["citation"]["language"])
    return found


def as_written_before_declared_languages(settings: Settings, load: CorpusLoad) -> None:
    """Make the live generation look like one from a build that stored no declared languages."""
    pointer = read_current(settings.index_dir)
    assert pointer is not None
    generation = settings.index_dir / pointer.generation
    old_hashes = [
        (release_content_hash(dataclasses.replace(release, declared_languages=())), release.id)
        for release in load.releases
    ]
    with closing(sqlite3.connect(generation / CHUNKS_FILE)) as db:
        db.execute("ALTER TABLE releases DROP COLUMN declared_languages")
        db.executemany("UPDATE releases SET content_hash = ? WHERE id = ?", old_hashes)
        db.commit()
    manifest = json.loads((generation / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["files"][CHUNKS_FILE] = file_sha256(generation / CHUNKS_FILE)
    text = json.dumps(manifest)
    (generation / MANIFEST_FILE).write_text(text, encoding="utf-8")
    sealed = {"generation": generation.name, "manifest_sha256": file_sha256(generation / MANIFEST_FILE)}
    (settings.index_dir / CURRENT_FILE).write_text(json.dumps(sealed), encoding="utf-8")


def test_moving_the_corpus_away_changes_no_answer(corpus: Path, corpus_settings: Settings, tmp_path: Path):
    build(corpus_settings, load_corpus(corpus))
    assistant = new_assistant(corpus_settings)
    before = ask_all(assistant, tmp_path / "feedback.jsonl")
    cited = labels(before)
    assert cited[DECLARED_BS] == {"Bosnian"}
    assert cited[UNDECLARED] == {FAMILY}

    corpus.rename(tmp_path / "moved-away")
    assert ask_all(assistant, tmp_path / "feedback.jsonl") == before
    # A fresh assistant has nothing memoised from before the move.
    assert ask_all(new_assistant(corpus_settings), tmp_path / "feedback.jsonl") == before


def test_a_rebuilt_generation_is_not_answered_from_the_memo_of_the_old_one(
    corpus: Path, corpus_settings: Settings, tmp_path: Path
):
    load = load_corpus(corpus)
    build(corpus_settings, load)
    assistant = new_assistant(corpus_settings)
    assert labels(ask_all(assistant, tmp_path / "feedback.jsonl"))[UNDECLARED] == {FAMILY}
    # Only the declared languages change (the paragraph labels stay hr): the build must still see it.
    build(corpus_settings, load, redeclared={UNDECLARED: ("hr",)})
    assert labels(ask_all(assistant, tmp_path / "feedback.jsonl"))[UNDECLARED] == {"Croatian"}


def test_declared_languages_round_trip_through_the_chunk_database(tmp_path: Path):
    path = tmp_path / CHUNKS_FILE
    with closing(chunk_db.open_writable(path)) as writer:
        declaring = make_release("declaring", [("IOM je organizovao sastanak u Budvi.", "bs")])
        chunk_db.insert_release(writer, dataclasses.replace(declaring, declared_languages=("bs", "en")), "h1", [])
        chunk_db.insert_release(writer, make_release("silent", [("Sastanak je održan u Budvi.", "hr")]), "h2", [])
        writer.commit()
    with closing(chunk_db.open_readonly(path)) as reader:
        assert chunk_db.has_declared_languages(reader)
        assert chunk_db.declared_languages(reader, "declaring") == ("bs", "en")
        assert chunk_db.declared_languages(reader, "silent") == ()
        assert chunk_db.declared_languages(reader, "missing") == ()


def test_an_old_schema_releases_table_reads_as_none_declared(tmp_path: Path):
    path = tmp_path / CHUNKS_FILE
    with closing(sqlite3.connect(path)) as old:
        old.execute(OLD_RELEASES_TABLE)
        old.execute("INSERT INTO releases VALUES ('old', 'T', NULL, 's', 'old.md', 'x', '[\"bs\"]', 'h')")
        old.commit()
    chunk_db.open_writable(path).close()  # the other tables as they are now; releases keeps its old columns
    with closing(chunk_db.open_readonly(path)) as reader:
        assert not chunk_db.has_declared_languages(reader)
        assert chunk_db.declared_languages(reader, "old") == ()
        assert LanguageCertainty(reader).uncertain("old")
    # Migrating copies it into the current schema.
    with closing(chunk_db.open_writable(tmp_path / "migrated.sqlite")) as migrated:
        _copy_catalogue(path, migrated)
        assert chunk_db.declared_languages(migrated, "old") == ()
    # An update starts from a copy of the old file: the column is added on the first insert.
    with closing(chunk_db.open_writable(path)) as updated:
        declaring = make_release("new", [("IOM je organizovao sastanak u Budvi.", "bs")])
        chunk_db.insert_release(updated, dataclasses.replace(declaring, declared_languages=("bs",)), "h", [])
        assert chunk_db.declared_languages(updated, "new") == ("bs",)
        assert chunk_db.declared_languages(updated, "old") == ()


def test_a_generation_from_an_older_build_answers_until_the_next_build_stores_the_languages(
    corpus: Path, corpus_settings: Settings, tmp_path: Path
):
    load = load_corpus(corpus)
    build(corpus_settings, load)
    as_written_before_declared_languages(corpus_settings, load)
    assistant = new_assistant(corpus_settings)
    cited = labels(ask_all(assistant, tmp_path / "feedback.jsonl"))
    assert cited[DECLARED_BS] == {FAMILY}  # none declared, as far as that generation knows
    build(corpus_settings, load)
    cited = labels(ask_all(assistant, tmp_path / "feedback.jsonl"))
    assert cited[DECLARED_BS] == {"Bosnian"} and cited[UNDECLARED] == {FAMILY}
    with closing(open_index(corpus_settings.index_dir)) as index:
        assert chunk_db.declared_languages(index.db, DECLARED_BS) == ("bs",)
