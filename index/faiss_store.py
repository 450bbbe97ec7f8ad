"""The in-process vector store: a FAISS index plus compact filter columns, saved inside a generation.

Filter columns (release, language, script, day) are numpy arrays aligned with
the chunk ids, so a filter is a vectorised mask (milliseconds at a million
chunks) and the store needs no database. The FAISS layout follows
``index.faiss_layout.choose_index``; ``relayout`` rebuilds it when the corpus
crosses the rule's limits. Small filtered subsets of an IVF index are scored
exactly, so a narrow filter never misses chunks in unprobed lists.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index import faiss_layout
from index.faiss_layout import IndexPlan
from index.filters import LANGUAGE_FILTERS, Filters
from index.numpy_load import NUMPY_LOAD_LOCK
from index.vector_store import (
    CHUNKS,
    FAISS_BACKEND,
    SENTENCES,
    FAISS_LOCATION,
    ChunkEntry,
    StoreLocation,
    VectorStore,
    check_query,
    check_vectors,
    round_to_half,
)

# Kinds stored as float16: sentences are about six per chunk, so they would dominate memory at full precision.
HALF_PRECISION_KINDS = frozenset({SENTENCES})
VECTORS_FILE = "vectors.faiss"
COLUMNS_FILE = "chunk_columns.npz"
NO_DAY = -1
# Filtered IVF searches over at most this many chunks are scored exactly.
EXACT_SUBSET_LIMIT = 20_000


@dataclass
class _Columns:
    """Per-chunk filter values; ``release``, ``language`` and ``script`` index into the name lists."""

    ids: np.ndarray  # int64
    release: np.ndarray  # int32
    language: np.ndarray  # int16
    script: np.ndarray  # int16
    day: np.ndarray  # int32, date.toordinal() or NO_DAY
    release_names: list[str]
    language_names: list[str]
    script_names: list[str]
    _sorted_ids: np.ndarray | None = None  # ``ids`` sorted, built on first membership test

    @classmethod
    def empty(cls) -> _Columns:
        return cls(
            np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int16), np.zeros(0, np.int16),
            np.zeros(0, np.int32), [], [], [],
        )  # fmt: skip

    def append(self, entries: Sequence[ChunkEntry]) -> None:
        self.ids = np.concatenate([self.ids, np.fromiter((e.chunk_id for e in entries), np.int64, len(entries))])
        self.release = np.concatenate(
            [self.release, _codes(self.release_names, [e.release_id for e in entries], np.int32)]
        )
        self.language = np.concatenate(
            [self.language, _codes(self.language_names, [e.language for e in entries], np.int16)]
        )
        self.script = np.concatenate([self.script, _codes(self.script_names, [e.script for e in entries], np.int16)])
        days = [e.date.toordinal() if e.date else NO_DAY for e in entries]
        self.day = np.concatenate([self.day, np.asarray(days, dtype=np.int32)])
        self._sorted_ids = None

    def keep(self, mask: np.ndarray) -> None:
        self.ids, self.release, self.language = self.ids[mask], self.release[mask], self.language[mask]
        self.script, self.day = self.script[mask], self.day[mask]
        self._sorted_ids = None

    def holds(self, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` the store holds: a binary search per id in a sorted copy, not a pass over all rows."""
        ordered = self._sorted_ids
        if ordered is None:
            ordered = np.sort(self.ids)
            self._sorted_ids = ordered
        if len(ordered) == 0:
            return np.zeros(len(ids), dtype=bool)
        positions = np.minimum(np.searchsorted(ordered, ids), len(ordered) - 1)
        return ordered[positions] == ids

    def mask(self, filters: Filters) -> np.ndarray:
        """Rows passing ``filters``."""
        passing = np.ones(len(self.ids), dtype=bool)
        if filters.languages:
            passing &= self._language_mask(filters.languages)
        if filters.date_from is not None or filters.date_to is not None:
            passing &= self.day != NO_DAY
        if filters.date_from is not None:
            passing &= self.day >= filters.date_from.toordinal()
        if filters.date_to is not None:
            passing &= self.day <= filters.date_to.toordinal()
        if filters.release_ids:
            passing &= np.isin(self.release, _known_codes(self.release_names, filters.release_ids))
        return passing

    def _language_mask(self, tags: frozenset[str]) -> np.ndarray:
        matched = np.zeros(len(self.ids), dtype=bool)
        for tag in tags:
            languages, script = LANGUAGE_FILTERS[tag]
            rows = np.isin(self.language, _known_codes(self.language_names, languages))
            if script is not None:
                rows &= np.isin(self.script, _known_codes(self.script_names, [script]))
            matched |= rows
        return matched

    def save(self, path: Path) -> None:
        with path.open("wb") as handle:
            np.savez(
                handle, ids=self.ids, release=self.release, language=self.language, script=self.script, day=self.day,
                release_names=np.asarray(self.release_names, dtype=str),
                language_names=np.asarray(self.language_names, dtype=str),
                script_names=np.asarray(self.script_names, dtype=str),
            )  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> _Columns:
        with NUMPY_LOAD_LOCK, np.load(path, allow_pickle=False) as data:
            return cls(
                data["ids"], data["release"], data["language"], data["script"], data["day"],
                data["release_names"].tolist(), data["language_names"].tolist(), data["script_names"].tolist(),
            )  # fmt: skip


