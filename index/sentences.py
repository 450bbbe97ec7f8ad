"""Split a passage into sentences with character offsets; the sentences of a chunk.

One splitter serves the whole system: the index embeds every chunk's sentences at
build time (``chunk_sentences``) and the assistant highlights the same sentences.

A sentence ends at a line break, or at ``.``/``!``/``?``/``…`` followed by space and
an upper-case letter, digit-free opening quote or bracket. A full stop right after a
number ("17. maja", "14. i 15. juna") or a single capital ("J. Smith") does not end
a sentence, which matters for dates written the regional way.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from index.chunking import ID_MASK, Chunk

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


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a hit with its cosine to the question; offsets index the release text."""

    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk; ``start``/``end`` index the release text, like the chunk's."""

    id: int
    chunk_id: int
    start: int
    end: int
    text: str


def sentence_id(chunk_id: int, start: int, end: int) -> int:
    """A stable non-negative int64 id: the same sentence of the same chunk has it in every generation."""
    digest = hashlib.blake2b(f"{chunk_id}\0{start}\0{end}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & ID_MASK


def chunk_sentences(chunk: Chunk) -> list[Sentence]:
    """The sentences of ``chunk`` (``split_sentences`` of its text), with release offsets and ids.

    Each chunk has its own sentences: a sentence in the overlap of two chunks belongs to
    both, under two ids (its vector is embedded once, thanks to the embedding cache).
    """
    sentences = []
    for start, end in split_sentences(chunk.text):
        absolute_start, absolute_end = chunk.start + start, chunk.start + end
        sentences.append(
            Sentence(
                id=sentence_id(chunk.id, absolute_start, absolute_end),
                chunk_id=chunk.id,
                start=absolute_start,
                end=absolute_end,
                text=chunk.text[start:end],
            )
        )
    return sentences
