"""Helpful / Not helpful ratings, one JSON line each, safe with concurrent writers.

Each record is written with a single ``os.write`` on an ``O_APPEND`` descriptor while
holding an exclusive ``fcntl.flock`` and then fsynced, so lines from different
processes never interleave or tear. A write that fails part-way (disk full) is cut
back off the file; a line torn by a crash is closed before the next record.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RATINGS = ("helpful", "not_helpful")
# Ratings carry staff questions: readable by their owner only on a shared machine.
PRIVATE_FILE = 0o600
PRIVATE_DIRECTORY = 0o700


class FeedbackError(ValueError):
    """A rating that cannot be recorded (unknown rating value)."""


@dataclass(frozen=True)
class FeedbackRecord:
    question: str
    rating: str
    chunk_ids: list[str]
    index_generation: str
    model_id: str
    previous_question: str | None = None
    status: str = ""
    # What was shown: per quote its release, citation fields, offsets and best highlighted sentence.
    quotes: list[dict] = field(default_factory=list)
    time: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))

    def __post_init__(self) -> None:
        if self.rating not in RATINGS:
            raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}, not {self.rating!r}")


def make_record(
    question: str,
    rating: str,
    chunk_ids: Sequence[str],
    index_generation: str,
    model_id: str,
    previous_question: str | None = None,
    status: str = "",
    quotes: Sequence[dict] = (),
) -> FeedbackRecord:
    return FeedbackRecord(
        question=question,
        rating=rating,
        chunk_ids=list(chunk_ids),
        index_generation=index_generation,
        model_id=model_id,
        previous_question=previous_question,
        status=status,
        quotes=list(quotes),
    )


def quote_records(answer: Any) -> list[dict]:
    """The quotes of an :class:`~assistant.answer.Answer` as a rating stores them."""
    records = []
    for quote in answer.quotes:
        best = max(quote.highlights, key=lambda span: span.score, default=None)
        highlight = quote.text[best.start - quote.start : best.end - quote.start] if best else ""
        records.append(
            {
                "release_id": quote.release_id,
                "title": quote.citation.title,
                "language_tag": quote.language_tag,
                "start": quote.start,
                "end": quote.end,
                "score": round(float(quote.score), 4),
                "highlight": highlight.strip(),
            }
        )
    return records


def append_feedback(path: Path, record: FeedbackRecord) -> None:
    """Append ``record`` as one JSON line to ``path`` (created with its folder if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY)
    line = (json.dumps(asdict(record), ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
    try:
        if stat.S_IMODE(os.fstat(descriptor).st_mode) != PRIVATE_FILE:
            os.fchmod(descriptor, PRIVATE_FILE)  # a log created by an older version or another tool
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            size = os.fstat(descriptor).st_size
            if size and not _ends_with_newline(path, size):
                # A previous writer died mid-line: start ours on a fresh line.
                line = b"\n" + line
            _write_all_or_nothing(descriptor, line, size)
            os.fsync(descriptor)
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _write_all_or_nothing(descriptor: int, data: bytes, size_before: int) -> None:
    """Write ``data`` fully (regular files take it in one write); on failure cut the file back."""
    try:
        written = os.write(descriptor, data)
        while written < len(data):
            written += os.write(descriptor, data[written:])
    except OSError:
        try:
            os.ftruncate(descriptor, size_before)  # e.g. disk full after half a record
        except OSError:
            pass
        raise


def read_feedback(path: Path) -> Iterator[dict]:
    """Records in ``path``; lines that are not JSON objects are skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield record


def _ends_with_newline(path: Path, size: int) -> bool:
    with path.open("rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) == b"\n"
