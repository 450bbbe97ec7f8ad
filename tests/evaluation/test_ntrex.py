"""The NTREX loader against the real files, and its error handling on small hand-made folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.ntrex import (
    DOCUMENT_IDS_FILE,
    LANGUAGE_TAGS,
    LANGUAGES,
    NtrexDataError,
    load_articles,
    read_lines,
    sample_body_lines,
)


@pytest.fixture(scope="module")
def articles(ntrex_dir: Path):
    return load_articles(ntrex_dir)


def test_real_files_give_123_articles_covering_1997_lines(articles) -> None:
    assert len(articles) == 123
    assert sum(article.size for article in articles) == 1997
    assert len({article.doc_id for article in articles}) == 123
    assert articles[0].doc_id == "bbc.381790"
    assert articles[0].first_line == 0
    for previous, following in zip(articles, articles[1:]):
        assert following.first_line == previous.first_line + previous.size


def test_articles_follow_document_ids_file(articles, ntrex_dir: Path) -> None:
    doc_ids = read_lines(ntrex_dir / DOCUMENT_IDS_FILE)
    for article in articles:
        span = doc_ids[article.first_line : article.first_line + article.size]
        assert set(span) == {article.doc_id}
        before = article.first_line - 1
        after = article.first_line + article.size
        assert before < 0 or doc_ids[before] != article.doc_id
        assert after >= len(doc_ids) or doc_ids[after] != article.doc_id


def test_first_and_last_lines_match_files_by_line_number(articles, ntrex_dir: Path) -> None:
    for language in LANGUAGES:
        lines = read_lines(ntrex_dir / language.file_name)
        for article in (articles[0], articles[57], articles[-1]):
            assert article.lines[language.tag][0] == lines[article.first_line]
            assert article.lines[language.tag][-1] == lines[article.first_line + article.size - 1]
            assert len(article.lines[language.tag]) == article.size


def test_lines_are_stripped_of_crlf_and_scripts_match_languages(articles) -> None:
    first = articles[0]
    assert first.headline("en") == "Welsh AMs worried about 'looking like muppets'"
    for tag in LANGUAGE_TAGS:
        assert not any(line.endswith("\r") for line in first.lines[tag])
    assert any("\u0400" <= char <= "\u04ff" for char in first.headline("mk"))
    assert any("\u0400" <= char <= "\u04ff" for char in first.headline("sr-Cyrl"))
    assert not any("\u0400" <= char <= "\u04ff" for char in first.headline("sr-Latn"))


def test_limit_keeps_first_articles(articles, ntrex_dir: Path) -> None:
    limited = load_articles(ntrex_dir, limit=3)
    assert [article.doc_id for article in limited] == [article.doc_id for article in articles[:3]]
    assert limited[2].lines == articles[2].lines


def test_release_ids_name_document_and_language(articles) -> None:
    assert articles[0].release_id("sr-Cyrl") == "ntrex-bbc.381790-sr-Cyrl"


def test_body_line_sample_is_fixed_and_skips_headline(articles) -> None:
    article = articles[0]
    chosen = sample_body_lines(article, 3, seed=7)
    assert chosen == sample_body_lines(article, 3, seed=7)
    assert len(chosen) == 3 and len(set(chosen)) == 3
    assert 0 not in chosen and max(chosen) < article.size
    short = next(item for item in articles if item.size == 4)
    assert sample_body_lines(short, 5, seed=7) == [1, 2, 3]


def _write_folder(folder: Path, doc_ids: list[str], lines: list[str]) -> Path:
    folder.mkdir()
    (folder / DOCUMENT_IDS_FILE).write_text("\n".join(doc_ids) + "\n", encoding="utf-8")
    for language in LANGUAGES:
        (folder / language.file_name).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return folder


def test_small_folder_groups_consecutive_ids(tmp_path: Path) -> None:
    folder = _write_folder(tmp_path / "ntrex", ["a", "a", "b", "c", "c"], ["A1", "A2", "B1", "C1", "C2"])
    loaded = load_articles(folder)
    assert [(item.doc_id, item.lines["mk"]) for item in loaded] == [
        ("a", ("A1", "A2")),
        ("b", ("B1",)),
        ("c", ("C1", "C2")),
    ]


def test_line_count_mismatch_is_reported(tmp_path: Path) -> None:
    folder = _write_folder(tmp_path / "ntrex", ["a", "a"], ["A1", "A2"])
    (folder / "full.ref.mkd.txt").write_text("A1\n", encoding="utf-8")
    with pytest.raises(NtrexDataError, match="full.ref.mkd.txt has 1 lines but DOCUMENT_IDS.tsv has 2"):
        load_articles(folder)


def test_document_id_coming_back_is_reported(tmp_path: Path) -> None:
    folder = _write_folder(tmp_path / "ntrex", ["a", "b", "a"], ["A1", "B1", "A2"])
    with pytest.raises(NtrexDataError, match="document a reappears"):
        load_articles(folder)


def test_missing_folder_and_file_are_reported(tmp_path: Path) -> None:
    with pytest.raises(NtrexDataError, match="data folder not found"):
        load_articles(tmp_path / "nowhere")
    folder = _write_folder(tmp_path / "ntrex", ["a"], ["A1"])
    (folder / "full.src.eng.txt").unlink()
    with pytest.raises(NtrexDataError, match="full.src.eng.txt: file not found"):
        load_articles(folder)
