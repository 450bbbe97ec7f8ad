"""Readers keep answering, consistently, while a rebuild swaps ``CURRENT``.

Corpus A is the shipped corpus, corpus B adds one release. Readers search (and
ask the assistant) in threads while the main thread rebuilds A, B, A, B. Every
result must be exactly what a quiet index of A or of B returns: never an error,
never a mix of two generations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.service import Assistant
from corpus.loader import load_corpus
from corpus.release import Release
from experiments.fault_harness import QUERIES, Snapshot, snapshot
from index.build import build_index
from index.search import Searcher
from index.settings import Settings
from index.store import open_index, read_current
from tests.reliability.conftest import IndexedHome, copy_corpus

EXTRA_RELEASE = """---
id: concurrency-extra
title: Sastanak šefova graničnih policija u Budvi, drugi dan
date: 2022-06-16
source: https://example.org/concurrency-extra
languages: [bs]
---
Drugog dana sastanka u Budvi šefovi graničnih policija Zapadnog Balkana dogovorili su zajedničke patrole.

Border police chiefs meeting in Budva agreed on joint patrols and a new exchange of information on migrant smuggling.
"""
QUESTION = "border police chiefs meeting in Budva joint patrols"
THRESHOLD = 0.2
READERS = 3
SWAPS = 4


def corpus_b(indexed: IndexedHome, tmp_path: Path) -> list[Release]:
    folder = copy_corpus(tmp_path / "corpus-b")
    (folder / "concurrency-extra.txt").write_text(EXTRA_RELEASE, encoding="utf-8")
    return load_corpus(folder).releases


def quiet_answers(indexed: IndexedHome, releases: list[Release], tmp_path: Path, name: str):
    """Search snapshot and assistant answer of an index that only ever held ``releases``."""
    settings = Settings(home=tmp_path / name, model=indexed.settings.model)
    build_index(settings, indexed.encoder, releases, progress=False)
    assistant = Assistant(settings.index_dir, indexed.encoder, threshold=THRESHOLD)
    return snapshot(settings.index_dir, indexed.encoder), signature(assistant.ask(QUESTION)[0])


def rebuild_with(indexed: IndexedHome, releases: list[Release]) -> None:
    build_index(indexed.settings, indexed.encoder, releases, rebuild=True, progress=False)


def signature(answer) -> tuple:
    return answer.status, tuple((quote.release_id, quote.start, quote.end, quote.text) for quote in answer.quotes)


def run_readers(read_once: Callable[[], object], swap: Callable[[int], None]) -> tuple[list, list[BaseException]]:
    """Call ``read_once`` in ``READERS`` threads until ``SWAPS`` swaps are done (plus one last read each)."""
    done = threading.Event()
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def reader() -> None:
        while True:
            finished = done.is_set()
            try:
                result = read_once()
            except BaseException as error:  # every failure is a finding, whatever its type
                with lock:
                    errors.append(error)
            else:
                with lock:
                    results.append(result)
            if finished:
                return

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    try:
        for number in range(SWAPS):
            swap(number)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=300)
    return results, errors


def test_searches_during_rebuilds_see_one_whole_generation(indexed: IndexedHome, tmp_path: Path):
    releases_a = load_corpus(indexed.corpus).releases
    releases_b = corpus_b(indexed, tmp_path)
    expected_a, _ = quiet_answers(indexed, releases_a, tmp_path, "quiet-a")
    expected_b, _ = quiet_answers(indexed, releases_b, tmp_path, "quiet-b")
    assert expected_a != expected_b, "the two corpora must answer differently for the test to mean anything"
    local = threading.local()

    def search_all() -> tuple[str, Snapshot]:
        live = read_current(indexed.index_dir)
        if not hasattr(local, "searcher") or live is None or local.searcher.index.generation != live.generation:
            # A reader follows CURRENT by opening the new generation, as the assistant does.
            local.searcher = Searcher(open_index(indexed.index_dir), indexed.encoder, mode="hybrid")
        searcher = local.searcher
        found = [[(h.chunk_id, h.release_id, round(h.score, 5)) for h in searcher.search(q, k=5)] for q in QUERIES]
        return searcher.index.generation, found

    def swap(number: int) -> None:
        rebuild_with(indexed, releases_b if number % 2 == 0 else releases_a)

    results, errors = run_readers(search_all, swap)
    assert errors == []
    assert all(found in (expected_a, expected_b) for _, found in results)
    assert {tuple(map(tuple, found)) for _, found in results} == {
        tuple(map(tuple, expected_a)),
        tuple(map(tuple, expected_b)),
    }, "readers must have seen both corpora"
    assert results[-1][0] == read_current(indexed.index_dir).generation
    assert snapshot(indexed.index_dir, indexed.encoder) == expected_a


def test_assistant_answers_during_rebuilds_are_never_errors_or_mixtures(indexed: IndexedHome, tmp_path: Path):
    releases_a = load_corpus(indexed.corpus).releases
    releases_b = corpus_b(indexed, tmp_path)
    _, answer_a = quiet_answers(indexed, releases_a, tmp_path, "quiet-a")
    _, answer_b = quiet_answers(indexed, releases_b, tmp_path, "quiet-b")
    assert answer_a != answer_b and answer_b[0] == "answered"
    assistant = Assistant(indexed.index_dir, indexed.encoder, threshold=THRESHOLD)

    def ask_once() -> tuple:
        return signature(assistant.ask(QUESTION)[0])

    def swap(number: int) -> None:
        rebuild_with(indexed, releases_b if number % 2 == 0 else releases_a)

    results, errors = run_readers(ask_once, swap)
    assert errors == []
    assert set(results) <= {answer_a, answer_b}


def test_an_answer_never_mixes_two_generations(indexed: IndexedHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Another user's request moves the assistant to a new generation while this answer is composed.

    Deterministic version of the race the threaded test can hit: ``ask`` takes the
    generation (release texts, stored vectors) first and searches afterwards.
    """
    releases_a = load_corpus(indexed.corpus).releases
    releases_b = corpus_b(indexed, tmp_path)
    _, answer_a = quiet_answers(indexed, releases_a, tmp_path, "quiet-a")
    _, answer_b = quiet_answers(indexed, releases_b, tmp_path, "quiet-b")
    assistant = Assistant(indexed.index_dir, indexed.encoder, threshold=THRESHOLD)
    import assistant.service as service

    real_resolve = service.resolve

    def resolve_while_another_user_moves_on(text, conversation):
        build_index(indexed.settings, indexed.encoder, releases_b, progress=False)
        other_user = threading.Thread(target=assistant.refresh)
        other_user.start()
        other_user.join()
        return real_resolve(text, conversation)

    monkeypatch.setattr(service, "resolve", resolve_while_another_user_moves_on)
    answer, _ = assistant.ask(QUESTION)
    assert signature(answer) in {answer_a, answer_b}
