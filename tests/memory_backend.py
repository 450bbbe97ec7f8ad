"""A third vector-store backend, for tests only: numpy arrays in memory, saved as one .npz per kind.

It exists to show that a backend is one module plus one registration: nothing in the
index package names it, yet it passes the same contract tests as FAISS and Milvus and
serves whole builds, updates and migrations (``tests/index/test_memory_backend.py``).
Scores are exact inner products, ties broken by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from index.filters import LANGUAGE_FILTERS, Filters
from index.store_location import register_backend, unregister_backend
from index.vector_store import ChunkEntry, StoreLocation, VectorStore, check_query, check_vectors

NAME = "memory"


class MemoryVectorStore:
    def __init__(self, dimension: int) -> None:
        self._dimension = dimension
        self._vectors: dict[int, np.ndarray] = {}
        self._entries: dict[int, ChunkEntry] = {}

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def shared(self) -> bool:
        return False

    def add(self, entries: Sequence[ChunkEntry], vectors: np.ndarray) -> None:
        array = check_vectors(entries, vectors, self._dimension)
        if len({entry.chunk_id for entry in entries}) != len(entries):
            raise ValueError("the entries repeat a chunk id")
        for entry, vector in zip(entries, array, strict=True):
            self._vectors[entry.chunk_id] = vector.copy()
            self._entries[entry.chunk_id] = entry

    def delete_chunks(self, chunk_ids: Sequence[int]) -> int:
        present = {int(chunk) for chunk in chunk_ids} & set(self._entries)
        for chunk in present:
            del self._vectors[chunk], self._entries[chunk]
        return len(present)

    def delete_releases(self, release_ids: Sequence[str]) -> int:
        wanted = set(release_ids)
        return self.delete_chunks([chunk for chunk, entry in self._entries.items() if entry.release_id in wanted])

    def search(self, query: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        row = check_query(query, self._dimension)
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        scored = [
            (chunk, float(self._vectors[chunk] @ row))
            for chunk, entry in self._entries.items()
            if filters is None or _passes(entry, filters)
        ]
        return sorted(scored, key=lambda item: (-item[1], item[0]))[:k]

    def vectors_of(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        return {int(chunk): self._vectors[int(chunk)] for chunk in chunk_ids if int(chunk) in self._vectors}

    def count(self) -> int:
        return len(self._entries)

    def describe(self) -> dict[str, object]:
        return {"backend": NAME, "index_type": "exact", "metric": "IP", "dimension": self._dimension,
                "count": self.count()}  # fmt: skip

    def close(self) -> None:
        """Nothing to release."""

    def save(self, path: Path) -> None:
        ids = sorted(self._entries)
        entries = [self._entries[chunk] for chunk in ids]
        with path.open("wb") as handle:
            np.savez(
                handle,
                ids=np.asarray(ids, dtype=np.int64),
                vectors=np.asarray([self._vectors[chunk] for chunk in ids], dtype=np.float32).reshape(-1, self._dimension),
                fields=np.asarray(
                    [[e.release_id, e.language, e.script, e.date.isoformat() if e.date else ""] for e in entries],
                    dtype=str,
                ).reshape(-1, 4),
            )

    @classmethod
    def load(cls, path: Path, dimension: int) -> MemoryVectorStore:
        store = cls(dimension)
        with np.load(path, allow_pickle=False) as data:
            entries = [
                ChunkEntry(int(chunk), release, language, script, dt.date.fromisoformat(day) if day else None)
                for chunk, (release, language, script, day) in zip(data["ids"], data["fields"].tolist(), strict=True)
            ]
            if entries:
                store.add(entries, data["vectors"])
        return store

    def copy(self) -> MemoryVectorStore:
        twin = MemoryVectorStore(self._dimension)
        twin._vectors = {chunk: vector.copy() for chunk, vector in self._vectors.items()}
        twin._entries = dict(self._entries)
        return twin


def _passes(entry: ChunkEntry, filters: Filters) -> bool:
    if filters.languages and not any(
        entry.language in LANGUAGE_FILTERS[tag][0] and LANGUAGE_FILTERS[tag][1] in (None, entry.script)
        for tag in filters.languages
    ):
        return False
    if (filters.date_from or filters.date_to) and entry.date is None:
        return False
    if filters.date_from and entry.date < filters.date_from:  # type: ignore[operator]
        return False
    if filters.date_to and entry.date > filters.date_to:  # type: ignore[operator]
        return False
    return not filters.release_ids or entry.release_id in filters.release_ids


def _file(kind: str) -> str:
    return f"memory_{kind}.npz"


class MemoryBackend:
    def create(
        self, location: StoreLocation, folder: Path, kind: str, dimension: int, index_name: str, model_id: str
    ) -> VectorStore:
        return MemoryVectorStore(dimension)

    def stage(self, base: VectorStore, location: StoreLocation, folder: Path, kind: str) -> VectorStore:
        assert isinstance(base, MemoryVectorStore)
        return base.copy()

    def save(self, store: VectorStore, location: StoreLocation, folder: Path, kind: str) -> None:
        assert isinstance(store, MemoryVectorStore)
        store.save(folder / _file(kind))

    def open(
        self, location: StoreLocation, folder: Path, files: Collection[str], kind: str, dimension: int
    ) -> VectorStore | None:
        return MemoryVectorStore.load(folder / _file(kind), dimension) if _file(kind) in files else None

    def location_of(self, folder: Path, token: str) -> StoreLocation:
        return StoreLocation(NAME)

    def discard(self, folder: Path, kept: Sequence[Path], token: str) -> None:
        """Nothing outside the folder."""


def _parse(text: str, home: Path, index_type: str) -> StoreLocation | None:
    return StoreLocation(NAME) if text == NAME else None


def register() -> None:
    register_backend(NAME, MemoryBackend, _parse)


def unregister() -> None:
    unregister_backend(NAME)
