"""Read the text layer of a PDF, page by page, as positioned lines (pdfplumber).

pdfplumber (MIT, on pdfminer.six, MIT) was chosen over pypdf (BSD) and PyMuPDF
(AGPL-3.0: serving it to a network would oblige the whole assistant to AGPL terms).
On the project's Cyrillic test PDFs both pdfplumber and pypdf decode every letter,
but pypdf doubles the spaces of justified lines ("організација  за"), which would
break quotes, while pdfplumber gives single spaces and each line's position, used to
find paragraphs and running headers (``corpus.pdf_layout``).

Refused with a specific :class:`CorpusFileError` reason: not a PDF, truncated (no
end-of-file marker), encrypted with a password, more than ``MAX_PDF_PAGES`` pages,
no text layer (a scan: OCR is not supported), a text layer in a broken font
encoding (mojibake), and any file the parser cannot read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from corpus.reading import CorpusFileError, check_size, plausibility

MAX_PDF_PAGES = 1000
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
# Below this share of letters from the region's alphabets, a text layer is garbage.
MIN_TEXT_PLAUSIBILITY = 0.6
# pdfminer writes "(cid:123)" for a glyph its font cannot map to a character.
_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")
_PRIVATE_OR_REPLACEMENT = re.compile("[\ue000-\uf8ff\ufffd]")
_END_MARKER_WINDOW = 2048


@dataclass(frozen=True)
class PdfLine:
    text: str
    top: float
    bottom: float
    x0: float
    x1: float


@dataclass(frozen=True)
class PdfPage:
    number: int  # 1-based
    width: float
    height: float
    lines: tuple[PdfLine, ...]


@dataclass(frozen=True)
class PdfContent:
    pages: tuple[PdfPage, ...]
    metadata: dict[str, str] = field(default_factory=dict)


def read_pdf(path: Path, *, max_pages: int = MAX_PDF_PAGES, max_bytes: int = MAX_DOCUMENT_BYTES) -> PdfContent:
    """The lines of every page of ``path``; raises CorpusFileError with the reason it cannot be used."""
    data = _read_bytes(path, max_bytes)
    if b"%PDF-" not in data[:1024]:
        raise CorpusFileError(path, "not a PDF file (no %PDF header); is it another format renamed to .pdf?")
    if b"%%EOF" not in data[-_END_MARKER_WINDOW:]:
        raise CorpusFileError(
            path, "truncated or damaged PDF (no end-of-file marker): the file was cut off; copy it again"
        )
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdftypes import resolve1

    try:
        pdf = pdfplumber.open(path)
    except Exception as error:  # pdfplumber wraps pdfminer's errors; the cause names the problem
        cause = error.__cause__ or (error.args[0] if error.args and isinstance(error.args[0], Exception) else error)
        if isinstance(cause, PDFPasswordIncorrect) or isinstance(error, PDFPasswordIncorrect):
            raise CorpusFileError(
                path, "encrypted PDF (opening it needs a password): save an unprotected copy and add that"
            ) from error
        raise CorpusFileError(path, f"damaged PDF that cannot be parsed ({_describe(cause)})") from error
    try:
        try:
            count = int(resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"]))
        except Exception as error:
            raise CorpusFileError(path, f"damaged PDF: no readable page tree ({_describe(error)})") from error
        if count > max_pages:
            raise CorpusFileError(
                path,
                f"PDF has {count:,} pages, more than the limit of {max_pages:,}: "
                "split it into smaller files (e.g. one per release)",
            )
        try:
            pages = tuple(_page_lines(number, page) for number, page in enumerate(pdf.pages, start=1))
            metadata = {str(key): _meta_text(value) for key, value in (pdf.metadata or {}).items()}
        except Exception as error:
            raise CorpusFileError(path, f"damaged PDF that cannot be read ({_describe(error)})") from error
    finally:
        pdf.close()
    _check_text_layer(path, pages)
    return PdfContent(pages=pages, metadata=metadata)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    check_size(path, max_bytes)
    try:
        return path.read_bytes()
    except OSError as error:
        raise CorpusFileError(path, f"cannot read file ({error.strerror or error})") from error


def _page_lines(number: int, page: object) -> PdfPage:
    lines = tuple(
        PdfLine(str(line["text"]), float(line["top"]), float(line["bottom"]), float(line["x0"]), float(line["x1"]))
        for line in page.extract_text_lines(strip=True, return_chars=False)  # type: ignore[attr-defined]
        if str(line["text"]).strip()
    )
    return PdfPage(number, float(page.width), float(page.height), lines)  # type: ignore[attr-defined]


def _check_text_layer(path: Path, pages: tuple[PdfPage, ...]) -> None:
    text = "\n".join(line.text for page in pages for line in page.lines)
    if not any(char.isalnum() for char in text):
        raise CorpusFileError(
            path,
            f"no text layer in {len(pages)} page(s): the PDF holds only images (a scan?). "
            "OCR is not supported: add a PDF with selectable text, or a .txt/.docx version",
        )
    unmapped = len(_UNMAPPED_GLYPH.findall(text)) + len(_PRIVATE_OR_REPLACEMENT.findall(text))
    words = max(1, len(text.split()))
    score = plausibility(_UNMAPPED_GLYPH.sub(" ", text))
    if unmapped / words > 0.05 or score < MIN_TEXT_PLAUSIBILITY:
        sample = " ".join(text.split()[:6])[:60]
        raise CorpusFileError(
            path,
            f"the PDF's text layer is garbled (broken font encoding, e.g. {sample!r}); not indexed: "
            "export the PDF again with embedded Unicode fonts, or add a .txt/.docx version",
        )


def _meta_text(value: object) -> str:
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSLiteral

    value = resolve1(value)
    if isinstance(value, bytes):
        if value.startswith((b"\xfe\xff", b"\xff\xfe")):
            return value.decode("utf-16", "replace")
        return value.decode("latin-1")
    if isinstance(value, PSLiteral):
        return str(value.name)
    return str(value)


def _describe(error: BaseException) -> str:
    message = str(error).strip().split("\n")[0][:160]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
