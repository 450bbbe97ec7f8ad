"""NTREX-128 (six-language subset): line-aligned files grouped into news articles.

The data folder holds one file per language with the same number of lines (line i is the same
sentence everywhere) and ``DOCUMENT_IDS.tsv``: one document id per line, consecutive equal ids
forming one article. The first line of every article is its headline.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

DOCUMENT_IDS_FILE = "DOCUMENT_IDS.tsv"
NTREX_SOURCE = "NTREX-128 (Federmann, Kocmi, Xin 2022), CC BY-SA 4.0"


@dataclass(frozen=True)
class NtrexLanguage:
    tag: str  # corpus language tag (corpus.release.language_tag)
    file_name: str
    language: str
    script: str


LANGUAGES: tuple[NtrexLanguage, ...] = (
    NtrexLanguage("en", "full.src.eng.txt", "en", "Latn"),
    NtrexLanguage("bs", "full.ref.bos.txt", "bs", "Latn"),
    NtrexLanguage("hr", "full.ref.hrv.txt", "hr", "Latn"),
    NtrexLanguage("sr-Latn", "full.ref.srp-Latn.txt", "sr", "Latn"),
    NtrexLanguage("sr-Cyrl", "full.ref.srp-Cyrl.txt", "sr", "Cyrl"),
    NtrexLanguage("mk", "full.ref.mkd.txt", "mk", "Cyrl"),
)
LANGUAGE_TAGS: tuple[str, ...] = tuple(language.tag for language in LANGUAGES)


class NtrexDataError(ValueError):
    """The NTREX folder is missing a file or its files do not line up."""


@dataclass(frozen=True)
class Article:
    """One news article in all six languages; ``first_line`` is its 0-based line in the files."""

    doc_id: str
    ordinal: int
    first_line: int
    lines: dict[str, tuple[str, ...]]

    @property
    def size(self) -> int:
        return len(self.lines[LANGUAGE_TAGS[0]])

    def headline(self, tag: str) -> str:
        return self.lines[tag][0]

    def release_id(self, tag: str) -> str:
        return release_id(self.doc_id, tag)


def release_id(doc_id: str, tag: str) -> str:
    return f"ntrex-{doc_id}-{tag}"


def read_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 file without their line endings (the files use CRLF)."""
    if not path.is_file():
        raise NtrexDataError(f"{path}: file not found")
    with open(path, encoding="utf-8-sig", newline=None) as handle:
        return [line.rstrip("\n") for line in handle]


def load_articles(directory: Path, limit: int | None = None) -> list[Article]:
    """The articles of the NTREX folder in file order; ``limit`` keeps the first N."""
    directory = Path(directory)
    if not directory.is_dir():
        raise NtrexDataError(f"{directory}: NTREX data folder not found (pass --data PATH)")
    doc_ids = [line.strip() for line in read_lines(directory / DOCUMENT_IDS_FILE)]
    texts: dict[str, list[str]] = {}
    for language in LANGUAGES:
        lines = read_lines(directory / language.file_name)
        if len(lines) != len(doc_ids):
            raise NtrexDataError(
                f"{language.file_name} has {len(lines)} lines but {DOCUMENT_IDS_FILE} has {len(doc_ids)}"
            )
        texts[language.tag] = lines
    articles: list[Article] = []
    for first, last in _document_spans(doc_ids):
        if limit is not None and len(articles) >= limit:
            break
        lines = {tag: tuple(texts[tag][first:last]) for tag in LANGUAGE_TAGS}
        _check_article(doc_ids[first], first, lines)
        articles.append(Article(doc_ids[first], len(articles) + 1, first, lines))
    return articles


def _document_spans(doc_ids: list[str]) -> list[tuple[int, int]]:
    """``(first, end)`` line ranges of consecutive equal ids; an id may not come back later."""
    spans: list[tuple[int, int]] = []
    seen: set[str] = set()
    start = 0
    for position in range(1, len(doc_ids) + 1):
        if position == len(doc_ids) or doc_ids[position] != doc_ids[start]:
            if not doc_ids[start]:
                raise NtrexDataError(f"{DOCUMENT_IDS_FILE}:{start + 1}: empty document id")
            if doc_ids[start] in seen:
                raise NtrexDataError(
                    f"{DOCUMENT_IDS_FILE}:{start + 1}: document {doc_ids[start]} reappears after other documents"
                )
            seen.add(doc_ids[start])
            spans.append((start, position))
            start = position
    return spans


def _check_article(doc_id: str, first: int, lines: dict[str, tuple[str, ...]]) -> None:
    for tag, article_lines in lines.items():
        for offset, line in enumerate(article_lines):
            if not line.strip():
                raise NtrexDataError(f"document {doc_id}, {tag}: line {first + offset + 1} is empty")


def sample_body_lines(article: Article, count: int, seed: int) -> list[int]:
    """``count`` body line indices of ``article`` (never the headline), fixed by ``seed`` and the id."""
    body = list(range(1, article.size))
    chooser = random.Random(f"{seed}:{article.doc_id}")
    return sorted(chooser.sample(body, min(count, len(body))))
