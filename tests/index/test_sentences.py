from __future__ import annotations

from index.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_regional_dates_do_not_end_sentences():
    text = "IOM je 14. i 15. juna 2022. godine organizovao sastanak. Sastanak je bio u Budvi."
    assert sentences(text) == [
        "IOM je 14. i 15. juna 2022. godine organizovao sastanak.",
        "Sastanak je bio u Budvi.",
    ]


def test_line_breaks_end_sentences_and_offsets_are_exact():
    text = "  Title without stop\nSarajevo, 13 July 2023 - It began. \"We help,\" he said. Done?  "
    spans = split_sentences(text)
    assert [text[start:end] for start, end in spans] == [
        "Title without stop",
        "Sarajevo, 13 July 2023 - It began.",
        '"We help," he said.',
        "Done?",
    ]
    assert spans[0] == (2, 20)


def test_cyrillic_sentences_and_initials():
    text = "Средбата беше организирана. За време на средбата се разговараше! J. Smith дојде."
    assert sentences(text) == ["Средбата беше организирана.", "За време на средбата се разговараше!", "J. Smith дојде."]


def test_empty_and_blank_text_have_no_sentences():
    assert split_sentences("") == []
    assert split_sentences(" \n\n ") == []
