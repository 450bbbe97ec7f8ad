from __future__ import annotations

from pathlib import Path

import pytest

from corpus.reading import CorpusFileError
from corpus.source_file import read_source


def test_markdown_heading_markers_removed(tmp_path: Path) -> None:
    path = tmp_path / "Izvještaj o radu.md"
    path.write_text(
        "---\ntitle: Naslov\n---\n# Naslov\n\nTekst sa #hashtag i ## unutra.\n  ## Podnaslov\n", encoding="utf-8"
    )
    source = read_source(path)
    assert source.id == "Izvjestaj-o-radu"
    assert source.metadata.title == "Naslov"
    assert source.body.strip().split("\n") == ["Naslov", "", "Tekst sa #hashtag i ## unutra.", "Podnaslov"]


def test_plain_text_keeps_hash_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("# not a heading in plain text\nBody.", encoding="utf-8")
    assert read_source(path).body.startswith("# not a heading")


def test_html_metadata_and_text(tmp_path: Path) -> None:
    path = tmp_path / "page.HTM"
    path.write_text(
        '<html><head><title>T</title><meta name="release-id" content="x-1"><meta name="languages" content="mk"></head>'
        "<body><p>Текст.</p></body></html>",
        encoding="utf-8",
    )
    source = read_source(path)
    assert (source.id, source.metadata.title, source.metadata.languages, source.body) == ("x-1", "T", ("mk",), "Текст.")


def test_metadata_only_file(tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    path.write_text("---\nid: r\n---\n\n", encoding="utf-8")
    with pytest.raises(CorpusFileError, match="no release text"):
        read_source(path)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "r.odt"
    path.write_bytes(b"PK")
    with pytest.raises(CorpusFileError, match=r"unsupported file type '\.odt'"):
        read_source(path)
