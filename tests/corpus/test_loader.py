from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from corpus.loader import CorpusLoad, FileProblem, derived_title, load_corpus, load_release
from corpus.reading import DEFAULT_MAX_BYTES, CorpusFileError

SEED_IDS = [
    "000_83b26767b1992471",
    "001_2921fb23076379c6",
    "002_5af351b228acd468",
    "003_66eed8faacc8aaff",
    "004_f989c1507365e94f",
]
BOSNIAN_CP1250 = (
    "---\nid: cp1250-release\ntitle: Saopćenje o saradnji\n---\n"
    "Saopćenje o saradnji\nČlanovi delegacija su razgovarali o saradnji, sigurnosti granica i đačkim razmjenama.\n"
)


def test_shipped_corpus_loads_completely(shipped_load: CorpusLoad) -> None:
    assert shipped_load.problems == []
    assert [release.id for release in shipped_load.releases] == SEED_IDS


def test_shipped_titles_dates_and_sources(shipped_load: CorpusLoad) -> None:
    releases = {release.id: release for release in shipped_load.releases}
    assert releases["003_66eed8faacc8aaff"].title == (
        "European Union donates specialized equipment to the BiH Directorate for Coordination of Police Bodies"
    )
    assert releases["001_2921fb23076379c6"].title.startswith("ИОМ организираше состанок")
    assert {key: release.date for key, release in releases.items()} == {
        "000_83b26767b1992471": dt.date(2022, 6, 15),
        "001_2921fb23076379c6": None,
        "002_5af351b228acd468": dt.date(2022, 3, 24),
        "003_66eed8faacc8aaff": dt.date(2023, 7, 13),
        "004_f989c1507365e94f": dt.date(2019, 5, 22),
    }
    for key, release in releases.items():
        assert release.source == f"shared seed {key}.txt"
        first_line = release.text.split("\n", 1)[0]
        assert " ".join(first_line.split()) == release.title  # the seed may use a no-break space


def test_shipped_bodies_are_the_raw_seeds(shipped_dir: Path, seed_texts: dict[str, str]) -> None:
    for key, seed in seed_texts.items():
        assert (shipped_dir / f"{key}.txt").read_text(encoding="utf-8").endswith(seed)


def test_shipped_texts_are_cleaned(shipped_load: CorpusLoad) -> None:
    for release in shipped_load.releases:
        lines = release.text.split("\n")
        for noise in ("Who We Are", "About", "IOM Global", "- Take Action", "Treba da znate", "***", "News"):
            assert noise not in lines
        assert "WHO WE ARE" not in release.text


def test_paragraph_offsets_round_trip(shipped_load: CorpusLoad) -> None:
    for release in shipped_load.releases:
        assert release.paragraphs
        covered = "".join(release.paragraph_text(paragraph) for paragraph in release.paragraphs)
        assert "".join(covered.split()) == "".join(release.text.split())
        for paragraph in release.paragraphs:
            piece = release.text[paragraph.start : paragraph.end]
            assert piece
            assert piece == piece.strip()
            assert "\n\n" not in piece


def test_shipped_languages(shipped_load: CorpusLoad) -> None:
    languages = {release.id: set(release.languages) for release in shipped_load.releases}
    assert languages == {
        "000_83b26767b1992471": {"bs"},
        "001_2921fb23076379c6": {"mk"},
        "002_5af351b228acd468": {"bs"},
        "003_66eed8faacc8aaff": {"en", "bs"},
        "004_f989c1507365e94f": {"en", "bs"},
    }
    assert shipped_load.releases[4].declared_languages == ("bs", "en")
    release_003 = shipped_load.releases[3]
    assert release_003.languages[0] == "en"
    assert release_003.paragraph_text(release_003.paragraphs[-1]).startswith("Evropska unija donira")
    assert release_003.paragraphs[-1].language == "bs"


def test_single_release_uses_the_corpus_boilerplate(shipped_dir: Path, shipped_load: CorpusLoad) -> None:
    path = shipped_dir / "000_83b26767b1992471.txt"
    alone = load_release(path)
    with_context = load_release(path, shipped_load.boilerplate)
    assert "WHO WE ARE" in alone.text  # only the corpus shows this header is shared
    assert with_context.text == shipped_load.releases[0].text
    assert "WHO WE ARE" not in with_context.text


def test_load_release_raises_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ndate: yesterday\n---\nBody sentence.", encoding="utf-8")
    with pytest.raises(CorpusFileError) as caught:
        load_release(path)
    assert caught.value.reason == "invalid date 'yesterday' (expected yyyy-mm-dd)"


def test_missing_corpus_directory(tmp_path: Path) -> None:
    with pytest.raises(CorpusFileError, match="corpus directory not found"):
        load_corpus(tmp_path / "absent")


