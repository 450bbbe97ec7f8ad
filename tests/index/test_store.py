from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from corpus.boilerplate import BoilerplateModel
from index.build import build_index
from index.search import Searcher
from index.settings import Settings
from index.store import (
    CURRENT_FILE,
    IndexBusyError,
    IndexCorruptError,
    IndexMissingError,
    IndexModelMismatchError,
    LexicalLegMissingError,
    open_index,
    read_current,
    writer_lock,
)
from tests.conftest import REPO_ROOT
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import make_release, small_corpus


def built(settings: Settings, encoder: HashingEncoder, releases=None) -> Path:
    build_index(settings, encoder, releases if releases is not None else small_corpus(), progress=False)
    return settings.index_dir


def answers(settings: Settings, encoder: HashingEncoder) -> list[tuple[str, int, float]]:
    index = open_index(settings.index_dir, encoder.model_id)
    hits = Searcher(index, encoder, "hybrid").search("border police meeting in Budva", k=5)
    return [(hit.release_id, hit.start, round(hit.score, 5)) for hit in hits]


def flip_byte(path: Path, position: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    position = len(data) // 2 if position is None else position
    data[position] ^= 0xFF
    path.write_bytes(bytes(data))


def live_generation(index_dir: Path) -> Path:
    pointer = read_current(index_dir)
    assert pointer is not None
    return index_dir / pointer.generation


def as_written_by_an_older_build(index_dir: Path) -> None:
    """Make the live generation look like one from a build without the lexical leg."""
    generation = live_generation(index_dir)
    shutil.rmtree(generation / "lexical")
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {name: digest for name, digest in manifest["files"].items() if not name.startswith("lexical/")}
    text = json.dumps(manifest)
    (generation / "manifest.json").write_text(text, encoding="utf-8")
    pointer = {"generation": generation.name, "manifest_sha256": hashlib.sha256(text.encode()).hexdigest()}
    (index_dir / CURRENT_FILE).write_text(json.dumps(pointer), encoding="utf-8")


def test_a_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="assistant index build"):
        open_index(tmp_path / "nowhere")


def test_a_generation_holds_vectors_database_lexical_leg_and_manifest(
    settings: Settings, fake_encoder: HashingEncoder
) -> None:
    index_dir = built(settings, fake_encoder)
    generation = live_generation(index_dir)
    assert generation.name.startswith("gen-")
    manifest = json.loads((generation / "manifest.json").read_text())
    listed = {path.relative_to(generation).as_posix() for path in generation.rglob("*") if path.is_file()}
    assert set(manifest["files"]) == listed - {"manifest.json"}
    assert {name for name in listed if not name.startswith("lexical/")} == {
        "vectors.faiss",
        "chunk_columns.npz",
        "sentences_vectors.faiss",
        "sentences_columns.npz",
        "chunks.sqlite",
        "backend",
        "manifest.json",
    }  # no boilerplate.json: this build was given no boilerplate model
    assert {"lexical/lexical.json", "lexical/chunk_ids.npy"} <= listed
    assert manifest["model_id"] == "fake:64" and manifest["dimension"] == 64
    assert manifest["releases"] == 7 and manifest["chunks"] == 7
    assert manifest["chunking"]["chunk_size"] == 1200
    index = open_index(index_dir, "fake:64")
    assert index.vectors.count() == 7
    assert index.vectors.describe()["backend"] == manifest["extra"]["vector_store"]["backend"] == "faiss"
    tables = {row[0] for row in index.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"releases", "chunks"} <= tables


@pytest.mark.parametrize("name", ["vectors.faiss", "chunks.sqlite", "manifest.json"])
def test_a_flipped_byte_is_reported_with_the_file_name(
    settings: Settings, fake_encoder: HashingEncoder, name: str
) -> None:
    index_dir = built(settings, fake_encoder)
    flip_byte(live_generation(index_dir) / name)
    with pytest.raises(IndexCorruptError, match=rf"{name} is corrupt.*assistant index build --rebuild"):
        open_index(index_dir)


