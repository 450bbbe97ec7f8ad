"""The backend latency benchmark at tiny sizes: corpus, recall, report shape, FAISS/Milvus parity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from experiments import backend_latency as bl
from index.filters import Filters

CHUNKS, DIMENSION, QUERIES = 500, 16, 20


@pytest.fixture(scope="module")
def corpus() -> bl.SyntheticCorpus:
    return bl.synthetic_corpus(CHUNKS, DIMENSION, seed=5)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("backend-latency")
    return bl.run_benchmark(CHUNKS, QUERIES, workdir, DIMENSION, seed=5, progress=False)


def test_synthetic_corpus_has_unit_vectors_and_release_metadata(
    corpus: bl.SyntheticCorpus,
) -> None:
    assert corpus.vectors.shape == (CHUNKS, DIMENSION)
    assert np.allclose(np.linalg.norm(corpus.vectors, axis=1), 1.0, atol=1e-5)
    entries = corpus.entries
    assert len({entry.chunk_id for entry in entries}) == CHUNKS
    # six chunks per release: 500 chunks make 83 full releases and one of 2
    releases = [entry.release_id for entry in entries]
    assert len(set(releases)) == 84
    assert releases[0] == releases[5] != releases[6]
    # languages cycle per release, Serbian in both scripts
    first_of_release = entries[:: bl.CHUNKS_PER_RELEASE]
    pairs = [(entry.language, entry.script) for entry in first_of_release[:6]]
    assert pairs == list(bl.LANGUAGE_CYCLE)
    # mk: releases 5, 11, ..., 77 (13 of six chunks) and release 83 (two chunks)
    assert sum(entry.language == "mk" for entry in entries) == 13 * 6 + 2
    # every tenth release is undated; the others fall within five years
    undated = [entry for entry in first_of_release if entry.date is None]
    assert len(undated) == 8
    dated = [entry.date for entry in entries if entry.date is not None]
    assert min(dated) >= bl.FIRST_DAY
    assert (max(dated) - bl.FIRST_DAY).days < bl.DATE_SPAN_DAYS


def test_synthetic_corpus_is_fixed_by_its_seed() -> None:
    first, second = (
        bl.synthetic_corpus(60, 8, seed=1),
        bl.synthetic_corpus(60, 8, seed=1),
    )
    assert np.array_equal(first.vectors, second.vectors)
    assert first.entries == second.entries
    assert not np.array_equal(first.vectors, bl.synthetic_corpus(60, 8, seed=2).vectors)


def test_queries_are_close_to_the_vectors_they_copy(corpus: bl.SyntheticCorpus) -> None:
    queries, sources = bl.noisy_queries(corpus, QUERIES, seed=5)
    assert queries.shape == (QUERIES, DIMENSION)
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    similarity = np.sum(queries * corpus.vectors[sources], axis=1)
    # noise of norm 0.5 around a unit vector: cosine about 1 / sqrt(1.25) = 0.89
    assert np.all(similarity > 0.7)
    assert np.all(similarity < 0.999)


def test_one_release_filter_names_the_source_release(
    corpus: bl.SyntheticCorpus,
) -> None:
    sources = np.array([0, 7, 499])
    filters = bl.scenario_filters(corpus, sources)
    assert filters[bl.UNFILTERED] == [None, None, None]
    assert filters[bl.LANGUAGE_MK] == [Filters(languages=frozenset({"mk"}))] * 3
    names = [next(iter(f.release_ids)) for f in filters[bl.ONE_RELEASE]]
    assert names == ["release-0000000", "release-0000001", "release-0000083"]


def test_recall_at_k_is_the_mean_share_of_reference_ids_found() -> None:
    found = [[1, 2, 3], [4, 5], [7]]
    truth = [[1, 2, 9], [5, 4], []]  # the empty reference is skipped
    assert bl.recall_at_k(found, truth) == round((2 / 3 + 1) / 2, 4)
    with pytest.raises(ValueError, match="2 result lists for 1 reference"):
        bl.recall_at_k([[1], [2]], [[1]])


def test_exact_faiss_and_milvus_flat_return_the_same_ids(
    corpus: bl.SyntheticCorpus, tmp_path: Path
) -> None:
    queries, sources = bl.noisy_queries(corpus, QUERIES, seed=5)
    filters = bl.scenario_filters(corpus, sources)
    faiss_phases = bl.measure_backend(
        bl.FAISS_EXACT, corpus, queries, filters, tmp_path, None, False
    )
    flat_phases = bl.measure_backend(
        bl.MILVUS_FLAT, corpus, queries, filters, tmp_path, faiss_phases[0], False
    )
    phases = [phase.phase for phase in faiss_phases + flat_phases]
    assert phases == [bl.AFTER_LOAD, bl.REOPENED] * 2
    reference = faiss_phases[0].results
    for run in [faiss_phases[1], *flat_phases]:
        for scenario in bl.SCENARIOS:
            expected = [set(ids) for ids in reference[scenario]]
            assert [set(ids) for ids in run.results[scenario]] == expected
            assert run.recall[scenario] == 1.0
    # the filters restrict what comes back
    flat = flat_phases[1]
    mk = {entry.chunk_id for entry in corpus.entries if entry.language == "mk"}
    assert all(set(ids) <= mk for ids in flat.results[bl.LANGUAGE_MK])
    for row, ids in zip(sources, flat.results[bl.ONE_RELEASE], strict=True):
        release = corpus.entries[row].release_id
        members = {e.chunk_id for e in corpus.entries if e.release_id == release}
        assert set(ids) == members  # k=10 exceeds the release's six chunks
    assert flat.load_s is None and flat.open_s is not None
    assert flat_phases[0].load_s is not None and flat_phases[0].open_s is None
    assert flat.disk_bytes > 0
    assert faiss_phases[0].disk_files == {".faiss": 1, ".npz": 1}


def test_report_has_every_backend_and_scenario(report: dict) -> None:
    rows = [(backend["name"], backend["phase"]) for backend in report["backends"]]
    assert rows == [
        (name, phase) for name in bl.BACKENDS for phase in (bl.AFTER_LOAD, bl.REOPENED)
    ]
    assert (report["chunks"], report["queries"], report["dimension"]) == (
        CHUNKS,
        QUERIES,
        DIMENSION,
    )
    assert report["faiss_threads"] == 1
    assert len(report["load_average_start"]) == len(report["load_average_end"]) == 3
    assert report["machine"]["cpus"] >= 1
    assert report["mean_hits_per_scenario"] == {
        bl.UNFILTERED: 10.0,
        bl.LANGUAGE_MK: 10.0,
        bl.ONE_RELEASE: 6.0,
    }
    for backend in report["backends"]:
        assert set(backend["latency_ms"]) == set(bl.SCENARIOS)
        for summary in backend["latency_ms"].values():
            assert summary["n"] == QUERIES
            assert 0 <= summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"]
        recall = backend["recall_at_10"]
        assert set(recall) == set(bl.SCENARIOS)
        assert all(0.0 <= value <= 1.0 for value in recall.values())
        assert backend["disk_bytes"] > 0
        assert "uri" not in backend["description"]  # no temporary paths in reports
        # after load reports the load time, reopened the time to open the saved store
        after_load = backend["phase"] == bl.AFTER_LOAD
        assert (backend["load_s"] is not None) == after_load
        assert (backend["open_s"] is not None) == (not after_load)
        assert backend["peak_rss_mib"] > 0
    for backend in report["backends"]:
        if backend["name"] in (bl.FAISS_EXACT, bl.MILVUS_FLAT):
            assert set(backend["recall_at_10"].values()) == {1.0}
        else:
            assert backend["description"]["index_type"] == "HNSW"


def test_written_report_round_trips(report: dict, tmp_path: Path) -> None:
    markdown, data = bl.write_report(report, tmp_path / "reports")
    assert (markdown.name, data.name) == (
        f"backend-latency-{CHUNKS}.md",
        f"backend-latency-{CHUNKS}.json",
    )
    assert json.loads(data.read_text(encoding="utf-8")) == report
    text = markdown.read_text(encoding="utf-8")
    for name in bl.BACKENDS:
        assert text.count(f"| {name} |") == 4  # two phases in each table
    assert f"load average (1/5/15 min) {report['load_average_start']}" in text


def test_command_writes_to_the_home_reports_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    arguments = ["--chunks", "60", "--queries", "3", "--dimension", "8", "--quiet"]
    result = CliRunner().invoke(bl.app, [*arguments, "--home", str(home)])
    assert result.exit_code == 0, result.output
    written = json.loads((home / "reports" / "backend-latency-60.json").read_text())
    assert (written["chunks"], written["queries"], written["dimension"]) == (60, 3, 8)
    assert (home / "reports" / "backend-latency-60.md").is_file()


def test_on_a_milvus_server_the_server_rows_and_read_levels_are_reported(
    milvus_server, tmp_path: Path, corpus: bl.SyntheticCorpus
) -> None:
    report = bl.run_benchmark(300, 5, tmp_path, DIMENSION, seed=5, progress=False, server=milvus_server.uri)
    rows = {(backend["name"], backend["phase"]) for backend in report["backends"]}
    assert {(name, phase) for name in bl.SERVER_BACKENDS for phase in (bl.AFTER_LOAD, bl.REOPENED)} <= rows
    for backend in report["backends"]:
        if backend["name"] == bl.SERVER_FLAT:  # exact on the server: the same ids as FAISS exact
            assert set(backend[f"recall_at_{bl.K}"].values()) == {1.0}
    assert set(report["consistency_latency_ms"]) == set(bl.CONSISTENCY_LEVELS)
    assert "Read level on the Milvus server" in bl.markdown_report(report)


def test_a_server_variant_without_a_server_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs a Milvus server"):
        bl.location_of(bl.SERVER_FLAT, tmp_path / "server-flat")
