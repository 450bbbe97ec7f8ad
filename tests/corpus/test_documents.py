"""PDF and Word releases: the same text as the .txt release, pages, metadata, sidecars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from corpus.loader import load_corpus, load_release
from corpus.pages import page_breaks, page_label, page_of, page_range
from tests.documents import RELEASES, release_txt, write_docx, write_pdf

LANGUAGES = ("en", "bs", "mk")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_pdf_release_reads_as_its_txt_version(tmp_path: Path, language: str) -> None:
    paragraphs = RELEASES[language]["paragraphs"]
    pages = write_pdf(tmp_path / "release.pdf", paragraphs, title=RELEASES[language]["title"])  # type: ignore[arg-type]
    assert len(pages) >= 2  # multi-page, with a running header and page numbers on each
    assert any(line.endswith("-") for page in pages for line in page)  # hyphenated line ends
    (tmp_path / "release.txt").write_text(release_txt(language), encoding="utf-8")
    pdf, txt = load_release(tmp_path / "release.pdf"), load_release(tmp_path / "release.txt")
    assert pdf.text == txt.text
    assert "IOM press release" not in pdf.text  # the running header
    assert [p.language for p in pdf.paragraphs] == [p.language for p in txt.paragraphs]
    assert pdf.title == RELEASES[language]["title"]


def test_every_offset_maps_to_the_page_it_was_printed_on(tmp_path: Path) -> None:
    pages = write_pdf(tmp_path / "release.pdf", RELEASES["bs"]["paragraphs"])  # type: ignore[arg-type]
    release = load_release(tmp_path / "release.pdf")
    assert len(release.page_starts) == len(pages)
    cursor = 0
    for number, lines in enumerate(pages, start=1):
        for line in lines:
            words = line.rstrip("-").split()
            start = release.text.index(" ".join(words[:-1]) or words[0], cursor)  # the last word may be hyphenated
            assert page_of(release.page_starts, start) == number, line
            cursor = start
    first_page_end = release.page_starts[1]
    assert page_range(release.page_starts, first_page_end - 20, first_page_end + 20) == (1, 2)
    assert page_label(page_range(release.page_starts, first_page_end - 20, first_page_end + 20)) == "pp. 1–2"
    assert page_breaks(release.page_starts, len(release.text)) == [(first_page_end, 2)]


def test_page_helpers_without_pages() -> None:
    assert page_of((), 10) is None and page_range((), 0, 5) is None and page_label(None) == ""
    assert page_label((3, 3)) == "p. 3"
    # page 2 left no text: text after the break is on page 3
    assert page_of((0, 10, 10), 10) == 3 and page_breaks((0, 10, 10), 20) == [(10, 3)]


def test_hyphenation_and_line_breaks_are_joined(tmp_path: Path) -> None:
    paragraph = "Međunarodna organizacija za migracije podržava upravljanje migracijama u Bosni i Hercegovini."
    write_pdf(tmp_path / "narrow.pdf", [paragraph], width=120, header="", footer=False)
    assert load_release(tmp_path / "narrow.pdf").text == paragraph


def test_pdf_metadata_from_properties_and_sidecar(tmp_path: Path) -> None:
    created = dt.datetime(2023, 7, 13, 10, 0, tzinfo=dt.timezone.utc)
    write_pdf(tmp_path / "donacija.pdf", RELEASES["bs"]["paragraphs"], title="Naslov iz svojstava", created=created)  # type: ignore[arg-type]
    release = load_release(tmp_path / "donacija.pdf")
    assert (release.id, release.title, release.date) == ("donacija", "Naslov iz svojstava", dt.date(2023, 7, 13))
    (tmp_path / "donacija.meta.yaml").write_text(
        "title: Naslov iz datoteke\ndate: 2023-07-14\nsource: https://bih.iom.int/news/x\nlanguages: [bs]\n",
        encoding="utf-8",
    )
    release = load_release(tmp_path / "donacija.pdf")
    assert (release.title, release.date, release.source) == ("Naslov iz datoteke", dt.date(2023, 7, 14), "https://bih.iom.int/news/x")
    assert release.declared_languages == ("bs",)


def test_a_bad_sidecar_names_itself(tmp_path: Path) -> None:
    write_docx(tmp_path / "r.docx", RELEASES["en"]["paragraphs"])  # type: ignore[arg-type]
    (tmp_path / "r.meta.yaml").write_text("date: 13 July\n", encoding="utf-8")
    load = load_corpus(tmp_path)
    assert [problem.reason for problem in load.problems] == ["invalid date '13 July' (expected yyyy-mm-dd)"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_docx_release_reads_as_its_txt_version(tmp_path: Path, language: str) -> None:
    created = dt.datetime(2023, 7, 13, 9, 30)
    write_docx(tmp_path / "release.docx", RELEASES[language]["paragraphs"], title="Props title", created=created)  # type: ignore[arg-type]
    (tmp_path / "release.txt").write_text(release_txt(language), encoding="utf-8")
    docx, txt = load_release(tmp_path / "release.docx"), load_release(tmp_path / "release.txt")
    assert docx.text == txt.text
    assert "IOM press release" not in docx.text and "Page" not in docx.text  # header and footer parts
    assert (docx.title, docx.date, docx.page_starts) == ("Props title", dt.date(2023, 7, 13), ())
