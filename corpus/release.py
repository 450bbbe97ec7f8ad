"""A press release after loading and cleaning."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Paragraph:
    """A span of ``Release.text`` in one language.

    ``language`` is the label used for filtering: en, bs, hr, sr, mk or other.
    ``family`` groups close varieties ("sh" for bs/hr/sr/Montenegrin),
    ``script`` is an ISO 15924 code (Latn, Cyrl, Zyyy when unknown) and
    ``detected`` is the detector's raw best guess with ``confidence``.
    """

    start: int
    end: int
    language: str
    script: str
    family: str
    detected: str
    confidence: float


@dataclass(frozen=True)
class Release:
    """A cleaned release; paragraph offsets index into ``text``.

    ``declared_languages`` are the tags the file's metadata declared (empty when
    the languages were detected); sh labels of such releases are not guesses.
    ``page_starts`` are the offsets where each page of a PDF begins (see ``corpus.pages``);
    empty for releases without pages.
    """

    id: str
    title: str
    date: dt.date | None
    source: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    path: str = ""
    declared_languages: tuple[str, ...] = ()
    page_starts: tuple[int, ...] = ()

    @property
    def languages(self) -> tuple[str, ...]:
        """Language tags (e.g. ``bs``, ``sr-Cyrl``) by share of text, largest first."""
        share: dict[str, int] = {}
        for paragraph in self.paragraphs:
            tag = language_tag(paragraph.language, paragraph.script)
            share[tag] = share.get(tag, 0) + paragraph.end - paragraph.start
        return tuple(sorted(share, key=lambda tag: -share[tag]))

    def paragraph_text(self, paragraph: Paragraph) -> str:
        return self.text[paragraph.start : paragraph.end]


def language_tag(language: str, script: str) -> str:
    """``sr`` + ``Cyrl`` -> ``sr-Cyrl``; other languages keep their bare code."""
    if language == "sr" and script in {"Latn", "Cyrl"}:
        return f"sr-{script}"
    return language
