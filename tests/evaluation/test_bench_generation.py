"""The synthetic bench generation: chunk and sentence stores that the product opens and answers from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from corpus.release import Release
from evaluation.bench import generation
from evaluation.bench.generation import SYNTHETIC_GENERATION, generation_dir, publish_generation
from evaluation.bench.synthetic import (
    CLUSTERED,
    SENTENCES_PER_CHUNK,
    RandomEncoder,
    make_centroids,
    synthetic_vectors,
    write_chunk_database,
)
from index import chunk_db, faiss_layout
from index.chunking import chunk_release
from index.store import BACKEND_FILE, CHUNKS_FILE, open_index

DIMENSION = 64


def _generation(tmp_path: Path, releases: list[Release], chunks: int) -> Path:
    """A synthetic generation of ``chunks`` chunks (exact chunk index) under ``tmp_path / 'index'``."""
    index_dir = tmp_path / "index"
    folder = generation_dir(index_dir)
    folder.mkdir(parents=True)
    seeds = [(release, chunk_release(release)) for release in releases]
    ids = np.arange(chunks, dtype=np.int64)
    release_count, _ = write_chunk_database(folder / CHUNKS_FILE, seeds, ids)
    vectors = synthetic_vectors(CLUSTERED, chunks, DIMENSION, seed=3, centroids=make_centroids(20, DIMENSION, seed=2))
    index = faiss_layout.build_index(faiss_layout.choose_index(chunks), vectors, ids)
    publish_generation(index_dir, index, RandomEncoder(DIMENSION).model_id, release_count)
    return index_dir


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sentence vectors made 300 at a time, so that the store is built over several batches."""
    monkeypatch.setattr(generation, "SENTENCE_BATCH", 300)


def test_small_generation_opens_with_both_stores_and_answers(
    tmp_path: Path, shipped_releases: list[Release], small_batches: None
) -> None:
    from assistant.service import Assistant

    index_dir = _generation(tmp_path, shipped_releases, 200)
    folder = generation_dir(index_dir)
    assert (folder / BACKEND_FILE).read_text().strip() == "faiss"
    index = open_index(index_dir, expected_model_id=RandomEncoder(DIMENSION).model_id)
    try:
        sentences = chunk_db.sentence_count(index.db)
        assert 5 * 200 <= sentences <= SENTENCES_PER_CHUNK * 200
        assert index.manifest.chunks == 200 and index.manifest.extra["sentences"] == sentences
        assert index.sentences is not None and index.sentences.count() == sentences
        description = index.sentences.describe()
        assert description["precision"] == "float16" and description["index_type"] == "exact"
        assert index.vectors.describe()["precision"] == "float32"
        # every sentence vector sits near its chunk's vector
        owners = dict(index.db.execute("SELECT id, chunk_id FROM sentences LIMIT 50"))
        stored = index.sentences.vectors_of(list(owners))
        chunk_vectors = index.vectors.vectors_of(list(set(owners.values())))
        cosines = [float(stored[s] @ chunk_vectors[c]) for s, c in owners.items()]
        assert min(cosines) > 0.6
    finally:
        index.close()

    assistant = Assistant(index_dir, RandomEncoder(DIMENSION), mode="dense", threshold=-1.0)
    answer, _ = assistant.ask("What did the ministry announce?")
    assert answer.status == "answered" and answer.quotes
    assert answer.index_generation == SYNTHETIC_GENERATION
    assert isinstance(answer.other_versions, list)
    hits = assistant.searcher.search("What did the ministry announce?", k=5)
    assert hits and all(hit.sentences for hit in hits)  # scored from the sentence store
    # a sentence's own vector finds its chunk first
    sentence, chunk = assistant.searcher.index.db.execute("SELECT id, chunk_id FROM sentences LIMIT 1").fetchone()
    vector = assistant.searcher.index.sentences.vectors_of([sentence])[sentence]
    assert assistant.searcher.search_vector(vector, k=3)[0].chunk_id == chunk


