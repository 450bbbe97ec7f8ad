"""A small run of experiments.load_test against the chat served in-process (fake encoder)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.server import serve
from corpus.loader import load_corpus
from experiments.load_test import latency_summary, load_questions, run_load
from index.build import build_index
from index.encoder import load_encoder
from index.settings import REPO_CORPUS, Settings
from index.store import read_current
from experiments.local_server import free_port

USERS = 4
QUESTIONS = 6


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO_CORPUS, corpus)
    settings = Settings(home=tmp_path / "home", model="fake:64", corpus_dir=corpus)
    port = free_port()
    demo = serve(port=port, settings=settings, block=False)
    try:
        yield f"http://127.0.0.1:{port}/", settings
    finally:
        demo.close()


def test_concurrent_users_and_a_rebuild_get_consistent_answers_without_errors(served):
    url, settings = served
    encoder = load_encoder(settings.model, settings)
    before = read_current(settings.index_dir).generation

    def rebuild() -> tuple[int, str]:
        report = build_index(settings, encoder, load_corpus(settings.corpus_dir).releases, rebuild=True, progress=False)
        return 0, report.generation

    report = run_load(url, USERS, QUESTIONS, deadline=300, questions=load_questions(), rebuild=rebuild, rebuild_at=0.3)
    data = report.to_dict()
    assert data["completed"] == USERS * QUESTIONS
    assert data["errors"] == 0, data["error_examples"]
    assert data["inconsistent_questions"] == []
    assert data["rebuild"]["exit_code"] == 0
    assert data["rebuild"]["post_rebuild_probes"] == len({call.question for call in report.calls})
    assert read_current(settings.index_dir).generation != before
    assert report.ok
    assert 0 < data["latency_seconds"]["p50"] <= data["latency_seconds"]["p95"] <= data["latency_seconds"]["p99"]


def test_the_report_counts_failed_answers_as_errors(served, monkeypatch: pytest.MonkeyPatch):
    url, _ = served
    from assistant.service import Assistant

    def broken(self, question, conversation=None, options=None):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(Assistant, "ask", broken)
    report = run_load(url, 2, 2, deadline=120, questions=["Sastanak u Budvi"])
    assert len(report.errors) == 4 and {call.status for call in report.errors} == {"error"}
    assert not report.ok


def test_latency_summary_percentiles():
    summary = latency_summary([float(value) for value in range(1, 101)])
    assert summary["p50"] == 50.5 and summary["p95"] == 95.05 and summary["p99"] == 99.01 and summary["max"] == 100.0
