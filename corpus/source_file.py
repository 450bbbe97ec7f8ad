"""One release file turned into metadata + raw body text (before cleaning)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from corpus.html_text import parse_html
from corpus.metadata import ReleaseMetadata, html_metadata, release_id_from_filename, split_front_matter
from corpus.reading import DEFAULT_MAX_BYTES, CorpusFileError, read_release_text

TEXT_SUFFIXES = frozenset({".txt"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES

_HEADING_MARKER = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)


@dataclass(frozen=True)
class SourceDocument:
    path: Path
    id: str
    metadata: ReleaseMetadata
    body: str


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceDocument:
    """Read, decode and split one release file; raises CorpusFileError."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusFileError(path, f"unsupported file type {suffix or '(none)'!r}")
    text = read_release_text(path, max_bytes=max_bytes)
    if suffix in HTML_SUFFIXES:
        document = parse_html(text)
        metadata, body = html_metadata(document.meta, document.title, path), document.text
    else:
        metadata, body = split_front_matter(text, path)
        if suffix in MARKDOWN_SUFFIXES:
            body = _HEADING_MARKER.sub("", body)
    if not body.strip():
        raise CorpusFileError(path, "no release text (the file has metadata only)")
    return SourceDocument(path=path, id=metadata.id or release_id_from_filename(path), metadata=metadata, body=body)
