"""A persistent cache of embeddings: (model id, prompt name, sha256 of text) -> float32 vector.

SQLite in WAL mode, so searches and builds in other processes can read while a
build writes. The cache holds only derived data: a damaged file is moved aside
and a fresh cache started (``rebuild_if_corrupt``), never touching any index.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.encoder import Encoder

SQL_BATCH = 500  # keys per SELECT (well below SQLite's variable limit)
DEFAULT_ENCODE_BATCH = 64  # texts encoded and stored together

SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model_id TEXT NOT NULL,
    prompt_name TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    dimension INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, prompt_name, text_sha256)
) WITHOUT ROWID
"""


class EmbeddingCacheError(RuntimeError):
    """The cache file is unusable."""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class EmbeddingStats:
    """What ``embed_with_cache`` did: ``encoded`` distinct texts went through the model."""

    requested: int = 0
    unique: int = 0
    cache_hits: int = 0
    encoded: int = 0
    encode_seconds: float = 0.0


class EmbeddingCache:
    def __init__(self, path: Path, rebuild_if_corrupt: bool = True) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._connection = self._open()
        except sqlite3.DatabaseError as error:
            if not rebuild_if_corrupt:
                raise EmbeddingCacheError(
                    f"embedding cache {path} is damaged ({error}); delete it (it is only a cache) and retry"
                ) from error
            moved = self._move_aside()
            warnings.warn(
                f"embedding cache {path} was damaged ({error}); moved it to {moved.name} and started afresh",
                stacklevel=2,
            )
            self._connection = self._open()

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        try:
            connection.execute("PRAGMA busy_timeout = 30000")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            (status,) = connection.execute("PRAGMA quick_check").fetchone()
            if status != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {status}")
            with connection:
                connection.execute(SCHEMA)
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    def _move_aside(self) -> Path:
        moved = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        self.path.replace(moved)
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        return moved

    def get_many(self, model_id: str, prompt_name: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the given text hashes (missing ones are absent)."""
        found: dict[str, np.ndarray] = {}
        try:
            for offset in range(0, len(hashes), SQL_BATCH):
                batch = list(hashes[offset : offset + SQL_BATCH])
                marks = ",".join("?" * len(batch))
                rows = self._connection.execute(
                    "SELECT text_sha256, dimension, vector FROM embeddings "
                    f"WHERE model_id = ? AND prompt_name = ? AND text_sha256 IN ({marks})",
                    [model_id, prompt_name, *batch],
                )
                for digest, dimension, blob in rows:
                    if len(blob) == 4 * dimension:  # a short blob is treated as a miss and rewritten
                        found[digest] = np.frombuffer(blob, dtype=np.float32)
        except sqlite3.DatabaseError as error:
            raise self._damaged(error) from error
        return found

    def put_many(self, model_id: str, prompt_name: str, items: Sequence[tuple[str, np.ndarray]]) -> None:
        rows = [
            (model_id, prompt_name, digest, int(vector.shape[0]), np.asarray(vector, dtype=np.float32).tobytes())
            for digest, vector in items
        ]
        try:
            with self._connection:
                self._connection.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError as error:
            raise self._damaged(error) from error

    def count(self, model_id: str | None = None) -> int:
        if model_id is None:
            (total,) = self._connection.execute("SELECT COUNT(*) FROM embeddings").fetchone()
        else:
            (total,) = self._connection.execute(
                "SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,)
            ).fetchone()
        return int(total)

    def _damaged(self, error: sqlite3.DatabaseError) -> EmbeddingCacheError:
        return EmbeddingCacheError(
            f"embedding cache {self.path} is damaged ({error}); delete it (it is only a cache) and retry"
        )

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def embed_with_cache(
    encoder: Encoder,
    texts: Sequence[str],
    prompt_name: str,
    cache: EmbeddingCache,
    progress: bool = False,
    batch_size: int = DEFAULT_ENCODE_BATCH,
    stats: EmbeddingStats | None = None,
    unit: str = "chunk",
) -> np.ndarray:
    """Vectors for ``texts`` in input order; only texts missing from the cache are encoded.

    Misses are deduplicated, sorted by length (less padding), encoded in
    batches and stored after each batch, so an interrupted run keeps its work.
    """
    stats = stats if stats is not None else EmbeddingStats()
    hashes = [text_sha256(text) for text in texts]
    first_text = dict(zip(hashes, texts, strict=True))
    known = cache.get_many(encoder.model_id, prompt_name, list(first_text))
    missing = sorted((digest for digest in first_text if digest not in known), key=lambda d: len(first_text[d]))
    stats.requested += len(texts)
    stats.unique += len(first_text)
    stats.cache_hits += len(first_text) - len(missing)

    with tqdm(total=len(missing), desc=f"embedding {unit}s", unit=unit, disable=not progress or not missing) as bar:
        for offset in range(0, len(missing), batch_size):
            batch = missing[offset : offset + batch_size]
            started = time.perf_counter()
            vectors = encoder.encode([first_text[d] for d in batch], prompt_name)
            stats.encode_seconds += time.perf_counter() - started
            if vectors.shape != (len(batch), encoder.dimension):
                raise ValueError(f"encoder returned shape {vectors.shape}, expected {(len(batch), encoder.dimension)}")
            cache.put_many(encoder.model_id, prompt_name, list(zip(batch, vectors, strict=True)))
            known.update(zip(batch, vectors, strict=True))
            stats.encoded += len(batch)
            bar.update(len(batch))

    matrix = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    for row, digest in enumerate(hashes):
        vector = known[digest]
        if vector.shape[0] != encoder.dimension:
            raise EmbeddingCacheError(
                f"cached vector for model {encoder.model_id} has {vector.shape[0]} dimensions, "
                f"expected {encoder.dimension}"
            )
        matrix[row] = vector
    return matrix
