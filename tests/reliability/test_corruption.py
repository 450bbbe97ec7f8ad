"""Damaged index files are reported by name, with the rebuild command, and never served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.service import Assistant
from corpus.loader import load_corpus
from index.build import build_index
from index.store import CURRENT_FILE, IndexCorruptError, open_index, read_current
from tests.reliability.conftest import FAKE_MODEL, IndexedHome, assert_clean_failure

REBUILD = "assistant index build --rebuild"
LIVE_FILES = [
    "vectors.faiss",
    "chunks.sqlite",
    "manifest.json",
    "lexical/lexical.json",
    "lexical/chunk_ids.npy",
    "lexical/bm25s/vocab.index.json",
    "lexical/bm25s/data.csc.index.npy",
]


def live(indexed: IndexedHome, relative: str) -> Path:
    return indexed.index_dir / read_current(indexed.index_dir).generation / relative


def flip_bit(path: Path, position: int) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= 0x01
    path.write_bytes(bytes(data))


def assert_reported(indexed: IndexedHome, named: Path | str) -> str:
    """Opening fails naming ``named`` and offering the rebuild; the CLI says the same without a traceback."""
    with pytest.raises(IndexCorruptError) as caught:
        open_index(indexed.index_dir, expected_model_id=FAKE_MODEL)
    message = str(caught.value)
    assert str(named) in message and REBUILD in message, message
    assert_clean_failure(indexed.cli("index", "status"), str(named), REBUILD)
    assert_clean_failure(indexed.cli("search", "Budva", "--model", FAKE_MODEL), str(named))
    return message


@pytest.mark.parametrize("relative", LIVE_FILES)
def test_a_flipped_bit_is_reported_by_file(indexed: IndexedHome, relative: str):
    target = live(indexed, relative)
    flip_bit(target, target.stat().st_size // 2)
    message = assert_reported(indexed, target)
    assert "checksum mismatch" in message


@pytest.mark.parametrize("relative", LIVE_FILES)
def test_a_truncated_file_is_reported_by_file(indexed: IndexedHome, relative: str):
    target = live(indexed, relative)
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    assert_reported(indexed, target)


@pytest.mark.parametrize("relative", LIVE_FILES)
def test_a_deleted_file_is_reported_by_file(indexed: IndexedHome, relative: str):
    target = live(indexed, relative)
    target.unlink()
    assert_reported(indexed, target)


def test_a_truncated_current_pointer_is_reported(indexed: IndexedHome):
    current = indexed.index_dir / CURRENT_FILE
    current.write_bytes(current.read_bytes()[:20])
    assert_reported(indexed, current)


def test_a_current_pointer_naming_a_missing_generation_is_reported(indexed: IndexedHome):
    current = indexed.index_dir / CURRENT_FILE
    pointer = json.loads(current.read_text(encoding="utf-8"))
    pointer["generation"] = pointer["generation"][:-1] + ("0" if pointer["generation"][-1] != "0" else "1")
    current.write_text(json.dumps(pointer), encoding="utf-8")
    assert_reported(indexed, current)


def test_a_bit_flip_in_the_checksum_recorded_in_current_names_current(indexed: IndexedHome):
    """The manifest is intact; only CURRENT's copy of its checksum changed, so CURRENT must be named."""
    current = indexed.index_dir / CURRENT_FILE
    text = current.read_text(encoding="utf-8")
    digest = json.loads(text)["manifest_sha256"]
    position = text.index(digest) + 10
    flip_bit(current, position)
    assert_reported(indexed, current)


def test_a_deleted_current_pointer_beside_generations_names_current(indexed: IndexedHome):
    """Generations exist, only the pointer is gone: 'no index, build one' would hide the damage."""
    current = indexed.index_dir / CURRENT_FILE
    current.unlink()
    assert_reported(indexed, current)


def test_a_running_assistant_never_serves_a_damaged_new_generation(indexed: IndexedHome, tmp_path: Path):
    question = "Sastanak šefova graničnih policija u Budvi"
    assistant = Assistant(indexed.index_dir, indexed.encoder, threshold=0.2)
    before, _ = assistant.ask(question)
    extra = indexed.corpus / "extra.txt"
    extra.write_text("---\nid: extra\n---\nSastanak u Budvi je završen zajedničkom izjavom.\n", encoding="utf-8")
    build_index(indexed.settings, indexed.encoder, load_corpus(indexed.corpus).releases, progress=False)
    damaged = live(indexed, "chunks.sqlite")
    flip_bit(damaged, damaged.stat().st_size // 2)
    try:
        after, _ = assistant.ask(question)
    except IndexCorruptError as error:  # refusing is fine, naming the file
        assert str(damaged) in str(error)
        return
    same = [(q.release_id, q.start, q.end, q.text) for q in after.quotes] == [
        (q.release_id, q.start, q.end, q.text) for q in before.quotes
    ]
    assert after.status == before.status and same, "answers may only come from the last verified generation"
