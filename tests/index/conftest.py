"""Helpers for index tests: hand-built releases and the shipped seed corpus."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from corpus.release import Paragraph, Release
from index.settings import REPO_CORPUS, Settings

PARAGRAPH_BREAK = "\n\n"


def make_release(
    release_id: str,
    paragraphs: Sequence[tuple[str, str] | tuple[str, str, str]],
    title: str | None = None,
    date: dt.date | None = dt.date(2023, 1, 1),
    source: str = "https://example.org/release",
) -> Release:
    """A release whose text is the paragraphs joined by blank lines.

    Each paragraph is ``(text, language)`` or ``(text, language, script)``;
    the script defaults to Cyrl for mk and Latn otherwise.
    """
    text = ""
    spans = []
    for entry in paragraphs:
        body, language = entry[0], entry[1]
        script = entry[2] if len(entry) > 2 else ("Cyrl" if language == "mk" else "Latn")
        if text:
            text += PARAGRAPH_BREAK
        start = len(text)
        text += body
        family = "sh" if language in {"bs", "hr", "sr"} else language
        spans.append(Paragraph(start, len(text), language, script, family, language, 1.0))
    return Release(
        id=release_id,
        title=title or f"Release {release_id}",
        date=date,
        source=source,
        text=text,
        paragraphs=tuple(spans),
        path=f"{release_id}.txt",
    )


@pytest.fixture
def settings(assistant_home: Path) -> Settings:
    """Settings rooted in the test's empty ASSISTANT_HOME."""
    return Settings(home=assistant_home)


@pytest.fixture(scope="session")
def seed_releases() -> list[Release]:
    """The five shipped seed releases, loaded and labelled by the corpus package."""
    from corpus.loader import load_corpus

    loaded = load_corpus(REPO_CORPUS)
    assert not loaded.problems, loaded.problems
    return loaded.releases


def small_corpus() -> list[Release]:
    """Seven short releases covering every language tag, one of them undated."""
    return [
        make_release(
            "en-donation",
            [
                ("European Union donates equipment to the police directorate", "en"),
                ("The European Union donated protective clothing and footwear worth 170,900 KM.", "en"),
            ],
            date=dt.date(2023, 7, 13),
        ),
        make_release(
            "bs-border",
            [
                ("IOM je organizovao sastanak šefova graničnih policija Zapadnog Balkana.", "bs"),
                ("Sastanak je održan u Budvi 14. i 15. juna 2022. godine.", "bs"),
            ],
            date=dt.date(2022, 6, 15),
        ),
        make_release(
            "mk-border",
            [("ИОМ организираше состанок со шефовите на граничните служби.", "mk")],
            date=dt.date(2022, 6, 16),
        ),
        make_release(
            "sr-cyrl",
            [("Састанак шефова граничне полиције одржан је у Будви.", "sr", "Cyrl")],
            date=dt.date(2021, 5, 1),
        ),
        make_release(
            "sr-latn",
            [("Sastanak šefova granične policije održan je u Budvi.", "sr", "Latn")],
            date=dt.date(2021, 5, 2),
        ),
        make_release(
            "hr-news",
            [("Europska unija donirala je opremu ravnateljstvu policije.", "hr")],
            date=dt.date(2020, 1, 1),
        ),
        make_release(
            "undated",
            [("A short note about migration flows without a date.", "en")],
            date=None,
        ),
    ]
