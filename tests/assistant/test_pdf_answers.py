"""Real model: a release given as PDF answers exactly as its .txt version, and cites its page."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer import Answer
from assistant.citation import format_citation
from assistant.service import Assistant
from corpus.loader import load_corpus
from corpus.pages import page_of
from index.build import build_index
from index.settings import Settings
from tests.documents import RELEASES, release_txt, write_pdf

pytestmark = pytest.mark.model

# Asked in languages other than the releases' (en, bs, mk).
QUESTIONS = (
    "Колико термалних камера је добила гранична полиција?",  # Serbian Cyrillic
    "Gdje će se održati obuka službenika za korištenje opreme?",  # Croatian
    "Koliko vrijedi program Europske unije za upravljanje migracijama?",  # Montenegrin/Croatian Latin
)


@pytest.fixture(scope="module")
def assistants(real_encoder, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Assistant, dict]]:
    root = tmp_path_factory.mktemp("pdf-vs-txt")
    home = root / "home"  # one home: the .txt index reuses the PDF index's cached vectors
    found: dict[str, tuple[Assistant, dict]] = {}
    pages: dict[str, list[list[str]]] = {}
    for kind in ("pdf", "txt"):
        folder = root / kind
        folder.mkdir()
        for language in RELEASES:
            path = folder / f"release-{language}.{kind}"
            if kind == "pdf":
                pages[language] = write_pdf(path, RELEASES[language]["paragraphs"])  # type: ignore[arg-type]
            else:
                path.write_text(release_txt(language), encoding="utf-8")
        settings = Settings(home=home, corpus_dir=folder, index_name=kind)
        loaded = load_corpus(folder)
        assert not loaded.problems and len(loaded.releases) == 3
        build_index(settings, real_encoder, loaded.releases, boilerplate=loaded.boilerplate)
        found[kind] = (Assistant(settings.index_dir, real_encoder), pages)
    return found


def _quotes(answer: Answer) -> list[tuple]:
    return [(q.release_id, q.start, q.end, q.text, round(q.score, 5)) for q in answer.quotes]


@pytest.mark.parametrize("question", QUESTIONS)
def test_pdf_and_txt_give_the_same_answer(assistants, question: str) -> None:
    pdf_answer, _ = assistants["pdf"][0].ask(question)
    txt_answer, _ = assistants["txt"][0].ask(question)
    assert pdf_answer.status == txt_answer.status == "answered"
    assert _quotes(pdf_answer) == _quotes(txt_answer)
    assert pdf_answer.message == txt_answer.message
    assert all(quote.citation.page for quote in pdf_answer.quotes)
    assert not any(quote.citation.page for quote in txt_answer.quotes)


def test_a_pdf_quote_cites_the_page_it_is_on(assistants) -> None:
    assistant, pages = assistants["pdf"]
    answer, _ = assistant.ask(QUESTIONS[2])  # the programme's value is in the last paragraph
    for quote in answer.quotes:
        text = assistant.release_view(quote.release_id)[1]
        starts = assistant.release_pages(quote.release_id)
        first, last = page_of(starts, quote.start), page_of(starts, quote.end - 1)
        assert quote.citation.pages == (first, last)
        assert quote.citation.page == (f"p. {first}" if first == last else f"pp. {first}–{last}")
        assert format_citation(quote.citation).endswith(f" · {quote.citation.page}")
        language = quote.release_id.removeprefix("release-")
        written = [" ".join(line.rstrip("-").split()[:3]) for line in pages[language][first - 1]]
        assert any(piece in text[starts[first - 1] : quote.end] for piece in written)
    assert any(quote.citation.pages and quote.citation.pages[-1] == 2 for quote in answer.quotes)
