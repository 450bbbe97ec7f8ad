"""NTREX articles as corpus releases: one release per article and language, language declared.

The release text is the article's lines separated by blank lines, headline first (so the headline
is also part of the searchable text). Every line is one paragraph labelled with the declared
language, so no detection runs and line offsets are known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus.language import family_of
from corpus.release import Paragraph, Release
from evaluation.ntrex import LANGUAGES, NTREX_SOURCE, Article

LINE_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class NtrexRelease:
    """A release plus the ``(start, end)`` offsets of each source line in ``release.text``."""

    release: Release
    article: Article
    tag: str
    line_spans: tuple[tuple[int, int], ...]


def article_release(article: Article, tag: str) -> NtrexRelease:
    language = next((item for item in LANGUAGES if item.tag == tag), None)
    if language is None:
        raise ValueError(f"unknown NTREX language {tag!r}")
    lines = article.lines[tag]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for line in lines:
        spans.append((cursor, cursor + len(line)))
        cursor += len(line) + len(LINE_SEPARATOR)
    text = LINE_SEPARATOR.join(lines)
    paragraphs = tuple(
        Paragraph(start, end, language.language, language.script, family_of(language.language), tag, 1.0)
        for start, end in spans
    )
    release = Release(
        id=article.release_id(tag),
        title=article.headline(tag),
        date=None,
        source=f"{NTREX_SOURCE}, document {article.doc_id} ({tag})",
        text=text,
        paragraphs=paragraphs,
        path="",
    )
    return NtrexRelease(release, article, tag, tuple(spans))


def ntrex_releases(articles: list[Article], tags: tuple[str, ...]) -> list[NtrexRelease]:
    return [article_release(article, tag) for article in articles for tag in tags]
