"""Synthetic corpora for the scale curve: unit vectors, chunk metadata, releases and a model-free encoder.

Vectors come in two shapes. ``uniform``: random unit vectors, the worst case for ANN search
(no cluster structure, so a query's neighbours are spread over the whole space).
``clustered``: a Gaussian mixture around a few thousand random centroids (each point has
cosine ~0.7 with its centroid, ~0.5 with its cluster mates and ~0 elsewhere), closer to
text embeddings, where passages on one topic sit together.

Sentences: every synthetic chunk is cut into ``SENTENCES_PER_CHUNK`` spans at word boundaries
(rows of the ``sentences`` table, ids from ``index.sentences.sentence_id``), and each sentence
vector is its chunk's vector plus noise (``sentence_vectors``: cosine ~0.8 with its chunk and
~0.64 with the chunk's other sentences), so sentence search and the same-story alignment meet
the structure they meet on text.
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
from index.sentences import add_trimmed, sentence_id

UNIFORM = "uniform"
CLUSTERED = "clustered"
DATASETS = (UNIFORM, CLUSTERED)
CLUSTER_SPREAD = 1.0  # noise norm relative to the (unit) centroid
POINTS_PER_CLUSTER = 250
MIN_CLUSTERS, MAX_CLUSTERS = 20, 4000
BLOCK = 65_536  # rows generated at a time, to bound temporaries
# The product's sentence store is sized for about six sentences per chunk (index.faiss_store).
SENTENCES_PER_CHUNK = 6
SENTENCE_SPREAD = 0.75  # noise norm relative to the (unit) chunk vector: cosine 1/sqrt(1 + 0.75²) = 0.8


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


def sentence_vectors(chunk_vectors: np.ndarray, rng: np.random.Generator, spread: float = SENTENCE_SPREAD) -> np.ndarray:
    """One unit vector per row of ``chunk_vectors`` (a sentence's chunk vector), scattered around it."""
    rows, dimension = chunk_vectors.shape
    noise = rng.standard_normal((rows, dimension), dtype=np.float32)
    noise *= np.float32(spread / np.sqrt(dimension))
    noise += chunk_vectors
    return normalize_rows(noise)


# --- chunk metadata ---------------------------------------------------------------------------


def sentence_spans(text: str, count: int) -> list[tuple[int, int]]:
    """``count`` (or fewer, for a very short text) spans of about equal length cutting ``text`` at spaces,
    whitespace trimmed, none empty: plausible sentence offsets relative to the text."""
    if count < 1:
        return []
    cuts = [0]
    for part in range(1, count):
        space = text.find(" ", len(text) * part // count)
        if space < 0:
            break  # no word boundary left: the rest is one span
        if space > cuts[-1]:
            cuts.append(space)
    cuts.append(len(text))
    spans: list[tuple[int, int]] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        add_trimmed(text, start, end, spans)
    return spans


def _synthetic_release_rows(
    seeds: Sequence[tuple[Release, Sequence[Chunk]]], chunk_ids: np.ndarray, seed: int, sentences_per_chunk: int
) -> Iterator[tuple[tuple, list[tuple], list[tuple]]]:
    """(release row, chunk rows, sentence rows) copying the seed releases round robin until every id is used."""
    rng = np.random.default_rng(seed)
    first_day = dt.date(2010, 1, 1).toordinal()
    spans = [[sentence_spans(chunk.text, sentences_per_chunk) for chunk in chunks] for _, chunks in seeds]
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
            json.dumps(list(release.languages)), digest, json.dumps(list(release.declared_languages)),
        )
        chunk_rows = []
        sentence_rows = []
        for i, c in enumerate(chunks[:take]):
            chunk_id = int(chunk_ids[used + i])
            chunk_rows.append((chunk_id, release_id, c.ordinal, c.start, c.end, c.text, c.language, c.script))
            for start, end in spans[number % len(seeds)][i]:
                begin, finish = c.start + start, c.start + end
                sentence_rows.append((sentence_id(chunk_id, begin, finish), chunk_id, release_id, begin, finish))
        yield release_row, chunk_rows, sentence_rows
        used += take
        number += 1


def write_chunk_database(
    path: Path,
    seeds: Sequence[tuple[Release, Sequence[Chunk]]],
    chunk_ids: np.ndarray,
    seed: int = 7,
    sentences_per_chunk: int = SENTENCES_PER_CHUNK,
) -> tuple[int, int]:
    """A ``chunks.sqlite`` like a real generation's, holding one row per id and about ``sentences_per_chunk``
    sentence rows per chunk (0: none, like a generation from before sentence vectors); returns (releases, chunks)."""
    if not seeds or not any(chunks for _, chunks in seeds):
        raise ValueError("synthetic metadata needs at least one seed release with chunks")
    seeds = [(release, chunks) for release, chunks in seeds if chunks]
    connection = chunk_db.open_writable(path)
    releases = 0
    try:
        connection.execute("PRAGMA synchronous = OFF")  # a scratch file: a crash just means writing it again
        release_rows: list[tuple] = []
        chunk_rows: list[tuple] = []
        sentence_rows: list[tuple] = []
        for release_row, rows, sentences in _synthetic_release_rows(seeds, chunk_ids, seed, sentences_per_chunk):
            release_rows.append(release_row)
            chunk_rows.extend(rows)
            sentence_rows.extend(sentences)
            if len(chunk_rows) >= 20_000:
                _insert(connection, release_rows, chunk_rows, sentence_rows)
                releases += len(release_rows)
                release_rows, chunk_rows, sentence_rows = [], [], []
        _insert(connection, release_rows, chunk_rows, sentence_rows)
        releases += len(release_rows)
        connection.commit()
    finally:
        connection.close()
    return releases, len(chunk_ids)


def _insert(
    connection: sqlite3.Connection, release_rows: list[tuple], chunk_rows: list[tuple], sentence_rows: list[tuple]
) -> None:
    connection.executemany(
        "INSERT INTO releases (id, title, date, source, path, text, languages, content_hash, declared_languages) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        release_rows,
    )
    connection.executemany(
        'INSERT INTO chunks (id, release_id, ordinal, start, "end", text, language, script) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        chunk_rows,
    )
    sentence_rows.sort()  # ids are hashes: inserting them in order keeps the table's B-tree writes local
    connection.executemany('INSERT INTO sentences (id, chunk_id, release_id, start, "end") VALUES (?, ?, ?, ?, ?)',
                           sentence_rows)


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
