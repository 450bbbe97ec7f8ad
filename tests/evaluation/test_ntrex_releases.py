"""NTREX articles become releases whose line offsets and declared languages are exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.release import language_tag
from evaluation.ntrex import LANGUAGE_TAGS, load_articles
from evaluation.ntrex_releases import article_release, ntrex_releases


@pytest.fixture(scope="module")
def articles(ntrex_dir: Path):
    return load_articles(ntrex_dir, limit=4)


def test_line_spans_index_the_release_text(articles) -> None:
    for item in ntrex_releases(articles, LANGUAGE_TAGS):
        lines = item.article.lines[item.tag]
        assert len(item.line_spans) == len(lines)
        for (start, end), line in zip(item.line_spans, lines):
            assert item.release.text[start:end] == line


def test_headline_is_title_and_first_paragraph(articles) -> None:
    item = article_release(articles[0], "mk")
    assert item.release.title == articles[0].headline("mk")
    assert item.release.text.startswith(articles[0].headline("mk"))
    assert item.release.id == "ntrex-bbc.381790-mk"


@pytest.mark.parametrize(
    ("tag", "language", "script", "family"),
    [("en", "en", "Latn", "en"), ("hr", "hr", "Latn", "sh"), ("sr-Cyrl", "sr", "Cyrl", "sh"), ("mk", "mk", "Cyrl", "mk")],
)
def test_paragraphs_carry_declared_language(articles, tag: str, language: str, script: str, family: str) -> None:
    release = article_release(articles[1], tag).release
    assert len(release.paragraphs) == articles[1].size
    assert {(p.language, p.script, p.family, p.confidence) for p in release.paragraphs} == {
        (language, script, family, 1.0)
    }
    assert release.languages == (tag,)
    assert language_tag(language, script) == tag


def test_one_release_per_article_and_language(articles) -> None:
    releases = ntrex_releases(articles, LANGUAGE_TAGS)
    assert len(releases) == 4 * 6
    assert len({item.release.id for item in releases}) == 24


def test_unknown_language_is_refused(articles) -> None:
    with pytest.raises(ValueError, match="unknown NTREX language 'de'"):
        article_release(articles[0], "de")
