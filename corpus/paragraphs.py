"""Split cleaned release text into paragraphs with exact character offsets.

A paragraph is a non-empty line, or several lines when they are one wrapped
sentence: a line break is a paragraph boundary unless the line before it
lacks sentence-final punctuation and the next line starts in lower case.
Blank lines always separate paragraphs. Spans exclude surrounding whitespace,
so ``text[start:end]`` is the paragraph exactly.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\n]+")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’“‘»«)\]]*$")


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the paragraphs of ``text``, in order."""
    spans: list[tuple[int, int]] = []
    previous_end = -1
    for match in _LINE.finditer(text):
        start, end = _trimmed(text, match.start(), match.end())
        if start == end:
            continue
        if spans and _continues(text, previous_end, start):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
        previous_end = end
    return spans


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _continues(text: str, previous_end: int, start: int) -> bool:
    """True when the line at ``start`` wraps the line ending at ``previous_end``."""
    gap = text[previous_end:start]
    if gap.count("\n") != 1:
        return False
    previous_line = text[text.rfind("\n", 0, previous_end) + 1 : previous_end]
    return not _SENTENCE_END.search(previous_line) and text[start].islower()
