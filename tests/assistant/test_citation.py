from __future__ import annotations

import re

import pytest

from assistant.answer import Answer, Citation, Quote, Span
from assistant.citation import answer_with_citations, format_citation, pages_text, quote_with_citation
from assistant.messages import UI_CODES, _UI, language_label, plural, ui_language_from_browser, ui_text

CITATION = Citation(
    title="ИОМ организираше состанок", date="2022-06-16", language="Macedonian",
    source="https://example.org/r/1", link="https://example.org/r/1", start=1204, end=1530,
)


def quote(text: str = "Состанокот се одржа во Будва.\nТраеше два дена.") -> Quote:
    return Quote("7", "001", text, 1204, 1530, 0.7, "mk", [Span(1204, 1233, 0.7)], CITATION)


def test_the_citation_format_is_fixed_with_pages_when_a_release_has_them():
    assert format_citation(CITATION) == (
        "ИОМ организираше состанок · 2022-06-16 · Macedonian · https://example.org/r/1 · characters 1204–1530"
    )
    assert format_citation(CITATION, (2, 2)).endswith("characters 1204–1530 · p. 2")
    assert format_citation(CITATION, (2, 3)).endswith(" · pp. 2–3")
    assert pages_text(None) == ""


def test_the_citation_words_follow_the_interface_language_but_not_the_order():
    macedonian = format_citation(CITATION, (2, 3), "mk")
    assert macedonian == (
        "ИОМ организираше состанок · 2022-06-16 · Македонски · https://example.org/r/1 · знаци 1204–1530 · стр. 2–3"
    )
    undated = format_citation(Citation("T", "", "Bosnian", "a.txt", "", 0, 9), None, "sh")
    assert undated == "T · bez datuma · Bosanski · a.txt · znakovi 0–9"


def test_a_copied_quote_is_the_quote_on_one_line_and_its_citation_on_the_next():
    assert quote_with_citation(quote(), None, "mk") == (
        "„Состанокот се одржа во Будва. Траеше два дена.“\n" + format_citation(CITATION, None, "mk")
    )
    whole = answer_with_citations(Answer("Кога?", "answered", "", quotes=[quote(), quote("Друго.")]), "mk")
    assert whole.startswith("Прашање: Кога?\n\n„Состанокот")
    assert whole.count(format_citation(CITATION, None, "mk")) == 2


def test_every_interface_text_exists_in_every_language():
    for key, texts in _UI.items():
        assert set(texts) == set(UI_CODES), key
        placeholders = {code: set(re.findall(r"{(\w+)", text)) for code, text in texts.items()}
        assert len({frozenset(found) for found in placeholders.values()}) == 1, key


def test_macedonian_and_serbian_cyrillic_are_written_separately():
    different = [key for key, texts in _UI.items() if texts["mk"] != texts["sr-Cyrl"]]
    assert len(different) > len(_UI) * 0.7  # the few equal ones are words both languages share ("Корисно")
    assert ui_text("ask", "mk") == "Прашај" and ui_text("ask", "sr-Cyrl") == "Питај"


@pytest.mark.parametrize(
    ("count", "ui", "expected"),
    [(1, "sh", "1 odlomak"), (3, "sh", "3 odlomka"), (5, "sh", "5 odlomaka"), (21, "sr-Cyrl", "21 одломак"),
     (12, "sr-Cyrl", "12 одломака"), (1, "mk", "1 пасус"), (4, "mk", "4 пасуси"), (2, "en", "2 passages")],
)
def test_plural_forms(count, ui, expected):
    assert plural(count, "n_passages", ui) == expected


def test_language_names_follow_the_interface():
    assert language_label("Bosnian/Croatian/Serbian (Latin)", "sr-Cyrl") == "Босански/хрватски/српски (латиница)"
    assert language_label("Serbian (Cyrillic)", "mk") == "Српски (кирилица)"
    assert language_label("Macedonian, Bosnian", "sh") == "Makedonski, bosanski"
    assert language_label("Klingon", "mk") == "Klingon"


@pytest.mark.parametrize(
    ("browser", "expected"),
    [("mk-MK,en-US", "mk"), ("sr-RS", "sr-Cyrl"), ("sr-Latn-RS,sr", "sh"), ("sr-ME", "sh"), ("hr-HR", "sh"),
     ("bs", "sh"), ("de-DE,mk;q=0.5", "mk"), ("de-DE", "en"), ("", "en"), ("en-GB,mk", "en")],
)
def test_the_interface_language_comes_from_the_browser(browser, expected):
    assert ui_language_from_browser(browser) == expected
