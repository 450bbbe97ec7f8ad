from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from corpus.metadata import (
    ReleaseMetadata,
    html_metadata,
    parse_date,
    parse_languages,
    release_id_from_filename,
    split_front_matter,
    validate_release_id,
)
from corpus.reading import CorpusFileError

PATH = Path("corpus/r.md")


def front_matter_error(text: str) -> str:
    with pytest.raises(CorpusFileError) as caught:
        split_front_matter(text, PATH)
    return caught.value.reason


def test_front_matter_fields_and_body() -> None:
    text = (
        "---\nid: iom-1\ntitle: Naslov\ndate: 2022-06-15\nsource: https://example.org/r\n"
        "languages: [bs, sr-latn]\ndate_note: x\n---\nBody line\n"
    )
    metadata, body = split_front_matter(text, PATH)
    assert metadata == ReleaseMetadata(
        id="iom-1",
        title="Naslov",
        date=dt.date(2022, 6, 15),
        source="https://example.org/r",
        languages=("bs", "sr-Latn"),
    )
    assert body.strip() == "Body line"


def test_text_without_front_matter_is_all_body() -> None:
    text = "-\nWho We Are\nBody"
    assert split_front_matter(text, PATH) == (ReleaseMetadata(), text)


def test_empty_date_means_unknown() -> None:
    metadata, _ = split_front_matter("---\nid: a\ndate:\n---\nx", PATH)
    assert metadata.date is None


def test_bad_yaml_is_reported() -> None:
    assert front_matter_error("---\nid: [a\n---\nbody").startswith("malformed front matter (")


def test_front_matter_must_be_a_mapping() -> None:
    assert front_matter_error("---\n- a\n- b\n---\nbody") == "malformed front matter (expected key: value pairs)"


@pytest.mark.parametrize("value", ["15.06.2022", "2022-6-5", "June 2022", "2022-02-30"])
def test_bad_dates_are_reported(value: str) -> None:
    assert front_matter_error(f"---\ndate: '{value}'\n---\nbody").startswith(f"invalid date {value!r}")


def test_impossible_unquoted_date_is_reported() -> None:
    reason = front_matter_error("---\ndate: 2022-13-01\n---\nbody")
    assert reason == "invalid date '2022-13-01' (month must be in 1..12)"


def test_dates_from_yaml_types_and_strings() -> None:
    assert parse_date(dt.datetime(2023, 7, 13, 10, 0), PATH) == dt.date(2023, 7, 13)
    assert parse_date(" 2019-05-22 ", PATH) == dt.date(2019, 5, 22)
    assert parse_date("", PATH) is None


def test_languages_list_or_string() -> None:
    assert parse_languages("en, BS sr_cyrl", PATH) == ("en", "bs", "sr-Cyrl")
    assert parse_languages(["mk", "mk", "cnr"], PATH) == ("mk", "cnr")
    with pytest.raises(CorpusFileError, match="unknown language tag 'de'"):
        parse_languages(["en", "de"], PATH)
    with pytest.raises(CorpusFileError, match="expected a list of tags"):
        parse_languages({"en": 1}, PATH)


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "a\\b", "x..y", ".hidden", "", "a b", "č"])
def test_unsafe_ids_rejected(bad: str) -> None:
    with pytest.raises(CorpusFileError, match="invalid release id"):
        validate_release_id(bad, PATH)


def test_path_traversal_id_in_front_matter() -> None:
    assert front_matter_error("---\nid: ../../outside\n---\nbody").startswith("invalid release id '../../outside'")


def test_safe_ids_accepted() -> None:
    for good in ["000_83b26767b1992471", "iom-wb-000", "r.2022.v2"]:
        assert validate_release_id(good, PATH) == good


def test_ids_from_file_names_are_sanitised() -> None:
    assert release_id_from_filename(Path("My Release (final).txt")) == "My-Release-final"
    assert release_id_from_filename(Path("Saopćenje Đurđevdan.txt")) == "Saopcenje-Djurdjevdan"
    assert release_id_from_filename(Path("Соопштение ѓ.txt")) == "Soopstenie-g"
    assert release_id_from_filename(Path("Саопштење ђ.txt")) == "Saopstenje-dj"
    assert release_id_from_filename(Path("..evil..name.md")) == "evil.name"
    assert release_id_from_filename(Path("000_83b26767b1992471.txt")) == "000_83b26767b1992471"
    with pytest.raises(CorpusFileError, match="cannot derive a release id"):
        release_id_from_filename(Path("★☆.txt"))


def test_html_meta_fields_and_title() -> None:
    meta = {"release-id": "r-1", "date": "2023-07-13", "languages": "en,bs", "description": "ignored"}
    assert html_metadata(meta, " Page title ", PATH) == ReleaseMetadata(
        id="r-1", title="Page title", date=dt.date(2023, 7, 13), source=None, languages=("en", "bs")
    )
    assert html_metadata({"title": "Meta title"}, "Page title", PATH).title == "Meta title"
    with pytest.raises(CorpusFileError, match="invalid date"):
        html_metadata({"date": "13 July 2023"}, None, PATH)