def _codes(names: list[str], values: Sequence[str], dtype: type) -> np.ndarray:
    """Codes of ``values`` in ``names``, appending unseen values to ``names``."""
    positions = {name: code for code, name in enumerate(names)}
    codes = []
    for value in values:
        if value not in positions:
            positions[value] = len(names)
            names.append(value)
        codes.append(positions[value])
    return np.asarray(codes, dtype=dtype)


def _known_codes(names: list[str], values: Sequence[str] | frozenset[str]) -> np.ndarray:
    wanted = set(values)
    return np.asarray([code for code, name in enumerate(names) if name in wanted], dtype=np.int64)


class FaissVectorStore:
    """Chunk vectors in a FAISS index laid out by ``faiss_layout``; see the module docstring."""

    def __init__(self, index: faiss.Index, columns: _Columns) -> None:
        if index.ntotal != len(columns.ids):
            raise ValueError(f"the FAISS index holds {index.ntotal} vectors but the columns {len(columns.ids)} chunks")
        self._index = index
        self._columns = columns

    @classmethod
    def empty(cls, dimension: int, half: bool = False) -> FaissVectorStore:
        """An empty exact store; ``half`` stores float16 (vectors are rounded to it when added)."""
        return cls(faiss_layout.empty_exact_index(dimension, half), _Columns.empty())

    @classmethod
    def from_index_and_entries(cls, index: faiss.Index, entries: Sequence[ChunkEntry]) -> FaissVectorStore:
        """A store around a FAISS index whose filter columns were not saved (built from ``entries``)."""
        columns = _Columns.empty()
        columns.append(entries)
        return cls(index, columns)

    @staticmethod
    def read_index(folder: Path) -> faiss.Index:
        return faiss.read_index(str(folder / VECTORS_FILE))

    @classmethod
    def load(cls, folder: Path, kind: str = CHUNKS) -> FaissVectorStore:
        """Read the FAISS index and the filter columns of ``kind`` (checksums are the caller's job)."""
        vectors, columns = file_names(kind)
        return cls(faiss.read_index(str(folder / vectors)), _Columns.load(folder / columns))

    def save(self, folder: Path, kind: str = CHUNKS) -> list[str]:
        """Write the store's files of ``kind`` into ``folder``; returns their names."""
        vectors, columns = file_names(kind)
        faiss.write_index(self._index, str(folder / vectors))
        self._columns.save(folder / columns)
        return [vectors, columns]

    def copy(self) -> FaissVectorStore:
        """An independent copy to modify (a writer's staging store)."""
        columns = self._columns
        copied = _Columns(
            columns.ids.copy(), columns.release.copy(), columns.language.copy(), columns.script.copy(),
            columns.day.copy(), list(columns.release_names), list(columns.language_names), list(columns.script_names),
        )  # fmt: skip
        return FaissVectorStore(faiss.clone_index(self._index), copied)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    @property
    def shared(self) -> bool:
        return False  # every generation has its own copy

    def close(self) -> None:
        """Nothing to release: the index lives in this process's memory."""

    @property
    def plan(self) -> IndexPlan:
        return faiss_layout.plan_of(self._index)

    def add(self, entries: Sequence[ChunkEntry], vectors: np.ndarray) -> None:
        array = check_vectors(entries, vectors, self.dimension)
        if not entries:
            return
        ids = np.fromiter((entry.chunk_id for entry in entries), np.int64, len(entries))
        if len(np.unique(ids)) != len(ids):
            raise ValueError("the entries repeat a chunk id")
        self.delete_chunks(ids[self._columns.holds(ids)])
        if self.plan.half:
            array = round_to_half(array)
        self._index.add_with_ids(array, ids)
        self._columns.append(entries)

    def delete_chunks(self, chunk_ids: Sequence[int]) -> int:
        ids = np.asarray(chunk_ids, dtype=np.int64).reshape(-1)
        present = np.isin(self._columns.ids, ids)
        return self._remove(present)

    def delete_releases(self, release_ids: Sequence[str]) -> int:
        codes = _known_codes(self._columns.release_names, list(release_ids))
        return self._remove(np.isin(self._columns.release, codes))

    def _remove(self, rows: np.ndarray) -> int:
        count = int(rows.sum())
        if count == 0:
            return 0
        removed = self._index.remove_ids(self._columns.ids[rows])
        if removed != count:
            raise RuntimeError(f"the FAISS index removed {removed} of {count} chunks: the store is inconsistent")
        self._columns.keep(~rows)
        return count

    def search(self, query: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        row = check_query(query, self.dimension)
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        allowed = None
        if filters is not None and filters.restricts:
            allowed = self._columns.ids[self._columns.mask(filters)]
            if len(allowed) == 0:
                return []
            if self.plan.kind == faiss_layout.IVF and len(allowed) <= EXACT_SUBSET_LIMIT:
                return self._score_subset(row, allowed, k)
        limit = self._index.ntotal if allowed is None else len(allowed)
        k = min(k, limit)
        if k == 0:
            return []
        params = faiss_layout.search_parameters(self.plan, allowed)
        scores, ids = self._index.search(row.reshape(1, -1), k, params=params)
        return [(int(chunk), float(score)) for chunk, score in zip(ids[0], scores[0], strict=True) if chunk >= 0]

    def _score_subset(self, row: np.ndarray, allowed: np.ndarray, k: int) -> list[tuple[int, float]]:
        scores = self._index.reconstruct_batch(allowed) @ row
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(allowed[i]), float(scores[i])) for i in order]

    def vectors_of(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        ids = np.asarray(chunk_ids, dtype=np.int64).reshape(-1)
        present = ids[self._columns.holds(ids)]
        if len(present) == 0:
            return {}
        vectors = self._index.reconstruct_batch(present)
        return {int(chunk): vectors[i] for i, chunk in enumerate(present)}

    def count(self) -> int:
        return int(self._index.ntotal)

    def describe(self) -> dict[str, object]:
        plan = self.plan
        return {
            "backend": FAISS_BACKEND,
            "index_type": plan.kind,
            "nlist": plan.nlist,
            "nprobe": plan.nprobe,
            "precision": "float16" if plan.half else "float32",
            "metric": "IP",
            "dimension": self.dimension,
            "count": self.count(),
        }

    def relayout(self, exact_limit: int = faiss_layout.EXACT_LIMIT) -> bool:
        """Rebuild the FAISS index as ``choose_index`` says for the current count; True when it did."""
        if not faiss_layout.needs_relayout(self.plan, self.count(), exact_limit):
            return False
        plan = faiss_layout.choose_index(self.count(), exact_limit, self.plan.half)
        self._index = faiss_layout.rebuild_index(plan, self._index, self._columns.ids)
        return True


def file_names(kind: str) -> tuple[str, str]:
    """The FAISS index and filter-column files of a generation's store of ``kind``."""
    if kind == CHUNKS:
        return VECTORS_FILE, COLUMNS_FILE  # the names generations had before sentence vectors
    return f"{kind}_vectors.faiss", f"{kind}_columns.npz"


class FaissBackend:
    """Stores inside each generation folder; an update starts from a copy of the published store."""

    def create(
        self, location: StoreLocation, folder: Path, kind: str, dimension: int, index_name: str, model_id: str
    ) -> VectorStore:
        return FaissVectorStore.empty(dimension, half=kind in HALF_PRECISION_KINDS)

    def stage(self, base: VectorStore, location: StoreLocation, folder: Path, kind: str) -> VectorStore:
        if not isinstance(base, FaissVectorStore):
            raise TypeError("a FAISS generation can only continue a FAISS store")
        return base.copy()

    def save(self, store: VectorStore, location: StoreLocation, folder: Path, kind: str) -> None:
        if not isinstance(store, FaissVectorStore):
            raise TypeError("the FAISS backend saves FAISS stores only")
        store.relayout()
        store.save(folder, kind)

    def open(
        self, location: StoreLocation, folder: Path, files: Collection[str], kind: str, dimension: int
    ) -> VectorStore | None:
        vectors, columns = file_names(kind)
        if vectors not in files or columns not in files:
            return None
        return FaissVectorStore.load(folder, kind)

    def location_of(self, folder: Path, token: str) -> StoreLocation:
        return FAISS_LOCATION

    def discard(self, folder: Path, kept: Sequence[Path], token: str) -> None:
        """Nothing outside the folder to release."""


BACKEND = FaissBackend()
