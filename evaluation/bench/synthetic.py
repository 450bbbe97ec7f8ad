"""Synthetic corpora for the scale curve: unit vectors, chunk metadata, releases and a model-free encoder.

Vectors come in two shapes. ``uniform``: random unit vectors, the worst case for ANN search
(no cluster structure, so a query's neighbours are spread over the whole space).
``clustered``: a Gaussian mixture around a few thousand random centroids (each point has
cosine ~0.7 with its centroid, ~0.5 with its cluster mates and ~0 elsewhere), closer to
text embeddings, where passages on one topic sit together.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from corpus.release import Release
from index import chunk_db
from index.chunking import Chunk

UNIFORM = "uniform"
CLUSTERED = "clustered"
DATASETS = (UNIFORM, CLUSTERED)
CLUSTER_SPREAD = 1.0  # noise norm relative to the (unit) centroid
POINTS_PER_CLUSTER = 250
MIN_CLUSTERS, MAX_CLUSTERS = 20, 4000
BLOCK = 65_536  # rows generated at a time, to bound temporaries


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Scale every row to unit length in place (rows of zeros stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix


def cluster_count(n: int) -> int:
    return int(min(MAX_CLUSTERS, max(MIN_CLUSTERS, n // POINTS_PER_CLUSTER)))


def _uniform_block(rng: np.random.Generator, rows: int, dimension: int) -> np.ndarray:
    return normalize_rows(rng.standard_normal((rows, dimension), dtype=np.float32))


def synthetic_vectors(kind: str, n: int, dimension: int, seed: int, centroids: np.ndarray | None = None) -> np.ndarray:
    """``n`` unit float32 vectors of ``kind``; clustered vectors scatter around ``centroids``."""
    if kind not in DATASETS:
        raise ValueError(f"unknown synthetic data set {kind!r}; use {', '.join(DATASETS)}")
    rng = np.random.default_rng(seed)
    out = np.empty((n, dimension), dtype=np.float32)
    for start in range(0, n, BLOCK):
        rows = min(BLOCK, n - start)
        if kind == UNIFORM:
            out[start : start + rows] = _uniform_block(rng, rows, dimension)
            continue
        if centroids is None:
            raise ValueError("clustered vectors need centroids (see make_centroids)")
        members = rng.integers(0, len(centroids), size=rows)
        noise = rng.standard_normal((rows, dimension), dtype=np.float32) * np.float32(CLUSTER_SPREAD / np.sqrt(dimension))
        out[start : start + rows] = normalize_rows(centroids[members] + noise)
    return out


def make_centroids(clusters: int, dimension: int, seed: int) -> np.ndarray:
    return _uniform_block(np.random.default_rng(seed), clusters, dimension)


# --- chunk metadata ---------------------------------------------------------------------------


def _synthetic_release_rows(
    seeds: Sequence[tuple[Release, Sequence[Chunk]]], chunk_ids: np.ndarray, seed: int
) -> Iterator[tuple[tuple, list[tuple]]]:
    """(release row, chunk rows) copying the seed releases round robin until every id is used."""
    rng = np.random.default_rng(seed)
    first_day = dt.date(2010, 1, 1).toordinal()
    used = 0
    number = 0
    while used < len(chunk_ids):
        release, chunks = seeds[number % len(seeds)]
        release_id = f"syn-{number:07d}-{release.id}"
        take = min(len(chunks), len(chunk_ids) - used)
        date = dt.date.fromordinal(first_day + int(rng.integers(0, 16 * 365))).isoformat()
        digest = hashlib.sha256(release_id.encode()).hexdigest()
        release_row = (
            release_id, release.title, date, release.source, release.path, release.text,
            json.dumps(list(release.languages)), digest,
        )
        chunk_rows = [
            (int(chunk_ids[used + i]), release_id, c.ordinal, c.start, c.end, c.text, c.language, c.script)
            for i, c in enumerate(chunks[:take])
        ]
        yield release_row, chunk_rows
        used += take
        number += 1


def write_chunk_database(
    path: Path, seeds: Sequence[tuple[Release, Sequence[Chunk]]], chunk_ids: np.ndarray, seed: int = 7
) -> tuple[int, int]:
    """A ``chunks.sqlite`` like a real generation's, holding one row per id; returns (releases, chunks)."""
    if not seeds or not any(chunks for _, chunks in seeds):
        raise ValueError("synthetic metadata needs at least one seed release with chunks")
    seeds = [(release, chunks) for release, chunks in seeds if chunks]
    connection = chunk_db.open_writable(path)
    releases = 0
    try:
        release_rows: list[tuple] = []
        chunk_rows: list[tuple] = []
        for release_row, rows in _synthetic_release_rows(seeds, chunk_ids, seed):
            release_rows.append(release_row)
            chunk_rows.extend(rows)
            if len(chunk_rows) >= 20_000:
                _insert(connection, release_rows, chunk_rows)
                releases += len(release_rows)
                release_rows, chunk_rows = [], []
        _insert(connection, release_rows, chunk_rows)
        releases += len(release_rows)
        connection.commit()
    finally:
        connection.close()
    return releases, len(chunk_ids)


def _insert(connection: sqlite3.Connection, release_rows: list[tuple], chunk_rows: list[tuple]) -> None:
    connection.executemany("INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?)", release_rows)
    connection.executemany(
        'INSERT INTO chunks (id, release_id, ordinal, start, "end", text, language, script) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        chunk_rows,
    )


# --- releases and a model-free encoder (re-index cost at corpus scale) -------------------------


def copied_releases(seeds: Sequence[Release], count: int) -> list[Release]:
    """``count`` releases made from the seeds, each with its own id and a distinct closing paragraph."""
    releases = []
    for number in range(count):
        release = seeds[number % len(seeds)]
        releases.append(with_appended_paragraph(release, f"Synthetic copy {number} of {release.id}.", new_id=f"copy-{number:06d}"))
    return releases


def with_appended_paragraph(release: Release, sentence: str, new_id: str | None = None) -> Release:
    """The release with one more paragraph (same language as its last one) at the end."""
    if not release.paragraphs:
        raise ValueError(f"release {release.id} has no paragraphs to extend")
    last = max(release.paragraphs, key=lambda paragraph: paragraph.end)
    separator = "\n\n"
    start = len(release.text) + len(separator)
    added = dataclasses.replace(last, start=start, end=start + len(sentence))
    return dataclasses.replace(
        release,
        id=new_id or release.id,
        text=release.text + separator + sentence,
        paragraphs=(*release.paragraphs, added),
    )


class RandomEncoder:
    """Deterministic pseudo-random unit vectors per text: the index pipeline without the model's cost."""

    def __init__(self, dimension: int = 768, model_id: str = "bench-random") -> None:
        self.dimension = dimension
        self.model_id = f"{model_id}:{dimension}"

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(f"{prompt_name}\0{text}".encode(), digest_size=8).digest(), "big")
            out[row] = np.random.default_rng(seed).standard_normal(self.dimension, dtype=np.float32)
        return normalize_rows(out)
