"""Turn a PDF's positioned lines into release text: whole paragraphs, no running heads.

* **Running headers, footers and page numbers** go by recurrence, the idea of
  ``corpus.boilerplate``: a line near the top or bottom edge of a page whose
  normalised form (digits masked, so "Page 3 of 7" matches "Page 4 of 7") is near an
  edge of at least half the pages (and of two or more) is dropped; so is a bare page
  number ("3", "- 3 -", "Strana 3", "стр. 3", "Page 3 of 7") near an edge.
* **Paragraphs** end at a vertical gap clearly larger than the usual gap between
  lines, or after a short line ending a sentence; across a page break a paragraph
  continues unless the last line ended a sentence.
* **Line ends** inside a paragraph are joined: "migra-" + "tion" becomes "migration"
  (a hyphen before a lower-case letter is a hyphenation), "Bosna-" + "Hercegovina"
  keeps its hyphen, and other breaks become one space.

Paragraphs are separated by a blank line, one paragraph per line, so the result reads
like a release typed as ``.txt``. ``page_starts`` give the offset in the result
where each page's text begins (see ``corpus.pages``).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from corpus.boilerplate import normalise_line
from corpus.pdf_text import PdfLine, PdfPage

EDGE_BAND = 0.15  # share of the page height, at top and bottom, where running heads live
EDGE_LINES = 2  # lines from each edge that may be running heads
RECURRENCE_SHARE = 0.5
PARAGRAPH_GAP_FACTOR = 1.6
SHORT_LINE_SHARE = 0.85

_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*(?:(?:page|p\.|str\.|strana|stranica|стр\.|страна|страница)\s*)?\d{1,4}"
    r"(?:\s*(?:of|od|/|од)\s*\d{1,4})?[-–—\s]*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’“‘»«)\]]*$")
_HYPHENS = ("-", "\u00ad", "\u2010")


@dataclass(frozen=True)
class PdfBody:
    text: str
    page_starts: tuple[int, ...]  # offset in ``text`` where each page begins, page 1 first


def pdf_body(pages: tuple[PdfPage, ...]) -> PdfBody:
    """Release text and page starts for ``pages`` (see module docstring)."""
    kept = _drop_running_heads(pages)
    gap = _usual_gap(kept)
    paragraphs: list[list[tuple[int, PdfLine]]] = []
    previous: PdfLine | None = None
    previous_page = 0
    for page, lines in zip(pages, kept, strict=True):
        right = max((line.x1 for line in lines), default=page.width)
        left = min((line.x0 for line in lines), default=0.0)
        for line in lines:
            if previous is None or _starts_paragraph(previous, line, page.number != previous_page, gap, left, right):
                paragraphs.append([])
            paragraphs[-1].append((page.number, line))
            previous, previous_page = line, page.number
    return _join(paragraphs, len(pages))


def _drop_running_heads(pages: tuple[PdfPage, ...]) -> list[list[PdfLine]]:
    def edges(page: PdfPage) -> list[PdfLine]:
        ordered = sorted(page.lines, key=lambda line: line.top)
        top = [line for line in ordered[:EDGE_LINES] if line.bottom <= page.height * EDGE_BAND]
        bottom = [line for line in ordered[-EDGE_LINES:] if line.top >= page.height * (1 - EDGE_BAND)]
        return top + [line for line in bottom if line not in top]

    page_edges = [edges(page) for page in pages]
    seen = Counter(key for lines in page_edges for key in {_edge_key(line.text) for line in lines})
    needed = max(2, RECURRENCE_SHARE * len(pages))
    kept: list[list[PdfLine]] = []
    for page, edge_lines in zip(pages, page_edges, strict=True):
        running = {
            id(line)
            for line in edge_lines
            if _PAGE_NUMBER.match(line.text) or (len(pages) >= 2 and seen[_edge_key(line.text)] >= needed)
        }
        kept.append(sorted((line for line in page.lines if id(line) not in running), key=lambda line: line.top))
    return kept


def _edge_key(text: str) -> str:
    return _DIGITS.sub("#", normalise_line(text))


def _usual_gap(pages: list[list[PdfLine]]) -> float:
    """Median vertical gap between consecutive lines of a page (0 when there are none)."""
    gaps = [
        following.top - line.bottom
        for lines in pages
        for line, following in zip(lines, lines[1:], strict=False)
        if following.top >= line.bottom
    ]
    return statistics.median(gaps) if gaps else 0.0


def _starts_paragraph(
    previous: PdfLine, line: PdfLine, new_page: bool, gap: float, left: float, right: float
) -> bool:
    ended = bool(_SENTENCE_END.search(previous.text))
    if new_page:
        return ended
    if line.top - previous.bottom > max(gap * PARAGRAPH_GAP_FACTOR, gap + 2.0):
        return True
    short = previous.x1 < left + (right - left) * SHORT_LINE_SHARE
    return ended and short


def _join(paragraphs: list[list[tuple[int, PdfLine]]], page_count: int) -> PdfBody:
    parts: list[str] = []
    length = 0
    first_offset: dict[int, int] = {}
    for paragraph in paragraphs:
        if parts:
            parts.append("\n\n")
            length += 2
        previous = ""
        for page, line in paragraph:
            text = " ".join(line.text.split())
            if previous:
                if previous.endswith(_HYPHENS) and len(previous) > 1 and previous[-2].isalpha() and text[:1].islower():
                    parts[-1] = parts[-1][:-1]  # a hyphenated word: drop the hyphen, join the halves
                    length -= 1
                elif not previous.endswith(_HYPHENS):
                    parts.append(" ")
                    length += 1
            first_offset.setdefault(page, length)
            parts.append(text)
            length += len(text)
            previous = text
    starts: list[int] = [0] * page_count
    following = length
    for number in range(page_count, 0, -1):
        following = first_offset.get(number, following)
        starts[number - 1] = following
    starts[0] = 0
    return PdfBody("".join(parts), tuple(starts))
