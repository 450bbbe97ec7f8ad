"""Release metadata: YAML front matter (.txt/.md) or HTML ``<meta>`` fields.

Keys: ``id``, ``title``, ``date`` (ISO yyyy-mm-dd), ``source`` and
``languages`` (tags: en, bs, hr, sr, sr-Latn, sr-Cyrl, mk, cnr). Unknown keys
(e.g. ``date_note``) are allowed and ignored. Malformed values raise
:class:`CorpusFileError` with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cyrtranslit
import yaml
from frontmatter.default_handlers import YAMLHandler

from corpus.reading import CorpusFileError

LANGUAGE_TAGS = ("en", "bs", "hr", "sr", "sr-Latn", "sr-Cyrl", "mk", "cnr")
MAX_ID_LENGTH = 128

_CANONICAL_TAGS = {tag.lower(): tag for tag in LANGUAGE_TAGS}
_VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_INVALID_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HTML_KEYS = {
    "release-id": "id",
    "id": "id",
    "title": "title",
    "date": "date",
    "release-date": "date",
    "source": "source",
    "languages": "languages",
    "language": "languages",
}


class _DatesAsTextLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date gets a specific reason."""


_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class ReleaseMetadata:
    """Metadata as declared in the file; ``None`` / empty when absent."""

    id: str | None = None
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    languages: tuple[str, ...] = ()


def split_front_matter(text: str, path: Path | str) -> tuple[ReleaseMetadata, str]:
    """Metadata from a leading ``---`` YAML block and the body after it."""
    handler = YAMLHandler()
    if not handler.detect(text):
        return ReleaseMetadata(), text
    try:
        block, body = handler.split(text)
        fields = yaml.load(block, Loader=_DatesAsTextLoader)  # a SafeLoader subclass
    except (yaml.YAMLError, ValueError) as error:
        raise CorpusFileError(path, f"malformed front matter ({_first_line(error)})") from error
    if fields is None:
        fields = {}
    if not isinstance(fields, Mapping):
        raise CorpusFileError(path, "malformed front matter (expected key: value pairs)")
    return metadata_from_fields(fields, path), body


def html_metadata(meta: Mapping[str, str], title: str | None, path: Path | str) -> ReleaseMetadata:
    """Metadata from ``<meta name=... content=...>`` fields and ``<title>``."""
    fields: dict[str, object] = {}
    for name, content in meta.items():
        key = _HTML_KEYS.get(name.strip().lower())
        if key and key not in fields and content.strip():
            fields[key] = content.strip()
    if "title" not in fields and title and title.strip():
        fields["title"] = title.strip()
    return metadata_from_fields(fields, path)


def metadata_from_fields(fields: Mapping[str, object], path: Path | str) -> ReleaseMetadata:
    """Validate raw key/value pairs into :class:`ReleaseMetadata`."""
    release_id = _optional_text(fields.get("id"), "id", path)
    if release_id is not None:
        validate_release_id(release_id, path)
    return ReleaseMetadata(
        id=release_id,
        title=_optional_text(fields.get("title"), "title", path),
        date=parse_date(fields.get("date"), path),
        source=_optional_text(fields.get("source"), "source", path),
        languages=parse_languages(fields.get("languages"), path),
    )


def validate_release_id(release_id: str, path: Path | str) -> str:
    """``release_id`` itself when it is a safe id, else CorpusFileError."""
    if "/" in release_id or "\\" in release_id or ".." in release_id:
        raise CorpusFileError(path, f"invalid release id {release_id!r} (no '/', '\\\\' or '..' allowed)")
    if len(release_id) > MAX_ID_LENGTH or not _VALID_ID.fullmatch(release_id):
        raise CorpusFileError(
            path,
            f"invalid release id {release_id!r} (use letters, digits, '.', '_' or '-',"
            f" starting with a letter or digit, at most {MAX_ID_LENGTH} characters)",
        )
    return release_id


