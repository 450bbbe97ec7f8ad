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
HEADLINE_MAX_CHARS = 250
SENTENCE_ENDINGS = frozenset(".!?…:;")


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
        add_trimmed(text, start, match.end(), spans)
        start = match.end()
    add_trimmed(text, start, len(text), spans)
    return spans


def add_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append ``(start, end)`` to ``spans`` with surrounding whitespace trimmed, unless nothing is left."""
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
    headline: bool = False  # a title or heading line (see ``is_headline``)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk; ``start``/``end`` index the release text, like the chunk's."""

    id: int
    chunk_id: int
    start: int
    end: int
    text: str
    headline: bool = False
    view: bool = False  # the same sentence in another script (``index.sentence_views``), not a sentence of its own


def sentence_id(chunk_id: int, start: int, end: int) -> int:
    """A stable non-negative int64 id: the same sentence of the same chunk has it in every generation."""
    digest = hashlib.blake2b(f"{chunk_id}\0{start}\0{end}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & ID_MASK


def is_headline(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a title or heading: a whole line of its own, at most
    ``HEADLINE_MAX_CHARS`` long, that does not end like a sentence (no final . ! ? … : ;).

    Such a line names what the release is about, so it resembles every question about the
    release; the answer path prefers the body's sentences for highlights and quote scores.
    """
    line_start = start == 0 or text[start - 1] == "\n"
    line_end = end == len(text) or text[end] in "\r\n"
    return line_start and line_end and end - start <= HEADLINE_MAX_CHARS and text[end - 1] not in SENTENCE_ENDINGS


def chunk_sentences(chunk: Chunk, release_text: str | None = None) -> list[Sentence]:
    """The sentences of ``chunk`` (``split_sentences`` of its text), with release offsets and ids.

    Each chunk has its own sentences: a sentence in the overlap of two chunks belongs to
    both, under two ids (its vector is embedded once, thanks to the embedding cache).
    ``release_text`` (the text the chunk's offsets index) marks headlines; without it, a
    line is judged within the chunk.
    """
    text, offset = (release_text, 0) if release_text is not None else (chunk.text, chunk.start)
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
                headline=is_headline(text, absolute_start - offset, absolute_end - offset),
            )
        )
    return sentences
