"""Read a release file's bytes and decode them to text.

Accepted: UTF-8 (with or without BOM), UTF-16/UTF-32 with BOM, and the
single-byte code pages used in the region (Windows-1250, ISO-8859-2,
Windows-1251, Windows-1252). A file that is mostly valid UTF-8 but holds a few
invalid bytes (damaged or cut off) is refused rather than read as a code page.
When UTF-8 fails otherwise, every one of those code pages
is scored on how much of the decoded text uses the region's alphabets and the
best one wins (Windows-1250 on ties). Only when none is plausible does
charset-normalizer get to guess among a few more legacy code pages (its
guess must pass the same plausibility test). Anything else is refused with
a :class:`CorpusFileError` naming why.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from pathlib import Path

import charset_normalizer

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Tried in this order; earlier code pages win ties.
REGIONAL_ENCODINGS = ("cp1250", "iso8859_2", "cp1251", "cp1252")
# What charset-normalizer may choose from when none of the above fits.
FALLBACK_ENCODINGS = (*REGIONAL_ENCODINGS, "iso8859_5", "iso8859_16")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SOUTH_SLAVIC_LATIN = frozenset("čćđšžČĆĐŠŽ")
# Unicode category Cc minus tab, line feed, vertical tab, form feed, carriage return.
_STRAY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MIN_PLAUSIBILITY = 0.6
_MAX_CONTROL_SHARE = 0.01
_SCORED_SAMPLE = 200_000
# Valid multi-byte UTF-8 sequences per invalid byte above which a file counts as damaged UTF-8.
_UTF8_MAJORITY = 3


class CorpusFileError(Exception):
    """A release file that cannot be used, with a human-readable reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def check_size(path: Path, max_bytes: int) -> int:
    """``path``'s size in bytes; raises CorpusFileError when it cannot be read or exceeds ``max_bytes``."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise CorpusFileError(path, f"cannot read file ({error.strerror or error})") from error
    if size > max_bytes:
        raise CorpusFileError(path, f"file too large ({size:,} bytes, limit {max_bytes:,} bytes)")
    return size


def read_release_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The decoded text of ``path``; raises CorpusFileError when unusable."""
    check_size(path, max_bytes)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CorpusFileError(path, f"cannot read file ({error.strerror or error})") from error
    return decode_text(data, path)


def decode_text(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decode ``data`` (see module docstring); line endings become ``\\n``."""
    text = _decode(data, path)
    if not text.strip():
        raise CorpusFileError(path, "empty file")
    share = _control_share(text)
    if share > _MAX_CONTROL_SHARE:
        raise CorpusFileError(path, f"binary content ({share:.0%} control characters)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _STRAY_CONTROL.sub("", text)


def _decode(data: bytes, path: Path | str) -> str:
    if not data:
        raise CorpusFileError(path, "empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise CorpusFileError(path, f"not valid {encoding} despite its byte order mark") from error
    if b"\x00" in data:
        raise CorpusFileError(path, "binary content (NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if _mostly_utf8(data):
            raise CorpusFileError(path, _damaged_utf8_reason(data, error)) from error
    best = _best_legacy_decoding(data)
    if best is None:
        raise CorpusFileError(path, "not valid text in any supported encoding")
    return best


def _mostly_utf8(data: bytes) -> bool:
    """True when valid multi-byte UTF-8 sequences clearly outnumber the invalid bytes.

    A legacy code page file almost never holds a valid multi-byte sequence (its
    non-ASCII letters are single bytes between ASCII ones), so such sequences
    mean the file was written as UTF-8 and then damaged (a bad byte, a cut).
    """
    decoded = data.decode("utf-8", "replace")
    genuine_replacements = data.count("\ufffd".encode())  # U+FFFD written in the file itself
    invalid = decoded.count("\ufffd") - genuine_replacements
    valid_multibyte = sum(1 for char in decoded if not char.isascii()) - invalid
    return valid_multibyte > 0 and valid_multibyte >= _UTF8_MAJORITY * invalid


def _damaged_utf8_reason(data: bytes, error: UnicodeDecodeError) -> str:
    byte = data[error.start]
    return (
        f"not valid UTF-8: byte 0x{byte:02x} at offset {error.start} ({error.reason}) "
        "in a file that is otherwise UTF-8; repair or re-save it as UTF-8"
    )


def _best_legacy_decoding(data: bytes) -> str | None:
    scored: list[tuple[float, int, str]] = []
    for rank, encoding in enumerate(REGIONAL_ENCODINGS):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        scored.append((plausibility(text), -rank, text))
    scored = [entry for entry in scored if entry[0] >= _MIN_PLAUSIBILITY]
    if scored:
        return max(scored)[2]
    guess = charset_normalizer.from_bytes(data, cp_isolation=list(FALLBACK_ENCODINGS)).best()
    if guess is not None and plausibility(str(guess)) >= _MIN_PLAUSIBILITY:
        return str(guess)
    return None


def plausibility(text: str) -> float:
    """Share of letters from the region's alphabets, minus penalties.

    ASCII, South Slavic Latin and basic Cyrillic letters count +1, other
    letters -1; letters of a word that mixes Latin and Cyrillic or turns
    from lower to upper case inside (``рТЙЧЕФ``) -1 more, and a non-ASCII
    symbol glued to letters (``©ta`` for ``Šta``) -1. The sum is divided by
    the number of letters. Any C0/C1 control character makes the decoding
    implausible (-1.0).
    """
    sample = text[:_SCORED_SAMPLE]
    if _control_share(sample) > 0.0:
        return -1.0
    letters = 0
    score = 0
    for word in sample.split():
        word_letters = [char for char in word if char.isalpha()]
        mixed = _is_mixed_script(word_letters) or _has_inner_capital(word_letters)
        for char in word_letters:
            letters += 1
            score += 1 if _is_regional_letter(char) else -1
            if mixed:
                score -= 1
        if word_letters:
            score -= sum(1 for char in word if not char.isascii() and unicodedata.category(char)[0] == "S")
    return score / letters if letters else 0.0


def _is_regional_letter(char: str) -> bool:
    return (char.isascii() and char.isalpha()) or char in _SOUTH_SLAVIC_LATIN or "\u0400" <= char <= "\u045f"


def _is_mixed_script(letters: list[str]) -> bool:
    has_cyrillic = any("\u0400" <= char <= "\u04ff" for char in letters)
    has_latin = any(char.isascii() or char in _SOUTH_SLAVIC_LATIN for char in letters)
    return has_cyrillic and has_latin


def _has_inner_capital(letters: list[str]) -> bool:
    return any(first.islower() and second.isupper() for first, second in itertools.pairwise(letters))


def _control_share(text: str) -> float:
    return len(_STRAY_CONTROL.findall(text)) / len(text) if text else 0.0
