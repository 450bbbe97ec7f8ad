from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from corpus.reading import DEFAULT_MAX_BYTES, CorpusFileError, decode_text, plausibility, read_release_text

BOSNIAN = "Međunarodna organizacija za migracije: čaj, ćup, šuma, žaba, đak. ČĆŠŽĐ."
MACEDONIAN = "Меѓународната организација за миграции го организираше состанокот."


def write(tmp_path: Path, data: bytes, name: str = "release.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reason_for(path: Path, **kwargs: int) -> str:
    with pytest.raises(CorpusFileError) as caught:
        read_release_text(path, **kwargs)
    assert caught.value.path == str(path)
    return caught.value.reason


def test_utf8_with_and_without_bom(tmp_path: Path) -> None:
    assert read_release_text(write(tmp_path, BOSNIAN.encode("utf-8"))) == BOSNIAN
    assert read_release_text(write(tmp_path, codecs.BOM_UTF8 + BOSNIAN.encode("utf-8"))) == BOSNIAN


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(tmp_path: Path, encoding: str) -> None:
    bom = {"utf-16": b"", "utf-16-be": codecs.BOM_UTF16_BE, "utf-32": b""}[encoding]
    path = write(tmp_path, bom + (MACEDONIAN + "\n" + BOSNIAN).encode(encoding))
    assert read_release_text(path) == MACEDONIAN + "\n" + BOSNIAN


@pytest.mark.parametrize("encoding", ["cp1250", "iso8859_2"])
def test_central_european_code_pages(tmp_path: Path, encoding: str) -> None:
    assert read_release_text(write(tmp_path, BOSNIAN.encode(encoding))) == BOSNIAN


def test_short_iso8859_2_text_is_not_taken_for_cp1250() -> None:
    # Š and Ž are 0xA9/0xAE in ISO-8859-2, which Windows-1250 reads as © and ®.
    assert decode_text("Šta je to? Žena.".encode("iso8859_2")) == "Šta je to? Žena."


def test_windows_1251_cyrillic() -> None:
    assert decode_text(MACEDONIAN.encode("cp1251")) == MACEDONIAN


def test_line_endings_normalised() -> None:
    assert decode_text(b"one\r\ntwo\rthree\n") == "one\ntwo\nthree\n"


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n", codecs.BOM_UTF8])
def test_empty_files(tmp_path: Path, data: bytes) -> None:
    assert reason_for(write(tmp_path, data)) == "empty file"


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    assert reason_for(write(tmp_path, b"PK\x03\x04\x00\x00text")) == "binary content (NUL bytes)"


def test_control_characters_are_binary(tmp_path: Path) -> None:
    data = bytes(range(1, 32)) * 10 + b"some words"
    assert reason_for(write(tmp_path, data)).startswith("binary content (")


def test_a_rare_stray_control_character_is_dropped() -> None:
    text = "a" * 500 + "\x1b" + "b" * 500
    assert decode_text(text.encode("utf-8")) == "a" * 500 + "b" * 500


def test_bytes_no_supported_code_page_reads(tmp_path: Path) -> None:
    # 0x81 0x83 0x88 0x90 0x98 are undefined in Windows-1250/1252 and C1 controls in ISO-8859-2.
    path = write(tmp_path, b"abc \x81\x83\x88\x90\x98 " * 40)
    assert reason_for(path) == "not valid text in any supported encoding"


def test_size_limit_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: nothing is written
    assert reason_for(path) == "file too large (20,971,521 bytes, limit 20,971,520 bytes)"
    small = write(tmp_path, b"x" * 2048, "small.txt")
    assert reason_for(small, max_bytes=1024) == "file too large (2,048 bytes, limit 1,024 bytes)"
    assert read_release_text(small, max_bytes=2048) == "x" * 2048


def test_missing_file(tmp_path: Path) -> None:
    assert reason_for(tmp_path / "absent.txt").startswith("cannot read file")


def test_plausibility_prefers_regional_letters() -> None:
    assert plausibility(BOSNIAN) == 1.0
    assert plausibility(BOSNIAN.encode("cp1250").decode("cp1252")) < plausibility(BOSNIAN)
    assert plausibility("abc\x85def") == -1.0


def test_one_bad_byte_in_a_utf8_file_is_refused_with_its_offset(tmp_path: Path) -> None:
    good = (BOSNIAN + "\n" + MACEDONIAN).encode("utf-8")
    offset = good.index(b"\n") + 1
    path = write(tmp_path, good[:offset] + b"\xff" + good[offset:])
    assert reason_for(path) == (
        f"not valid UTF-8: byte 0xff at offset {offset} (invalid start byte) "
        "in a file that is otherwise UTF-8; repair or re-save it as UTF-8"
    )


def test_a_utf8_file_cut_inside_a_character_is_refused(tmp_path: Path) -> None:
    data = BOSNIAN.encode("utf-8") + "ž".encode("utf-8")[:1]
    path = write(tmp_path, data)
    assert reason_for(path) == (
        f"not valid UTF-8: byte 0xc5 at offset {len(data) - 1} (unexpected end of data) "
        "in a file that is otherwise UTF-8; repair or re-save it as UTF-8"
    )


def test_legacy_text_with_a_few_accidental_utf8_sequences_still_decodes() -> None:
    # In Windows-1251 "ЕЂ" (C5 80) and "ИЈ" (C8 A3) happen to be valid two-byte UTF-8 sequences.
    text = "МЕЂУНАРОДНА ОРГАНИЗАЦИЈА ЗА МИГРАЦИЈЕ одржала је састанак у Будви."
    data = text.encode("cp1251")
    assert b"\xc5\x80" in data and b"\xc8\xa3" in data
    assert decode_text(data) == text


def test_a_legacy_file_without_any_utf8_sequence_still_decodes() -> None:
    assert decode_text("Sastanak šefova u Budvi.".encode("cp1250")) == "Sastanak šefova u Budvi."
