"""Latin views of Serbian Cyrillic sentences.

Serbian is written in both scripts, and cyrtranslit converts Cyrillic to Latin letter by
letter without loss. The model matches Latin Serbian better than Cyrillic Serbian: on the
NTREX-128 test fold (articles 41-123, searched in the index of all 123), giving every
Serbian Cyrillic sentence a second vector, of its Latin transliteration, raised headline
MRR@10 into Serbian Cyrillic from .854 to .976 and passage R@10 from .925 to .985, with
Macedonian pairs .951 -> .960 (``python -m experiments.serbian_cyrillic --fold test
--whole-index``; README, Retrieval modes).

A view has the sentence's chunk, offsets and headline flag and its own id; the passage's
best sentence is the better of the two vectors, highlights show the sentence once, and
the same-story alignment reads only the sentences themselves.

Searching a Serbian Cyrillic question in Latin as well was measured too and is not used: it
lifted the NTREX pairs further but lowered the golden set (a Latin question prefers Latin
releases; README, Retrieval modes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import cyrtranslit

from index.chunking import ID_MASK, Chunk
from index.sentences import Sentence

VIEW_SCRIPTS = {("sr", "Cyrl"): "sr"}  # (language, script) of a chunk -> cyrtranslit's language code


def view_id(chunk_id: int, start: int, end: int) -> int:
    """A stable id for the Latin view of a sentence, never the sentence's own id."""
    digest = hashlib.blake2b(f"{chunk_id}\0{start}\0{end}\0latin".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & ID_MASK


def latin_views(chunk: Chunk, sentences: Sequence[Sentence]) -> list[Sentence]:
    """The Latin views of ``chunk``'s ``sentences`` when the chunk is Serbian Cyrillic; else none.

    A sentence whose transliteration is itself (digits, Latin names) gets no view.
    """
    code = VIEW_SCRIPTS.get((chunk.language, chunk.script))
    if code is None:
        return []
    views = []
    for sentence in sentences:
        latin = cyrtranslit.to_latin(sentence.text, code)
        if latin != sentence.text:
            views.append(
                Sentence(
                    id=view_id(sentence.chunk_id, sentence.start, sentence.end),
                    chunk_id=sentence.chunk_id,
                    start=sentence.start,
                    end=sentence.end,
                    text=latin,
                    headline=sentence.headline,
                    view=True,
                )
            )
    return views


def with_views(chunk: Chunk, sentences: Sequence[Sentence]) -> list[Sentence]:
    """``sentences`` followed by their Latin views (see :func:`latin_views`)."""
    return [*sentences, *latin_views(chunk, sentences)]

