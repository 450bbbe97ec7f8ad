"""Split a passage into sentences with character offsets.

A sentence ends at a line break, or at ``.``/``!``/``?``/``…`` followed by space and
an upper-case letter, digit-free opening quote or bracket. A full stop right after a
number ("17. maja", "14. i 15. juna") or a single capital ("J. Smith") does not end
a sentence, which matters for dates written the regional way.
"""

from __future__ import annotations

import re

_BREAK = re.compile(r"[.!?…]+[\"'»”’)]*\s+(?=[\"'«„“(]?[^\W\d_])|\n+")
_ORDINAL_OR_INITIAL = re.compile(r"(?:\b\d{1,4}|\b[^\W\d_])[.]$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of the sentences of ``text``, whitespace trimmed, none empty."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BREAK.finditer(text):
        if match.group().strip() and not match.group().startswith("\n"):
            candidate = text[start : match.start() + 1]
            following = text[match.end() : match.end() + 1]
            if _ORDINAL_OR_INITIAL.search(candidate) or not following.isupper() and following.isalpha():
                continue
        _add_trimmed(text, start, match.end(), spans)
        start = match.end()
    _add_trimmed(text, start, len(text), spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