def test_a_deleted_file_is_reported(settings: Settings, fake_encoder: HashingEncoder) -> None:
    index_dir = built(settings, fake_encoder)
    (live_generation(index_dir) / "chunks.sqlite").unlink()
    with pytest.raises(IndexCorruptError, match="chunks.sqlite is missing"):
        open_index(index_dir)


def test_a_changed_checksum_in_current_names_current_and_the_manifest(
    settings: Settings, fake_encoder: HashingEncoder
) -> None:
    index_dir = built(settings, fake_encoder)
    pointer = json.loads((index_dir / CURRENT_FILE).read_text())
    pointer["manifest_sha256"] = "0" * 64
    (index_dir / CURRENT_FILE).write_text(json.dumps(pointer))
    with pytest.raises(IndexCorruptError, match=r"manifest.json is corrupt, or .*CURRENT is .*--rebuild"):
        open_index(index_dir)


def test_a_deleted_current_beside_generations_is_damage_not_a_missing_index(
    settings: Settings, fake_encoder: HashingEncoder
) -> None:
    index_dir = built(settings, fake_encoder)
    (index_dir / CURRENT_FILE).unlink()
    with pytest.raises(IndexCorruptError, match="CURRENT is missing although .* holds index generations.*--rebuild"):
        open_index(index_dir)
    report = build_index(settings, fake_encoder, small_corpus(), progress=False)
    assert report.written and report.full_rebuild_reason == "no index yet"
    assert open_index(index_dir).manifest.chunks == 7


def test_current_naming_a_missing_generation_is_reported(settings: Settings, fake_encoder: HashingEncoder) -> None:
    index_dir = built(settings, fake_encoder)
    (index_dir / CURRENT_FILE).write_text(json.dumps({"generation": "gen-gone", "manifest_sha256": "0" * 64}))
    with pytest.raises(IndexCorruptError, match="gen-gone, which does not exist.*--rebuild"):
        open_index(index_dir)


def test_a_garbled_current_file_is_reported(settings: Settings, fake_encoder: HashingEncoder) -> None:
    index_dir = built(settings, fake_encoder)
    (index_dir / CURRENT_FILE).write_text("{half")
    with pytest.raises(IndexCorruptError, match="CURRENT is unreadable"):
        open_index(index_dir)


def test_an_index_of_another_model_is_refused(settings: Settings, fake_encoder: HashingEncoder) -> None:
    index_dir = built(settings, fake_encoder)
    with pytest.raises(IndexModelMismatchError, match="built with model fake:64.*configured model is other-model"):
        open_index(index_dir, expected_model_id="other-model")


