"""Read a Word ``.docx`` release (python-docx): body paragraphs and document properties.

The archive is checked before anything is decompressed: it must be a zip, the
sizes its directory declares must stay under ``MAX_UNCOMPRESSED_BYTES`` in total
and under ``MAX_COMPRESSION_RATIO`` per large member (a zip bomb declares huge
sizes or ratios), and it must hold no macros (``vbaProject.bin`` or a
macro-enabled content type, as in a ``.docm`` renamed to ``.docx``). Python's
zipfile never inflates a member past its declared size, so a lying directory
fails as a damaged archive rather than filling memory.

Headers and footers live in their own parts and are not read, so running heads
never reach the text. Paragraph line breaks (Shift+Enter) become spaces, so
sentences are whole; table cells are read in order, one paragraph each.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from corpus.reading import CorpusFileError, check_size

MAX_DOCX_BYTES = 100 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_MEMBERS = 5000
_RATIO_CHECKED_ABOVE = 1024 * 1024
MACRO_SUFFIXES = frozenset({".docm", ".dotm"})


@dataclass(frozen=True)
class DocxContent:
    paragraphs: tuple[str, ...]
    properties: dict[str, object] = field(default_factory=dict)


def read_docx(path: Path, *, max_bytes: int = MAX_DOCX_BYTES) -> DocxContent:
    """Body paragraphs and core properties of ``path``; raises CorpusFileError with the reason."""
    if path.suffix.lower() in MACRO_SUFFIXES:
        raise CorpusFileError(path, "macro-enabled Word document (.docm) refused: save it as .docx without macros")
    check_size(path, max_bytes)
    check_archive(path)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        paragraphs = tuple(_paragraphs(document))
        core = document.core_properties
        properties = {"title": core.title or None, "created": core.created, "subject": core.subject or None}
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise CorpusFileError(path, f"damaged Word document that cannot be read ({_describe(error)})") from error
    except Exception as error:  # lxml and python-docx raise many kinds on malformed parts
        raise CorpusFileError(path, f"damaged Word document that cannot be read ({_describe(error)})") from error
    return DocxContent(paragraphs=paragraphs, properties=properties)


def check_archive(path: Path) -> None:
    """Refuse a damaged zip, a zip bomb or an archive with macros, reading only its directory."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if len(members) > MAX_MEMBERS:
                raise CorpusFileError(path, f"refused: the archive holds {len(members):,} files (limit {MAX_MEMBERS:,})")
            total = sum(member.file_size for member in members)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise CorpusFileError(
                    path,
                    f"refused as a possible zip bomb: it would unpack to {total:,} bytes "
                    f"(limit {MAX_UNCOMPRESSED_BYTES:,}); nothing was decompressed",
                )
            for member in members:
                ratio = member.file_size / max(1, member.compress_size)
                if member.file_size > _RATIO_CHECKED_ABOVE and ratio > MAX_COMPRESSION_RATIO:
                    raise CorpusFileError(
                        path,
                        f"refused as a possible zip bomb: {member.filename} is compressed {ratio:,.0f}:1 "
                        f"(limit {MAX_COMPRESSION_RATIO}:1); nothing was decompressed",
                    )
            if "word/document.xml" not in names and "[Content_Types].xml" not in names:
                raise CorpusFileError(path, "not a Word document (no word/document.xml in the archive)")
            if any(name.lower().endswith("vbaproject.bin") for name in names) or _macro_content_type(archive):
                raise CorpusFileError(
                    path, "macro-enabled Word document (holds VBA macros) refused: save it as .docx without macros"
                )
    except zipfile.BadZipFile as error:
        raise CorpusFileError(
            path, f"damaged or truncated Word document (not a valid zip archive: {error}); copy it again"
        ) from error
    except OSError as error:
        raise CorpusFileError(path, f"cannot read file ({error.strerror or error})") from error


def _macro_content_type(archive: zipfile.ZipFile) -> bool:
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return False
    if info.file_size > 1024 * 1024:
        return False
    return b"macroEnabled" in archive.read(info)


def _paragraphs(document: object) -> list[str]:
    from docx.table import Table

    found: list[str] = []
    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    found.extend(_clean(paragraph.text) for paragraph in cell.paragraphs)
        else:
            found.append(_clean(block.text))
    return [text for text in found if text]


def _clean(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def property_date(value: object) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value if isinstance(value, dt.date) else None


def _describe(error: BaseException) -> str:
    message = str(error).strip().split("\n")[0][:160]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