def release_id_from_filename(path: Path) -> str:
    """A safe id from the file name stem.

    Cyrillic is transliterated, diacritics are dropped (``Saopćenje`` ->
    ``Saopcenje``) and any other character becomes ``-``.
    """
    latin = cyrtranslit.to_latin(cyrtranslit.to_latin(path.stem, "mk"), "sr").replace("đ", "dj").replace("Đ", "Dj")
    ascii_stem = "".join(char for char in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(char))
    stem = _INVALID_ID_CHARS.sub("-", ascii_stem)
    stem = re.sub(r"\.{2,}", ".", stem).strip(".-_")[:MAX_ID_LENGTH]
    if not stem:
        raise CorpusFileError(path, "cannot derive a release id from the file name; add an 'id' in front matter")
    return stem


def parse_date(value: object, path: Path | str) -> dt.date | None:
    """An ISO date (YAML date, datetime or ``yyyy-mm-dd`` string); empty means unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as error:
            raise CorpusFileError(path, f"invalid date {value!r} ({error})") from error
    raise CorpusFileError(path, f"invalid date {value!r} (expected yyyy-mm-dd)")


def parse_languages(value: object, path: Path | str) -> tuple[str, ...]:
    """Language tags from a list or a comma/space separated string, canonical case."""
    if value is None:
        return ()
    if isinstance(value, str):
        raw = [part for part in re.split(r"[,\s]+", value) if part]
    elif isinstance(value, list):
        raw = [str(part).strip() for part in value]
    else:
        raise CorpusFileError(path, f"invalid languages {value!r} (expected a list of tags)")
    tags: list[str] = []
    for tag in raw:
        canonical = _CANONICAL_TAGS.get(tag.replace("_", "-").lower())
        if canonical is None:
            raise CorpusFileError(path, f"unknown language tag {tag!r} (expected one of {', '.join(LANGUAGE_TAGS)})")
        if canonical not in tags:
            tags.append(canonical)
    return tuple(tags)


def _optional_text(value: object, key: str, path: Path | str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    raise CorpusFileError(path, f"invalid {key} {value!r} (expected text)")


def _first_line(error: Exception) -> str:
    return " ".join(str(error).split("\n")[:2]).strip()


SIDECAR_SUFFIX = ".meta.yaml"
MAX_SIDECAR_BYTES = 64 * 1024
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")


def sidecar_path(path: Path) -> Path:
    """``NAME.meta.yaml`` beside ``NAME.pdf`` / ``NAME.docx``."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict[str, object]:
    """The key/value pairs of the document's sidecar (front matter keys), {} when there is none."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}
    try:
        if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
            raise CorpusFileError(path, f"metadata file {sidecar.name} is larger than {MAX_SIDECAR_BYTES:,} bytes")
        fields = yaml.load(sidecar.read_text(encoding="utf-8"), Loader=_DatesAsTextLoader)  # a SafeLoader subclass
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CorpusFileError(path, f"malformed metadata file {sidecar.name} ({_first_line(error)})") from error
    if fields is None:
        return {}
    if not isinstance(fields, Mapping):
        raise CorpusFileError(path, f"malformed metadata file {sidecar.name} (expected key: value pairs)")
    return dict(fields)


def document_metadata(properties: Mapping[str, object], path: Path) -> ReleaseMetadata:
    """Title and date from a PDF's or Word file's properties, overridden key by key by its sidecar.

    ``properties`` holds ``title`` and ``date`` (a date, or a PDF date string such as
    ``D:20230713120000``); empty values are ignored.
    """
    fields: dict[str, object] = {}
    title = properties.get("title")
    if isinstance(title, str) and title.strip():
        fields["title"] = title.strip()
    raw_date = properties.get("date")
    if isinstance(raw_date, dt.date):
        fields["date"] = raw_date
    elif isinstance(raw_date, str) and (match := _PDF_DATE.match(raw_date.strip())):
        try:
            fields["date"] = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass  # an impossible date in the properties is ignored, not fatal
    fields.update(read_sidecar(path))
    return metadata_from_fields(fields, path)
