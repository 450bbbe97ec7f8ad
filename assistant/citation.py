"""The one citation format: what the chat shows under a quote and what "copy citation" copies.

A citation is the fields of :class:`~assistant.answer.Citation` in a fixed order, joined
by `` · ``::

    Title · 2022-06-16 · Macedonian · https://example.org/release · characters 1204–1530 · pp. 2–3

title, date (ISO, or "undated"), language, source URL or file name, character range in the
release's cleaned text, then the page or pages when the release has pages (PDF). The words
("characters", "undated", "p."/"pp.", language names) follow the interface language; the
order, the separators and the numbers never change. A copied quote is the quote in quotation
marks on one line and its citation on the next.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer import Answer, Citation, Quote
from assistant.messages import language_label, ui_text

SEPARATOR = " · "
PageRange = tuple[int, int]
# Opening and closing quotation marks per interface language.
QUOTATION_MARKS = {"en": ("“", "”"), "sh": ("„", "“"), "sr-Cyrl": ("„", "“"), "mk": ("„", "“")}


def pages_text(pages: PageRange | None, ui: str = "en") -> str:
    """``p. 2`` for one page, ``pp. 2–3`` for a range, "" when the release has no pages."""
    if pages is None:
        return ""
    first, last = pages
    if first == last:
        return ui_text("page", ui, page=first)
    return ui_text("pages", ui, first=first, last=last)


def citation_parts(citation: Citation, pages: PageRange | None = None, ui: str = "en") -> list[str]:
    """The citation's fields in their fixed order, as plain (unescaped) text; ``pages`` defaults to the
    citation's own (set for releases read from a PDF)."""
    pages = pages if pages is not None else citation.pages
    parts = [
        citation.title,
        citation.date or ui_text("undated", ui),
        language_label(citation.language, ui),
        citation.link or citation.source,
        ui_text("characters", ui, start=citation.start, end=citation.end),
    ]
    page = pages_text(pages, ui)
    return parts + [page] if page else parts


def format_citation(citation: Citation, pages: PageRange | None = None, ui: str = "en") -> str:
    """The citation as one line of plain text."""
    return SEPARATOR.join(citation_parts(citation, pages, ui))


def quote_with_citation(quote: Quote, pages: PageRange | None = None, ui: str = "en") -> str:
    """What "copy citation" copies: the quote in quotation marks, then its citation."""
    opening, closing = QUOTATION_MARKS.get(ui, QUOTATION_MARKS["en"])
    text = " ".join(quote.text.split())
    return f"{opening}{text}{closing}\n{format_citation(quote.citation, pages, ui)}"


def answer_with_citations(answer: Answer, ui: str = "en", pages: Sequence[PageRange | None] = ()) -> str:
    """What "copy all" copies: the question, then every quote with its citation."""
    pages = list(pages) + [None] * (len(answer.quotes) - len(pages))
    blocks = [f"{ui_text('question_label', ui)}: {answer.question}"]
    blocks += [quote_with_citation(quote, page, ui) for quote, page in zip(answer.quotes, pages)]
    return "\n\n".join(blocks)
