from __future__ import annotations

import itertools
import random

import pytest

from corpus.paragraphs import split_paragraphs


def texts(text: str) -> list[str]:
    return [text[start:end] for start, end in split_paragraphs(text)]


def test_single_newlines_and_blank_lines_both_separate() -> None:
    text = "Title line\nFirst paragraph.\n\nSecond paragraph.\n\n\nThird."
    assert split_paragraphs(text) == [(0, 10), (11, 27), (29, 46), (49, 55)]
    assert texts(text) == ["Title line", "First paragraph.", "Second paragraph.", "Third."]


def test_wrapped_lines_stay_one_paragraph() -> None:
    text = "The meeting was organised in the framework\nof the regional programme.\nNext sentence starts here."
    assert texts(text) == [
        "The meeting was organised in the framework\nof the regional programme.",
        "Next sentence starts here.",
    ]


def test_lowercase_line_after_a_finished_sentence_is_new() -> None:
    assert texts("It ended.\nmore text") == ["It ended.", "more text"]
    assert texts("Wrapped line\n\ncontinues after a blank") == ["Wrapped line", "continues after a blank"]


def test_spans_exclude_surrounding_whitespace() -> None:
    text = "  \n  Indented line  \n\t\nLast\n"
    assert texts(text) == ["Indented line", "Last"]


def test_empty_text_has_no_paragraphs() -> None:
    assert split_paragraphs("") == []
    assert split_paragraphs("\n \n") == []


@pytest.mark.parametrize("seed", range(200))
def test_offsets_round_trip_and_cover_all_words(seed: int) -> None:
    generator = random.Random(seed)
    text = "".join(generator.choice("ab .\n\u00a0Čč") for _ in range(generator.randrange(60)))
    spans = split_paragraphs(text)
    assert all(start < end for start, end in spans)
    assert all(first[1] <= second[0] for first, second in itertools.pairwise(spans))
    for start, end in spans:
        assert text[start:end] == text[start:end].strip()
    covered = "".join(text[start:end] for start, end in spans)
    assert "".join(text.split()) == "".join(covered.split())
