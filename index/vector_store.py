"""The vector-store seam: where a generation's vectors live and how they are searched.

A generation holds two kinds of vectors (``KINDS``): one per chunk (the passage
people read) and one per sentence of each chunk (the unit of matching). Each kind
is one ``VectorStore``; a ``VectorBackend`` creates, stages, saves, opens and
discards the stores of a generation. Backends are registered by name in
``index.store_location``; the rest of the index talks to these two protocols only.
The chunk catalogue (text, offsets, citations) and the lexical leg stay in the
generation folder whatever the backend.

Scores are inner products of unit vectors (cosine), highest first. Ids are stable:
``index.chunking.chunk_id`` for chunks and ``index.sentences.sentence_id`` for
sentences, so the same text at the same place has the same id in every generation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from index.filters import Filters

FAISS_BACKEND = "faiss"
MILVUS_BACKEND = "milvus"
CHUNKS = "chunks"
SENTENCES = "sentences"
KINDS = (CHUNKS, SENTENCES)


class VectorStoreError(RuntimeError):
    """The vector store cannot be reached or used; the message tells the user what to do."""


@dataclass(frozen=True)
class StoreLocation:
    """A registered backend's name and, for a server, its URI (without credentials), token and index type."""

    backend: str = FAISS_BACKEND
    uri: str = ""
    token: str = field(default="", repr=False, compare=False)
    index_type: str = ""

    def label(self) -> str:
        return self.backend if not self.uri else f"{self.backend} {self.uri} ({self.index_type})"


FAISS_LOCATION = StoreLocation()


@dataclass(frozen=True)
class ChunkEntry:
    """What a vector store keeps beside a vector: enough to apply ``Filters``.

    ``chunk_id`` is the id of the stored item: a chunk's id in a chunk store, a
    sentence's id in a sentence store (which carries its chunk's filter fields).
    """

    chunk_id: int
    release_id: str
    language: str  # corpus language of the chunk: en, bs, hr, sr, mk, other
    script: str  # Latn or Cyrl
    date: dt.date | None  # the release's date


@runtime_checkable
class VectorStore(Protocol):
    """Add, delete, search with filters, count and describe the vectors of one kind.

    ``shared`` says whether the store is shared with other generations (a server
    collection that an update writes into): a writer then defers deletes until it has
    published, and a search may return ids that the searching generation does not list.
    """

    @property
    def dimension(self) -> int: ...

    @property
    def shared(self) -> bool: ...

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

    def close(self) -> None:
        """Release connections or files; the store is not used afterwards."""


class VectorBackend(Protocol):
    """The life of a generation's vector stores on one backend.

    ``folder`` is the generation's folder (the staging folder while it is written). A
    generation without a store of some kind (written before that kind existed) opens
    with None for it.
    """

    def create(
        self, location: StoreLocation, folder: Path, kind: str, dimension: int, index_name: str, model_id: str
    ) -> VectorStore:
        """An empty writable store for a new generation of the index ``index_name`` built with ``model_id``."""

    def stage(self, base: VectorStore, location: StoreLocation, folder: Path, kind: str) -> VectorStore:
        """A writable store that starts as ``base``, the published generation's store of ``kind``."""

    def save(self, store: VectorStore, location: StoreLocation, folder: Path, kind: str) -> None:
        """Write what the generation keeps of ``store`` into ``folder``, choosing its layout (at commit)."""

    def open(
        self, location: StoreLocation, folder: Path, files: Collection[str], kind: str, dimension: int
    ) -> VectorStore | None:
        """The published store of ``kind`` (``files``: the manifest's file list); None if the generation has none."""

    def location_of(self, folder: Path, token: str) -> StoreLocation:
        """Where a published generation's vectors live (``token`` authenticates to a server)."""

    def discard(self, folder: Path, kept: Sequence[Path], token: str) -> None:
        """Release what the generation in ``folder`` (about to be deleted) used and no ``kept`` one uses."""


def check_vectors(entries: Sequence[ChunkEntry], vectors: np.ndarray, dimension: int) -> np.ndarray:
    """``vectors`` as contiguous float32 after checking its shape against ``entries`` and ``dimension``."""
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape != (len(entries), dimension):
        raise ValueError(f"expected vectors of shape {(len(entries), dimension)}, got {array.shape}")
    return array


def round_to_half(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` rounded to the nearest float16 values, as float32.

    Sentence vectors are stored at this precision on every backend (half the memory on FAISS,
    identical scores everywhere); measured on NTREX it changes no ranking (see the README).
    """
    return np.asarray(vectors, dtype=np.float32).astype(np.float16).astype(np.float32)


def check_query(query: np.ndarray, dimension: int) -> np.ndarray:
    """``query`` as a float32 row of ``dimension`` values."""
    row = np.asarray(query, dtype=np.float32).reshape(-1)
    if row.shape[0] != dimension:
        raise ValueError(f"query vector has {row.shape[0]} dimensions, the index {dimension}")
    return row
