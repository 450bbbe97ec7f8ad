"""FAISS-only behaviour of the vector store (the shared contract is in test_vector_store_contract.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from index.faiss_layout import EXACT, IVF
from index.faiss_store import FaissVectorStore
from index.filters import Filters
from index.vector_store import ChunkEntry

LANGUAGES = ["en", "bs", "hr", "sr", "mk"]


def corpus(n: int, dimension: int = 16) -> tuple[list[ChunkEntry], np.ndarray]:
    vectors = np.random.default_rng(3).standard_normal((n, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    entries = [
        ChunkEntry(
            chunk_id=1000 + i,
            release_id=f"r{i // 4}",
            language=LANGUAGES[i % 5],
            script="Cyrl" if LANGUAGES[i % 5] == "mk" else "Latn",
            date=dt.date(2021, 1, 1) + dt.timedelta(days=i) if i % 3 else None,
        )
        for i in range(n)
    ]
    return entries, vectors


def exact_top(entries, vectors, query, allowed, k):
    scores = vectors @ query
    order = [i for i in np.argsort(-scores, kind="stable") if allowed(entries[i])][:k]
    return [entries[i].chunk_id for i in order]


def test_relayout_switches_to_ivf_past_the_limit_and_keeps_every_chunk() -> None:
    entries, vectors = corpus(2000)
    store = FaissVectorStore.empty(16)
    store.add(entries, vectors)
    assert not store.relayout(exact_limit=5000) and store.plan.kind == EXACT
    assert store.relayout(exact_limit=1000)
    assert store.plan.kind == IVF and store.plan.nlist == 45 and store.count() == 2000
    stored = store.vectors_of([entry.chunk_id for entry in entries])
    assert np.allclose(np.stack([stored[entry.chunk_id] for entry in entries]), vectors)
    assert not store.relayout(exact_limit=1000)  # already right for its size


def test_narrow_filters_on_ivf_are_scored_exactly() -> None:
    entries, vectors = corpus(3000)
    store = FaissVectorStore.empty(16)
    store.add(entries, vectors)
    store.relayout(exact_limit=1000)  # IVF with 55 lists, 2 probed: unfiltered search is approximate
    for seed in range(5):
        query = np.random.default_rng(seed).standard_normal(16).astype(np.float32)
        query /= np.linalg.norm(query)
        got = [chunk for chunk, _ in store.search(query, 5, Filters(languages=frozenset({"mk"})))]
        assert got == exact_top(entries, vectors, query, lambda e: e.language == "mk", 5)


def test_saved_store_loads_with_the_same_answers(tmp_path: Path) -> None:
    entries, vectors = corpus(300)
    store = FaissVectorStore.empty(16)
    store.add(entries, vectors)
    assert sorted(store.save(tmp_path)) == ["chunk_columns.npz", "vectors.faiss"]
    loaded = FaissVectorStore.load(tmp_path)
    filters = Filters(languages=frozenset({"sh"}), date_from=dt.date(2021, 3, 1))
    assert loaded.search(vectors[10], 7, filters) == store.search(vectors[10], 7, filters)
    assert loaded.describe() == store.describe()


def test_a_store_without_saved_columns_is_rebuilt_from_entries(tmp_path: Path) -> None:
    entries, vectors = corpus(100)
    store = FaissVectorStore.empty(16)
    store.add(entries, vectors)
    store.save(tmp_path)
    legacy = FaissVectorStore.from_index_and_entries(FaissVectorStore.read_index(tmp_path), entries)
    filters = Filters(release_ids=frozenset({"r3", "r7"}))
    assert legacy.search(vectors[0], 10, filters) == store.search(vectors[0], 10, filters)


def test_a_copy_is_independent_of_its_original() -> None:
    entries, vectors = corpus(40)
    store = FaissVectorStore.empty(16)
    store.add(entries, vectors)
    copy = store.copy()
    assert copy.delete_releases(["r0", "r1"]) == 8
    assert (store.count(), copy.count()) == (40, 32)


def test_index_and_columns_must_agree() -> None:
    entries, vectors = corpus(10)
    store = FaissVectorStore.empty(16)
    store.add(entries, vectors)
    with pytest.raises(ValueError, match="holds 10 vectors but the columns 3"):
        FaissVectorStore.from_index_and_entries(store._index, entries[:3])


def test_membership_follows_adds_and_deletes() -> None:
    entries, vectors = corpus(40)
    store = FaissVectorStore.empty(16)
    store.add(entries[:30], vectors[:30])
    asked = [1000, 1029, 1030, 999, 1039]
    assert sorted(store.vectors_of(asked)) == [1000, 1029]
    store.delete_chunks([1029])
    store.add(entries[30:], vectors[30:])
    assert sorted(store.vectors_of(asked)) == [1000, 1030, 1039]
    store.add(entries[:1], vectors[1:2])  # a chunk added again replaces its vector
    assert store.count() == 39 and np.allclose(store.vectors_of([1000])[1000], vectors[1])
    store.delete_releases(["r0"])  # chunks 1000-1003
    assert sorted(store.vectors_of(asked)) == [1030, 1039]
