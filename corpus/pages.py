"""Pages of a paginated release (a PDF): which page each character offset is on.

A release keeps ``page_starts``: the offset in ``Release.text`` where page 1, 2, …
begins (page 1 at 0). Pages that left no text (a blank page, a page of running
headers only) start where the next page starts, so numbering follows the file's
physical pages. An empty tuple means the release has no pages (.txt, .md, .html, .docx).

:func:`page_label` is the one way pages are written in citations: ``p. 2`` or ``pp. 2–3``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

PageRange = tuple[int, int]


def page_of(page_starts: Sequence[int], offset: int) -> int | None:
    """1-based page holding the character at ``offset``; None for a release without pages."""
    if not page_starts:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))


def page_range(page_starts: Sequence[int], start: int, end: int) -> PageRange | None:
    """(first, last) page of the span ``[start, end)``; None for a release without pages."""
    first = page_of(page_starts, start)
    if first is None:
        return None
    last = page_of(page_starts, max(start, end - 1))
    return first, last if last is not None else first


def page_label(pages: Sequence[int] | None) -> str:
    """``p. 2`` or ``pp. 2–3`` for a page range; "" when there is none."""
    if not pages:
        return ""
    first, last = pages[0], pages[-1]
    return f"p. {first}" if first == last else f"pp. {first}–{last}"


def page_breaks(page_starts: Sequence[int], length: int) -> list[tuple[int, int]]:
    """(offset, page) where each page after the first begins inside a text of ``length`` characters.

    Pages that left no text are skipped: the break shown is that of the page holding the text.
    """
    breaks: list[tuple[int, int]] = []
    for number, start in enumerate(page_starts, start=1):
        if number == 1 or start >= length:
            continue
        following = page_starts[number] if number < len(page_starts) else length
        if following > start:
            breaks.append((start, number))
    return breaks