def test_a_failed_swap_leaves_the_old_index_answering(
    settings: Settings, fake_encoder: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = built(settings, fake_encoder)
    before = answers(settings, fake_encoder)
    old = read_current(index_dir)

    def crash(*args: object) -> None:
        raise OSError("simulated crash before the swap")

    changed = [*small_corpus()[1:], make_release("extra", [("Border police meeting in Budva again.", "en")])]
    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", crash)
        with pytest.raises(OSError, match="simulated crash"):
            build_index(settings, fake_encoder, changed, progress=False)
    assert read_current(index_dir) == old
    assert answers(settings, fake_encoder) == before
    assert sorted(p.name for p in index_dir.iterdir() if p.is_dir()) == [old.generation]

    report = build_index(settings, fake_encoder, changed, progress=False)
    assert report.written and report.added == 1 and report.removed == 1


def test_a_killed_build_leaves_the_old_index_answering(settings: Settings, fake_encoder: HashingEncoder) -> None:
    index_dir = built(settings, fake_encoder)
    before = answers(settings, fake_encoder)
    old = read_current(index_dir)
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from index.build import build_index
        from index.settings import Settings
        from tests.fake_encoder import HashingEncoder
        from tests.index.conftest import small_corpus, make_release

        os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
        releases = [*small_corpus(), make_release("extra", [("Another release.", "en")])]
        build_index(Settings(home=Path({str(settings.home)!r})), HashingEncoder(64), releases, progress=False)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()
    assert read_current(index_dir) == old
    assert answers(settings, fake_encoder) == before
    leftovers = [p.name for p in index_dir.iterdir() if p.is_dir() and p.name != old.generation]
    assert len(leftovers) == 1  # the unpublished generation

    build_index(settings, fake_encoder, small_corpus()[:3], progress=False)
    kept = sorted(p.name for p in index_dir.iterdir() if p.is_dir())
    assert kept == sorted([old.generation, read_current(index_dir).generation])


def test_only_the_live_and_previous_generations_are_kept(settings: Settings, fake_encoder: HashingEncoder) -> None:
    releases = small_corpus()
    names = []
    for count in (7, 6, 5, 4):
        build_index(settings, fake_encoder, releases[:count], progress=False)
        names.append(read_current(settings.index_dir).generation)
    assert len(set(names)) == 4
    kept = sorted(p.name for p in settings.index_dir.iterdir() if p.is_dir())
    assert kept == sorted(names[-2:])


def test_a_second_writer_is_refused(settings: Settings) -> None:
    with (
        writer_lock(settings.index_dir),
        pytest.raises(IndexBusyError, match="another process"),
        writer_lock(settings.index_dir),
    ):
        pass


def test_the_lexical_leg_is_written_and_checksummed(settings: Settings, fake_encoder: HashingEncoder) -> None:
    index_dir = built(settings, fake_encoder)
    index = open_index(index_dir)
    assert index.has_lexical
    # "Budvi" occurs in the bs-border, sr-latn and (in Cyrillic, "Будви") sr-cyrl releases only.
    found = {chunk_id for chunk_id, _ in index.lexical().search("Budvi", 10)}
    ids = dict(index.db.execute("SELECT id, release_id FROM chunks"))
    assert {ids[chunk_id] for chunk_id in found} == {"bs-border", "sr-latn", "sr-cyrl"}

    flip_byte(live_generation(index_dir) / "lexical" / "chunk_ids.npy")
    with pytest.raises(IndexCorruptError, match="chunk_ids.npy is corrupt"):
        open_index(index_dir)


def test_an_empty_generation_has_an_empty_lexical_leg(settings: Settings, fake_encoder: HashingEncoder) -> None:
    index_dir = built(settings, fake_encoder, releases=[])
    index = open_index(index_dir)
    assert index.has_lexical and index.manifest.chunks == 0
    assert Searcher(index, fake_encoder, "hybrid").search("Budva", k=3) == []


def test_an_index_from_an_older_build_opens_and_the_next_build_adds_the_lexical_leg(
    settings: Settings, fake_encoder: HashingEncoder
) -> None:
    index_dir = built(settings, fake_encoder)
    as_written_by_an_older_build(index_dir)
    old = open_index(index_dir)
    assert not old.has_lexical
    assert Searcher(old, fake_encoder, "dense").search("Budva", k=1)
    with pytest.raises(LexicalLegMissingError, match="older version.*`assistant index build`.*--mode dense"):
        old.lexical()

    fake_encoder.calls.clear()
    report = build_index(settings, fake_encoder, small_corpus(), progress=False)
    assert report.written and report.chunks_embedded == 0 and fake_encoder.calls == []
    upgraded = open_index(index_dir)
    assert upgraded.has_lexical and report.generation != old.generation
    assert Searcher(upgraded, fake_encoder, "lexical").search("Budvi", k=10)


def test_the_boilerplate_model_is_stored_and_checksummed(settings: Settings, fake_encoder: HashingEncoder) -> None:
    model = BoilerplateModel.learn({"a": "Menu line\nShared blurb.", "b": "Shared blurb.\nOwn text."})
    build_index(settings, fake_encoder, small_corpus(), progress=False, boilerplate=model)
    index = open_index(settings.index_dir)
    stored = index.boilerplate()
    assert stored is not None and stored.to_json() == model.to_json()
    assert stored.other_documents_with("shared blurb", key="a") == 1

    flip_byte(live_generation(settings.index_dir) / "boilerplate.json", position=3)
    with pytest.raises(IndexCorruptError, match="boilerplate.json is corrupt"):
        open_index(settings.index_dir)
