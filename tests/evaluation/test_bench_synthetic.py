"""Synthetic vectors, chunk databases and releases for the scale curve."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from corpus.release import Release
from evaluation.bench.synthetic import (
    CLUSTERED,
    MAX_CLUSTERS,
    MIN_CLUSTERS,
    SENTENCES_PER_CHUNK,
    UNIFORM,
    RandomEncoder,
    cluster_count,
    copied_releases,
    make_centroids,
    sentence_spans,
    sentence_vectors,
    synthetic_vectors,
    with_appended_paragraph,
    write_chunk_database,
)
from index.chunking import chunk_release
from index.sentences import sentence_id


def test_uniform_vectors_are_unit_float32_and_reproducible() -> None:
    first = synthetic_vectors(UNIFORM, 100, 24, seed=3)
    assert first.shape == (100, 24) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, synthetic_vectors(UNIFORM, 100, 24, seed=3))
    assert not np.array_equal(first, synthetic_vectors(UNIFORM, 100, 24, seed=4))


def test_clustered_vectors_sit_near_one_centroid() -> None:
    centroids = make_centroids(5, 256, seed=1)
    vectors = synthetic_vectors(CLUSTERED, 200, 256, seed=2, centroids=centroids)
    best = (vectors @ centroids.T).max(axis=1)
    # noise of norm 1 around a unit centroid: cosine ~ 1/sqrt(2) with it, ~0 with the others
    assert best.min() > 0.6
    uniform = synthetic_vectors(UNIFORM, 200, 256, seed=2)
    assert (uniform @ centroids.T).max(axis=1).max() < 0.4


def test_clustered_vectors_need_centroids_and_known_kinds() -> None:
    with pytest.raises(ValueError, match="centroids"):
        synthetic_vectors(CLUSTERED, 10, 8, seed=0)
    with pytest.raises(ValueError, match="unknown synthetic"):
        synthetic_vectors("gaussian", 10, 8, seed=0)


def test_cluster_count_grows_with_size_within_bounds() -> None:
    assert cluster_count(100) == MIN_CLUSTERS
    assert cluster_count(100_000) == 400
    assert cluster_count(10_000_000) == MAX_CLUSTERS


def test_chunk_database_holds_one_row_per_id_quoting_its_release(
    tmp_path: Path, shipped_releases: list[Release]
) -> None:
    seeds = [(release, chunk_release(release)) for release in shipped_releases]
    ids = np.arange(1000, 1100, dtype=np.int64)
    releases, chunks = write_chunk_database(tmp_path / "chunks.sqlite", seeds, ids)
    assert chunks == 100
    connection = sqlite3.connect(tmp_path / "chunks.sqlite")
    stored = connection.execute("SELECT COUNT(*), MIN(id), MAX(id) FROM chunks").fetchone()
    assert stored == (100, 1000, 1099)
    assert connection.execute("SELECT COUNT(*) FROM releases").fetchone()[0] == releases
    rows = connection.execute(
        'SELECT c.text, c.start, c."end", r.text FROM chunks c JOIN releases r ON r.id = c.release_id'
    ).fetchall()
    assert all(release_text[start:end] == text for text, start, end, release_text in rows)


def test_chunk_database_holds_about_six_sentences_per_chunk_inside_it(
    tmp_path: Path, shipped_releases: list[Release]
) -> None:
    seeds = [(release, chunk_release(release)) for release in shipped_releases]
    write_chunk_database(tmp_path / "chunks.sqlite", seeds, np.arange(60, dtype=np.int64))
    connection = sqlite3.connect(tmp_path / "chunks.sqlite")
    rows = connection.execute(
        'SELECT s.id, s.chunk_id, s.release_id, s.start, s."end", c.release_id, c.start, c."end", r.text '
        "FROM sentences s JOIN chunks c ON c.id = s.chunk_id JOIN releases r ON r.id = s.release_id"
    ).fetchall()
    per_chunk = connection.execute("SELECT COUNT(*) FROM sentences GROUP BY chunk_id").fetchall()
    assert len(per_chunk) == 60 and all(5 <= count <= SENTENCES_PER_CHUNK for (count,) in per_chunk)
    for sid, chunk, release, start, end, chunk_release_id, chunk_start, chunk_end, text in rows:
        assert sid == sentence_id(chunk, start, end) and release == chunk_release_id
        assert chunk_start <= start < end <= chunk_end
        assert text[start:end] == text[start:end].strip()
    assert connection.execute("SELECT COUNT(*) FROM sentences").fetchone()[0] == len(rows)


def test_sentence_spans_cut_the_text_at_spaces_in_order() -> None:
    text = "The ministers met in Budva on Monday. They agreed on a joint plan for the border crossings."
    spans = sentence_spans(text, 6)
    assert len(spans) == 6
    assert all(start < end for start, end in spans)
    assert all(first[1] <= second[0] for first, second in zip(spans, spans[1:]))
    assert all(text[start:end] == text[start:end].strip() for start, end in spans)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert sentence_spans("short", 6) == [(0, 5)]  # no space: one span
    assert sentence_spans("  two words ", 6) == [(2, 5), (6, 11)]
    assert sentence_spans(text, 0) == []


def test_sentence_vectors_sit_near_their_chunk_vector() -> None:
    chunks = synthetic_vectors(UNIFORM, 50, 256, seed=1)
    rows = np.repeat(chunks, 6, axis=0)
    sentences = sentence_vectors(rows, np.random.default_rng(2))
    assert sentences.shape == rows.shape and np.allclose(np.linalg.norm(sentences, axis=1), 1.0, atol=1e-5)
    own = np.einsum("ij,ij->i", sentences, rows)
    assert 0.7 < own.mean() < 0.9  # 1/sqrt(1 + 0.75²) = 0.8
    assert (sentences @ chunks.T).argmax(axis=1).tolist() == np.repeat(np.arange(50), 6).tolist()


def test_chunk_database_needs_seed_chunks(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="seed release"):
        write_chunk_database(tmp_path / "chunks.sqlite", [], np.arange(3, dtype=np.int64))


def test_appended_paragraph_keeps_offsets_consistent(shipped_releases: list[Release]) -> None:
    release = shipped_releases[0]
    changed = with_appended_paragraph(release, "One more sentence.")
    added = changed.paragraphs[-1]
    assert changed.id == release.id
    assert changed.text[added.start : added.end] == "One more sentence."
    assert added.language == max(release.paragraphs, key=lambda p: p.end).language
    assert all(changed.text[c.start : c.end] == c.text for c in chunk_release(changed))


def test_copied_releases_have_distinct_ids_and_texts(shipped_releases: list[Release]) -> None:
    copies = copied_releases(shipped_releases, 12)
    assert len({release.id for release in copies}) == 12
    assert len({release.text for release in copies}) == 12


def test_random_encoder_is_deterministic_unit_and_prompt_aware() -> None:
    encoder = RandomEncoder(dimension=32)
    first = encoder.encode(["a", "b"], "document")
    assert first.shape == (2, 32)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, encoder.encode(["a", "b"], "document"))
    assert not np.array_equal(first[0], encoder.encode(["a"], "query")[0])
    assert encoder.model_id == "bench-random:32"