def test_large_sentence_store_is_ivf_float16_like_the_product(
    tmp_path: Path, shipped_releases: list[Release], small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a low exact limit the sentence store takes the product's IVF layout: trained on the first batch,
    filled batch by batch, and kept as it is when the backend saves it."""
    choose, needs = faiss_layout.choose_index, faiss_layout.needs_relayout
    monkeypatch.setattr(faiss_layout, "choose_index", lambda n, limit=0, half=False: choose(n, 500, half))
    monkeypatch.setattr(faiss_layout, "needs_relayout", lambda plan, n, limit=0: needs(plan, n, 500))
    from assistant.service import Assistant

    index_dir = _generation(tmp_path, shipped_releases, 1000)
    index = open_index(index_dir)
    try:
        count = index.manifest.extra["sentences"]
        assert count > 64 * faiss_layout.ivf_list_count(count)  # more than the first (training) batch
        plan = faiss_layout.choose_index(count, half=True)
        description = index.sentences.describe()
        assert description["index_type"] == "ivf" and description["precision"] == "float16"
        assert (description["nlist"], description["nprobe"]) == (plan.nlist, plan.nprobe)
        assert index.sentences.count() == count == chunk_db.sentence_count(index.db)
        assert index.vectors.describe()["index_type"] == "ivf"  # 1,000 chunks > 500 as well
    finally:
        index.close()
    manifest = json.loads((generation_dir(index_dir) / "manifest.json").read_text())
    assert manifest["extra"]["vector_store"]["backend"] == "faiss"
    answer, _ = Assistant(index_dir, RandomEncoder(DIMENSION), mode="dense", threshold=-1.0).ask("Who met in Budva?")
    assert answer.status == "answered" and answer.quotes


def test_generation_without_sentence_rows_gets_an_empty_sentence_store(
    tmp_path: Path, shipped_releases: list[Release]
) -> None:
    index_dir = tmp_path / "index"
    folder = generation_dir(index_dir)
    folder.mkdir(parents=True)
    seeds = [(release, chunk_release(release)) for release in shipped_releases]
    ids = np.arange(40, dtype=np.int64)
    releases, _ = write_chunk_database(folder / CHUNKS_FILE, seeds, ids, sentences_per_chunk=0)
    vectors = synthetic_vectors("uniform", 40, DIMENSION, seed=1)
    publish_generation(index_dir, faiss_layout.build_index(faiss_layout.choose_index(40), vectors, ids),
                       RandomEncoder(DIMENSION).model_id, releases)
    index = open_index(index_dir)
    try:
        assert index.sentences is not None and index.sentences.count() == 0
        assert index.manifest.extra["sentences"] == 0
    finally:
        index.close()


def test_probe_generates_then_serves_a_synthetic_generation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evaluation.bench import probe
    from evaluation.bench.probe import main

    index_dir = tmp_path / "serving"
    arguments = ["generate", "--index-dir", str(index_dir), "--chunks", "200", "--dimension", str(DIMENSION)]
    assert main(arguments) == 0
    built = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert built["chunks"] == 200 and built["sentence_store"]["count"] >= 5 * 200
    assert built["sentence_store"]["precision"] == "float16" and built["generation_mib"] > 0
    assert "sentences_vectors.faiss" in built["files_mib"]
    with pytest.raises(FileExistsError):
        main(arguments)  # never overwritten without --replace
    assert main([*arguments, "--replace"]) == 0
    capsys.readouterr()

    serve = ["serve", "--index-dir", str(index_dir), "--random-encoder", str(DIMENSION), "--questions", "3",
             "--mode", "dense", "--warm-up", "1", "--breakdown", "--blas-threads", "1"]
    try:
        assert main(serve) == 0
    finally:  # give the test process its BLAS threads back
        for limits in probe._BLAS_LIMITS:
            limits.restore_original_limits()
        probe._BLAS_LIMITS.clear()
    served = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert served["chunks"] == 200 and served["sentences"] == built["sentence_store"]["count"]
    assert served["statuses"] == {"answered": 3} and served["answer_latency"]["n"] == 3
    assert len(served["warm_up_ms"]) == 1
    assert "FaissVectorStore.search (sentences)" in served["answer_breakdown"]
    assert "IndexReleases.means" in served["open_breakdown"]
    assert set(served["blas_threads"].values()) == {1}


def test_probe_refuses_to_replace_a_folder_that_is_not_a_synthetic_index(tmp_path: Path) -> None:
    from evaluation.bench.probe import main

    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "settings.json").write_text("{}")
    with pytest.raises(FileExistsError, match="more than a synthetic generation"):
        main(["generate", "--index-dir", str(tmp_path / "real"), "--chunks", "10", "--replace"])
    assert (tmp_path / "real" / "settings.json").is_file()
