from __future__ import annotations

from pathlib import Path

from assistant.language_certainty import LanguageCertainty, declared_languages, sh_latin_label_is_certain


def write(tmp_path: Path, name: str, front_matter: str) -> Path:
    path = tmp_path / name
    path.write_text(f"---\n{front_matter}---\nIOM je organizovao sastanak u Budvi.\n", encoding="utf-8")
    return path


def test_declared_languages_come_from_the_front_matter(tmp_path: Path):
    assert declared_languages(str(write(tmp_path, "a.md", "languages: [bs, en]\n"))) == ("bs", "en")
    assert declared_languages(str(write(tmp_path, "b.md", "title: x\n"))) == ()
    assert declared_languages(str(tmp_path / "missing.md")) == ()
    assert declared_languages("") == ()


def test_only_one_declared_latin_sh_language_makes_the_label_certain():
    assert sh_latin_label_is_certain(("bs",))
    assert sh_latin_label_is_certain(("sr-Latn", "en"))
    assert not sh_latin_label_is_certain(("bs", "hr"))
    assert not sh_latin_label_is_certain(())
    assert not sh_latin_label_is_certain(("sr-Cyrl",))


def test_certainty_is_read_once_per_release(tmp_path: Path):
    path = write(tmp_path, "c.md", "languages: [hr]\n")
    certainty = LanguageCertainty()
    assert certainty.uncertain("c", str(path)) is False
    path.unlink()
    assert certainty.uncertain("c", str(path)) is False  # memoised for the generation
    assert certainty.uncertain("d", str(path)) is True