@pytest.fixture(scope="module")
def messy_load(tmp_path_factory: pytest.TempPathFactory, shipped_dir: Path) -> tuple[Path, CorpusLoad]:
    root = tmp_path_factory.mktemp("messy")
    for path in shipped_dir.glob("*.txt"):
        shutil.copy(path, root / path.name)
    files: dict[str, bytes] = {
        "empty.txt": b"",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "undecodable.txt": b"Naslov \x81\x83\x88\x90\x98\n" * 20,
        "utf16.txt": "\ufeffSastanak u Sarajevu o migracijama\nUčesnici su razgovarali o saradnji.\n".encode(
            "utf-16-le"
        ),
        "windows1250.md": BOSNIAN_CP1250.encode("cp1250"),
        "bad_front_matter.md": b"---\ntitle: [unclosed\n---\nBody sentence here.\n",
        "bad_date.md": b"---\ndate: 2022-02-30\n---\nBody sentence here.\n",
        "duplicate.md": b"---\nid: 000_83b26767b1992471\n---\nAnother release with a taken id.\n",
        "only_boilerplate.txt": "About\nNews\n- Take Action\n***\nПоследни објави\n".encode(),
        "traversal.md": b"---\nid: ../../etc/passwd\n---\nBody sentence here.\n",
        "deep.html": (
            "<div>" * 5000 + "<p>Duboko ugniježđen tekst saopćenja o migracijama.</p>" + "</div>" * 5000
        ).encode(),
        "scripted.html": (
            b"<html><head><title>Script release</title><script>steal()</script></head><body>"
            b"<iframe src='https://example.org'>embedded frame</iframe><p>The visible sentence of the release.</p>"
            b"<script>var injected = true;</script></body></html>"
        ),
        "notes.pdf": b"%PDF-1.4",
        "image.png": b"\x89PNG",
        ".hidden/secret.txt": b"Hidden release text that must not load.",
        "sub/nested.txt": b"Nested release title here\nA sentence in a nested folder.\n",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    with (root / "huge.txt").open("wb") as handle:
        handle.truncate(DEFAULT_MAX_BYTES + 1)
    return root, load_corpus(root)


def test_bad_files_reported_by_name_with_reason(messy_load: tuple[Path, CorpusLoad]) -> None:
    root, load = messy_load
    reasons = {Path(problem.path).relative_to(root).as_posix(): problem.reason for problem in load.problems}
    assert reasons == {
        "empty.txt": "empty file",
        "binary.txt": "binary content (NUL bytes)",
        "undecodable.txt": "not valid text in any supported encoding",
        "huge.txt": "file too large (20,971,521 bytes, limit 20,971,520 bytes)",
        "bad_front_matter.md": reasons["bad_front_matter.md"],
        "bad_date.md": "invalid date '2022-02-30' (day is out of range for month)",
        "duplicate.md": f"duplicate release id 000_83b26767b1992471, also in {root / '000_83b26767b1992471.txt'}",
        "only_boilerplate.txt": "no text left after removing boilerplate (menus, navigation, repeated lines)",
        "traversal.md": reasons["traversal.md"],
        "notes.pdf": "truncated or damaged PDF (no end-of-file marker): the file was cut off; copy it again",
    }
    assert reasons["bad_front_matter.md"].startswith("malformed front matter (")
    assert reasons["traversal.md"].startswith("invalid release id '../../etc/passwd'")
    assert str(FileProblem("a.txt", "empty file")) == "a.txt: empty file"


def test_good_files_still_load(messy_load: tuple[Path, CorpusLoad], shipped_load: CorpusLoad) -> None:
    _, load = messy_load
    releases = {release.id: release for release in load.releases}
    assert set(releases) == {*SEED_IDS, "utf16", "cp1250-release", "deep", "scripted", "nested"}
    for shipped in shipped_load.releases:
        assert releases[shipped.id].text == shipped.text
    assert "Učesnici su razgovarali o saradnji." in releases["utf16"].text
    assert releases["cp1250-release"].text == (
        "Saopćenje o saradnji\nČlanovi delegacija su razgovarali o saradnji, sigurnosti granica i đačkim razmjenama."
    )
    assert releases["deep"].text == "Duboko ugniježđen tekst saopćenja o migracijama."
    assert releases["scripted"].title == "Script release"
    assert releases["scripted"].text == "The visible sentence of the release."
    assert releases["nested"].title == "Nested release title here"


def test_derived_title_is_first_line_shortened() -> None:
    assert derived_title("Short title\nBody") == "Short title"
    long_line = "word " * 60
    title = derived_title(long_line.strip())
    assert len(title) <= 201
    assert title.endswith("word…")
