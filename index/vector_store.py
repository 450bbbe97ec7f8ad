"""The vector-store interface: where chunk vectors live and how they are searched.

Two implementations: ``index.faiss_store.FaissVectorStore`` (in-process, inside
each index generation; the default) and ``index.milvus_store.MilvusVectorStore``
(a Milvus server or cluster, or a milvus-lite file). The chunk catalogue (text,
offsets, citations) and the lexical leg stay in the generation folder for both.

Scores are inner products of unit vectors (cosine), highest first. Chunk ids
are the stable ids of ``index.chunking.chunk_id``: the same chunk text at the
same place in the same release has the same id in every generation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from index.filters import Filters

FAISS_BACKEND = "faiss"
MILVUS_BACKEND = "milvus"


class VectorStoreError(RuntimeError):
    """The vector store cannot be reached or used; the message tells the user what to do."""


@dataclass(frozen=True)
class ChunkEntry:
    """What a vector store keeps beside a chunk's vector: enough to apply ``Filters``."""

    chunk_id: int
    release_id: str
    language: str  # corpus language of the chunk: en, bs, hr, sr, mk, other
    script: str  # Latn or Cyrl
    date: dt.date | None  # the release's date


@runtime_checkable
class VectorStore(Protocol):
    """Add, delete, search with filters, count and describe chunk vectors."""

    @property
    def dimension(self) -> int: ...

    def add(self, entries: Sequence[ChunkEntry], vectors: np.ndarray) -> None:
        """Insert or overwrite (same chunk id) one vector per entry; ``vectors`` is (len(entries), dimension)."""

    def delete_chunks(self, chunk_ids: Sequence[int]) -> int:
        """Remove these chunks; returns how many were present."""

    def delete_releases(self, release_ids: Sequence[str]) -> int:
        """Remove every chunk of these releases; returns how many were removed."""

    def search(self, query: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """The ``k`` best (chunk id, score) pairs among the chunks passing ``filters``, best first."""

    def vectors_of(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors of the chunks that are present (others are left out)."""

    def count(self) -> int:
        """Number of stored chunks."""

    def describe(self) -> dict[str, object]:
        """Backend, location, index type and its parameters, dimension and count, for status output."""


def check_vectors(entries: Sequence[ChunkEntry], vectors: np.ndarray, dimension: int) -> np.ndarray:
    """``vectors`` as contiguous float32 after checking its shape against ``entries`` and ``dimension``."""
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape != (len(entries), dimension):
        raise ValueError(f"expected vectors of shape {(len(entries), dimension)}, got {array.shape}")
    return array


def check_query(query: np.ndarray, dimension: int) -> np.ndarray:
    """``query`` as a float32 row of ``dimension`` values."""
    row = np.asarray(query, dtype=np.float32).reshape(-1)
    if row.shape[0] != dimension:
        raise ValueError(f"query vector has {row.shape[0]} dimensions, the index {dimension}")
    return row
