"""Test-only writers of real PDF (fpdf2) and Word (python-docx) releases, and sample texts.

PDFs embed DejaVu Sans (shipped inside matplotlib, which the ``eval`` extra installs) so
Cyrillic glyphs have a Unicode text layer. Lines are wrapped by hand: a word that does not
fit is hyphenated ("migra-" / "tion"), every page gets a running header and a page-number
footer, and paragraphs are separated by a gap. :func:`write_pdf` returns the lines written
on each page, so tests know where each sentence is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import matplotlib
from fpdf import FPDF

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"

# One release in three languages: the same facts, paragraphs separated by blank lines in .txt form.
RELEASES: dict[str, dict[str, object]] = {
    "en": {
        "title": "Border police receive thermal cameras from the European Union",
        "paragraphs": [
            "Border police receive thermal cameras from the European Union",
            "The International Organization for Migration handed over forty thermal imaging cameras to the "
            "Border Police of Bosnia and Herzegovina in Sarajevo on Tuesday, funded by the European Union.",
            "The cameras will help officers to find people lost in the mountains near the eastern border "
            "during the winter months, when temperatures fall far below freezing.",
            "Training for two hundred officers on the use of the equipment will take place in Tuzla and "
            "Bihać over the next three months, delivered by instructors from the Netherlands.",
            "The donation is part of a programme worth twelve million euros that supports migration "
            "management and the protection of vulnerable migrants across the Western Balkans.",
        ],
    },
    "bs": {
        "title": "Granična policija dobila termalne kamere od Evropske unije",
        "paragraphs": [
            "Granična policija dobila termalne kamere od Evropske unije",
            "Međunarodna organizacija za migracije predala je u utorak u Sarajevu četrdeset termalnih kamera "
            "Graničnoj policiji Bosne i Hercegovine, uz finansijsku podršku Evropske unije.",
            "Kamere će službenicima pomoći da pronađu osobe izgubljene u planinama blizu istočne granice "
            "tokom zimskih mjeseci, kada temperature padnu duboko ispod nule.",
            "Obuka za dvjesto službenika o upotrebi opreme održat će se u Tuzli i Bihaću tokom naredna tri "
            "mjeseca, a izvode je instruktori iz Holandije.",
            "Donacija je dio programa vrijednog dvanaest miliona eura koji podržava upravljanje migracijama "
            "i zaštitu ranjivih migranata širom Zapadnog Balkana.",
        ],
    },
    "mk": {
        "title": "Граничната полиција доби термални камери од Европската унија",
        "paragraphs": [
            "Граничната полиција доби термални камери од Европската унија",
            "Меѓународната организација за миграции во вторник во Скопје предаде четириесет термални камери "
            "на Граничната полиција, со финансиска поддршка од Европската унија.",
            "Камерите ќе им помогнат на службениците да пронајдат луѓе изгубени во планините близу до "
            "источната граница во текот на зимските месеци, кога температурите паѓаат многу под нулата.",
            "Обуката за двесте службеници за користење на опремата ќе се одржи во Куманово и Битола во "
            "следните три месеци, а ќе ја водат инструктори од Холандија.",
            "Донацијата е дел од програма вредна дванаесет милиони евра која го поддржува управувањето со "
            "миграциите и заштитата на ранливите мигранти на Западен Балкан.",
        ],
    },
}


def release_txt(language: str) -> str:
    """The release as a plain-text file body: one paragraph per line, blank lines between."""
    return "\n\n".join(RELEASES[language]["paragraphs"]) + "\n"  # type: ignore[arg-type]


class _Writer(FPDF):
    def __init__(self, header_text: str, footer: bool) -> None:
        super().__init__(format=(298, 420), unit="pt")  # A6: a short release spans several pages
        self.header_text = header_text
        self.with_footer = footer

    def header(self) -> None:
        if self.header_text:
            self.set_font("dejavu", size=8)
            self.cell(0, 12, self.header_text, new_x="LMARGIN", new_y="NEXT")
            self.ln(18)

    def footer(self) -> None:
        if self.with_footer:
            self.set_y(-34)
            self.set_font("dejavu", size=8)
            self.cell(0, 12, f"{self.page_no()}", align="C")


def write_pdf(
    path: Path,
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    created: dt.datetime | None = None,
    header: str = "IOM press release",
    footer: bool = True,
    font_size: float = 11,
    width: float = 218,
    gap: float = 10,
    user_password: str | None = None,
) -> list[list[str]]:
    """Write ``paragraphs`` as a real PDF; the lines written on each page, in order."""
    pdf = _Writer(header, footer)
    pdf.add_font("dejavu", fname=str(FONT))
    pdf.set_auto_page_break(True, margin=50)
    pdf.set_margins(40, 30, 40)
    if title:
        pdf.set_title(title)
    if created:
        pdf.set_creation_date(created)
    pages: list[list[str]] = []
    pdf.add_page()
    pdf.set_font("dejavu", size=font_size)
    line_height = font_size * 1.35
    for paragraph in paragraphs:
        for line in wrap(pdf, paragraph, width):
            pdf.cell(width, line_height, line, new_x="LMARGIN", new_y="NEXT")
            while len(pages) < pdf.page:
                pages.append([])
            pages[pdf.page - 1].append(line)
        pdf.ln(gap)
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-" + user_password, user_password=user_password)
    pdf.output(str(path))
    return pages


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy wrapping; a long alphabetic word at a line end is hyphenated when part of it fits."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if pdf.get_string_width(candidate) <= width:
            current = candidate
            continue
        head, tail = _hyphenate(pdf, current, word, width)
        if head:
            lines.append(f"{current} {head}-" if current else f"{head}-")
            current = tail
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _hyphenate(pdf: FPDF, current: str, word: str, width: float) -> tuple[str, str]:
    """(head, tail) of ``word`` with ``current + head-`` fitting the line, or ("", "")."""
    if not word.isalpha() or len(word) < 7 or not current:
        return "", ""
    for cut in range(len(word) - 3, 2, -1):
        if pdf.get_string_width(f"{current} {word[:cut]}-") <= width and word[cut].islower():
            return word[:cut], word[cut:]
    return "", ""


def write_docx(
    path: Path,
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    created: dt.datetime | None = None,
    header: str = "IOM press release",
    footer: str = "Page",
) -> None:
    """A real .docx: body paragraphs, a header and a footer on every page, a page break midway."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    section.footer.paragraphs[0].text = footer
    for number, paragraph in enumerate(paragraphs):
        document.add_paragraph(paragraph)
        if number == len(paragraphs) // 2:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if title is not None:
        document.core_properties.title = title
    if created is not None:
        document.core_properties.created = created
    document.save(str(path))
