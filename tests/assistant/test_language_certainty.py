from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from assistant.language_certainty import LanguageCertainty, sh_latin_label_is_certain
from index import chunk_db
from tests.index.conftest import make_release


def generation_db(path: Path, declared: dict[str, tuple[str, ...]]) -> sqlite3.Connection:
    """A chunks.sqlite holding one Bosnian release per id, declaring the given languages."""
    connection = chunk_db.open_writable(path)
    for release_id, languages in declared.items():
        release = make_release(release_id, [("IOM je organizovao sastanak u Budvi.", "bs")])
        chunk_db.insert_release(connection, dataclasses.replace(release, declared_languages=languages), "hash", [])
    connection.commit()
    return connection


def test_only_one_declared_latin_sh_language_makes_the_label_certain():
    assert sh_latin_label_is_certain(("bs",))
    assert sh_latin_label_is_certain(("sr-Latn", "en"))
    assert not sh_latin_label_is_certain(("bs", "hr"))
    assert not sh_latin_label_is_certain(())
    assert not sh_latin_label_is_certain(("sr-Cyrl",))


def test_certainty_comes_from_the_generation_once_per_release(tmp_path: Path):
    db = generation_db(tmp_path / "old.sqlite", {"c": ("hr",), "d": ()})
    certainty = LanguageCertainty(db)
    assert certainty.uncertain("c") is False
    chunk_db.delete_releases(db, ["c"])
    assert certainty.uncertain("c") is False  # memoised for the generation
    assert certainty.uncertain("d") is True
    assert certainty.uncertain("missing") is True
    # A rebuilt generation in which "c" now declares two sh languages is asked afresh.
    rebuilt = LanguageCertainty(generation_db(tmp_path / "new.sqlite", {"c": ("bs", "hr")}))
    assert rebuilt.uncertain("c") is True
