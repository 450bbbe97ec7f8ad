"""Split a release into passages for embedding, one language segment at a time.

Consecutive paragraphs with the same language and script form a segment;
a chunk never crosses a segment boundary, so every chunk has one language.
A short segment (a title line in another language) therefore stays a chunk of
its own: merging it with the next segment of its language would swallow the
text in between. Offsets index into ``release.text`` and
``release.text[start:end] == text``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from corpus.release import Paragraph, Release

ID_MASK = (1 << 63) - 1
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class ChunkingParams:
    """How releases are cut; recorded in the index manifest (a change forces a rebuild).

    1,200 characters is at most about 180 words (median 140 on the seed releases),
    far below the model's 2048-token window: one or two press-release paragraphs,
    a passage still short enough to quote. Chosen on the golden set's Answer@1 with
    sentence vectors doing the matching (``python -m experiments.sentence_weight
    --golden --chunk-size N``, 2026-12-02): 600 → .773, 900 → .841, 1,000 → .886,
    1,200 → .909, 1,500 → .932; 1,500 (up to 230 words) reads as a page, not a quote.
    """

    chunk_size: int = 1200
    chunk_overlap: int = 200
    separators: tuple[str, ...] = ("\n\n", "\n", ". ", " ")

    def __post_init__(self) -> None:
        if self.chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, got {self.chunk_size}")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ValueError(f"chunk_overlap must be in [0, chunk_size), got {self.chunk_overlap}")

    def to_dict(self) -> dict:
        return {**asdict(self), "separators": list(self.separators)}

    @classmethod
    def from_dict(cls, data: dict) -> ChunkingParams:
        return cls(
            chunk_size=int(data["chunk_size"]),
            chunk_overlap=int(data["chunk_overlap"]),
            separators=tuple(data["separators"]),
        )


@dataclass(frozen=True)
class Chunk:
    id: int
    release_id: str
    ordinal: int
    start: int
    end: int
    text: str
    language: str
    script: str


@dataclass(frozen=True)
class Segment:
    """A run of consecutive paragraphs in one language and script."""

    start: int
    end: int
    language: str
    script: str


class ChunkingError(RuntimeError):
    """A release could not be chunked consistently with its text."""


def chunk_id(release_id: str, start: int, end: int, text: str) -> int:
    """A stable non-negative int64 id from the chunk's identity."""
    digest = hashlib.blake2b(f"{release_id}\0{start}\0{end}\0{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & ID_MASK


def language_segments(paragraphs: tuple[Paragraph, ...] | list[Paragraph]) -> list[Segment]:
    """Merge consecutive paragraphs of the same language and script (in text order)."""
    segments: list[Segment] = []
    for paragraph in sorted(paragraphs, key=lambda p: p.start):
        if paragraph.end <= paragraph.start:
            continue
        last = segments[-1] if segments else None
        if last and (last.language, last.script) == (paragraph.language, paragraph.script):
            segments[-1] = Segment(last.start, max(last.end, paragraph.end), last.language, last.script)
        else:
            segments.append(Segment(paragraph.start, paragraph.end, paragraph.language, paragraph.script))
    return segments


def chunk_release(release: Release, params: ChunkingParams | None = None) -> list[Chunk]:
    """Chunks of every language segment, in text order, with stable ids."""
    params = params or ChunkingParams()
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=params.chunk_size,
        chunk_overlap=params.chunk_overlap,
        separators=list(params.separators),
        keep_separator="end",
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    for segment in language_segments(release.paragraphs):
        for start, end in _segment_spans(release.text, segment, splitter):
            text = release.text[start:end]
            if not _WORD.search(text):  # punctuation-only leftovers ("-", "***") carry nothing to find
                continue
            chunks.append(
                Chunk(
                    id=chunk_id(release.id, start, end, text),
                    release_id=release.id,
                    ordinal=len(chunks),
                    start=start,
                    end=end,
                    text=text,
                    language=segment.language,
                    script=segment.script,
                )
            )
    return chunks


def _segment_spans(text: str, segment: Segment, splitter: RecursiveCharacterTextSplitter) -> Iterator[tuple[int, int]]:
    """(start, end) offsets in ``text`` of the splitter's pieces of one segment."""
    segment_text = text[segment.start : segment.end]
    cursor = 0
    for piece in splitter.split_text(segment_text):
        found = segment_text.find(piece, cursor)
        if found < 0:  # cannot happen with kept separators; search the whole segment to be safe
            found = segment_text.find(piece)
        if found < 0:
            raise ChunkingError(f"splitter produced text not present in segment {segment.start}-{segment.end}")
        start, end = _strip_span(segment_text, found, found + len(piece))
        if start < end:
            yield segment.start + start, segment.start + end
        cursor = found + 1


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Move ``start``/``end`` inwards past whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
