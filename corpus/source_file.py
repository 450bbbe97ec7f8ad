"""One release file turned into metadata + raw body text (before cleaning).

PDF and Word files get their metadata from the document's properties and an optional
``NAME.meta.yaml`` sidecar; a PDF's body also carries where each page starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from corpus.html_text import parse_html
from corpus.metadata import (
    ReleaseMetadata,
    document_metadata,
    html_metadata,
    release_id_from_filename,
    split_front_matter,
)
from corpus.reading import DEFAULT_MAX_BYTES, CorpusFileError, read_release_text

TEXT_SUFFIXES = frozenset({".txt"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
WORD_SUFFIXES = frozenset({".docx"})
# Listed so that the build report names them with the reason they are refused.
REFUSED_SUFFIXES = frozenset({".docm", ".dotm"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | WORD_SUFFIXES
CORPUS_SUFFIXES = SUPPORTED_SUFFIXES | REFUSED_SUFFIXES

_HEADING_MARKER = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)


@dataclass(frozen=True)
class SourceDocument:
    path: Path
    id: str
    metadata: ReleaseMetadata
    body: str
    page_starts: tuple[int, ...] = ()  # offsets in ``body`` where each page begins (PDF only)


def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceDocument:
    """Read, decode and split one release file; raises CorpusFileError."""
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES or suffix in WORD_SUFFIXES or suffix in REFUSED_SUFFIXES:
        return _read_document(path)
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


def _read_document(path: Path) -> SourceDocument:
    """A PDF or Word release: its text, page starts and metadata."""
    page_starts: tuple[int, ...] = ()
    if path.suffix.lower() in PDF_SUFFIXES:
        from corpus.pdf_layout import pdf_body
        from corpus.pdf_text import read_pdf

        content = read_pdf(path)
        body = pdf_body(content.pages)
        text, page_starts = body.text, body.page_starts
        properties = {"title": content.metadata.get("Title"), "date": content.metadata.get("CreationDate")}
    else:
        from corpus.docx_text import property_date, read_docx

        document = read_docx(path)
        text = "\n\n".join(document.paragraphs)
        properties = {"title": document.properties.get("title"), "date": property_date(document.properties.get("created"))}
    if not text.strip():
        raise CorpusFileError(path, "no release text in the document")
    metadata = document_metadata(properties, path)
    release_id = metadata.id or release_id_from_filename(path)
    return SourceDocument(path=path, id=release_id, metadata=metadata, body=text, page_starts=page_starts)
