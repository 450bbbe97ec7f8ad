"""The VectorStore and VectorBackend contracts, run on every backend through the registry:
FAISS, Milvus (a milvus-lite file, and a real Milvus standalone server: the ``milvus_server``
fixture) and the tests' in-memory backend (``tests.memory_backend``).

Nine chunks of dimension 8 with hand-computed inner products against ``QUERY``;
every score is distinct, so the order is unambiguous.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.filters import Filters
from index.store_location import backend_of, parse_location
from index.vector_store import KINDS, ChunkEntry, StoreLocation, VectorStore
from tests import memory_backend

DIM = 8
BACKENDS = ["faiss", "milvus", "memory", "milvus-server"]
QUERY = np.array([1, 0.5, 0, 0, 0, 0, 0, -1], dtype=np.float32)

# chunk id -> (release, language, script, date, vector, score = vector . QUERY worked out by hand)
CHUNKS = {
    1: ("r1", "en", "Latn", dt.date(2024, 1, 10), [0.9, 0.2, 0, 0, 0, 0, 0, 0], 1.0),
    2: ("r1", "en", "Latn", dt.date(2024, 1, 10), [0.5, 0, 1, 0, 0, 0, 0, 0.1], 0.4),
    3: ("r2", "bs", "Latn", dt.date(2024, 2, 1), [0.7, 0.4, 0, 1, 0, 0, 0, 0], 0.9),
    4: ("r3", "hr", "Latn", dt.date(2024, 3, 15), [0.2, 1.0, 0, 0, 1, 0, 0, 0], 0.7),
    5: ("r4", "sr", "Latn", dt.date(2024, 4, 1), [0.6, 0, 0, 0, 0, 1, 0, 0], 0.6),
    6: ("r5", "sr", "Cyrl", dt.date(2024, 5, 1), [0.8, 0, 0, 0, 0, 0, 0, 0.3], 0.5),
    7: ("r6", "mk", "Cyrl", None, [0.3, 0, 0, 0, 0, 0, 1, 0], 0.3),
    8: ("r7", "other", "Latn", None, [0.1, 0.2, 0, 0, 0, 0, 0, 0], 0.2),
    9: ("r8", "sr", "Cyrl", dt.date(2023, 12, 31), [0.4, 0.2, 0, 0, 0, 0, 0, 0.5], 0.0),
}
BEST_FIRST = [1, 3, 4, 5, 6, 2, 7, 8, 9]

FILTER_CASES = {
    "en": (Filters(languages=frozenset({"en"})), {1, 2}),
    "bs": (Filters(languages=frozenset({"bs"})), {3}),
    "sr both scripts": (Filters(languages=frozenset({"sr"})), {5, 6, 9}),
    "sr-Latn": (Filters(languages=frozenset({"sr-Latn"})), {5}),
    "sr-Cyrl": (Filters(languages=frozenset({"sr-Cyrl"})), {6, 9}),
    "sh": (Filters(languages=frozenset({"sh"})), {3, 4, 5, 6, 9}),
    "mk or other": (Filters(languages=frozenset({"mk", "other"})), {7, 8}),
    "en or sr-Cyrl": (Filters(languages=frozenset({"en", "sr-Cyrl"})), {1, 2, 6, 9}),
    "date_from only": (Filters(date_from=dt.date(2024, 2, 1)), {3, 4, 5, 6}),
    "date_to only": (Filters(date_to=dt.date(2024, 2, 1)), {1, 2, 3, 9}),
    "one day": (Filters(date_from=dt.date(2024, 3, 15), date_to=dt.date(2024, 3, 15)), {4}),
    "release ids": (Filters(release_ids=frozenset({"r1", "r6"})), {1, 2, 7}),
    "unknown release": (Filters(release_ids=frozenset({"nowhere"})), set()),
    "combination": (
        Filters(languages=frozenset({"sh"}), date_from=dt.date(2024, 1, 1), release_ids=frozenset({"r2", "r5", "r8"})),
        {3, 6},
    ),
}


def entries_and_vectors(ids: list[int]) -> tuple[list[ChunkEntry], np.ndarray]:
    entries = [ChunkEntry(chunk, *CHUNKS[chunk][:4]) for chunk in ids]
    vectors = np.array([CHUNKS[chunk][4] for chunk in ids], dtype=np.float32)
    return entries, vectors


@pytest.fixture(scope="module", autouse=True)
def registered_memory_backend() -> Iterator[None]:
    memory_backend.register()
    yield
    memory_backend.unregister()


def location(backend: str, folder: Path, request: pytest.FixtureRequest) -> StoreLocation:
    """Where ``backend`` keeps vectors; the server is started (once per run) only when a test asks for it."""
    if backend == "milvus-server":
        return parse_location(request.getfixturevalue("milvus_server").uri, folder)
    return parse_location({"faiss": "faiss", "milvus": str(folder / "m.db"), "memory": "memory"}[backend], folder)


def open_store(
    backend: str, folder: Path, collection: str, request: pytest.FixtureRequest, kind: str = "chunks"
) -> VectorStore:
    """A new empty store of ``backend``, made the way a generation makes it."""
    where = location(backend, folder, request)
    generation = folder / f"{collection}-{kind}"
    generation.mkdir(parents=True, exist_ok=True)
    return backend_of(where).create(where, generation, kind, DIM, collection, "contract-model")


def close_store(store: VectorStore) -> None:
    store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    """An empty store of each backend."""
    opened = open_store(request.param, tmp_path, "contract", request)
    yield opened
    close_store(opened)


@pytest.fixture(scope="module")
def filled_stores(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, VectorStore]]:
    """Every backend holding all of ``CHUNKS`` (read-only tests share them)."""
    folder = tmp_path_factory.mktemp("filled")
    stores = {backend: open_store(backend, folder, "filled", request) for backend in BACKENDS}
    entries, vectors = entries_and_vectors(list(CHUNKS))
    for opened in stores.values():
        opened.add(entries, vectors)
    yield stores
    for opened in stores.values():
        close_store(opened)


@pytest.fixture(params=BACKENDS)
def filled(request: pytest.FixtureRequest, filled_stores: dict[str, VectorStore]) -> VectorStore:
    return filled_stores[request.param]


def test_store_satisfies_the_protocol(store: VectorStore) -> None:
    assert isinstance(store, VectorStore)
    assert store.dimension == DIM


def test_add_then_count(store: VectorStore) -> None:
    entries, vectors = entries_and_vectors([1, 2, 3])
    store.add(entries, vectors)
    assert store.count() == 3


def test_search_orders_by_inner_product(filled: VectorStore) -> None:
    hits = filled.search(QUERY, 9)
    assert [chunk for chunk, _ in hits] == BEST_FIRST
    for chunk, score in hits:
        assert score == pytest.approx(CHUNKS[chunk][5], abs=1e-5)


def test_search_returns_the_k_best(filled: VectorStore) -> None:
    assert [chunk for chunk, _ in filled.search(QUERY, 3)] == [1, 3, 4]


def test_k_larger_than_count_returns_every_chunk(filled: VectorStore) -> None:
    assert [chunk for chunk, _ in filled.search(QUERY, 100)] == BEST_FIRST


def test_search_on_empty_store_is_empty(store: VectorStore) -> None:
    assert store.search(QUERY, 5) == []
    assert store.search(QUERY, 5, Filters(languages=frozenset({"en"}))) == []


def test_k_below_one_is_rejected(filled: VectorStore) -> None:
    with pytest.raises(ValueError, match="k must be"):
        filled.search(QUERY, 0)


@pytest.mark.parametrize("case", list(FILTER_CASES))
def test_filters_select_exactly_the_expected_chunks(filled: VectorStore, case: str) -> None:
    filters, expected = FILTER_CASES[case]
    hits = filled.search(QUERY, 20, filters)
    assert {chunk for chunk, _ in hits} == expected
    assert [chunk for chunk, _ in hits] == [chunk for chunk in BEST_FIRST if chunk in expected]


def test_filtered_search_respects_k(filled: VectorStore) -> None:
    hits = filled.search(QUERY, 2, Filters(languages=frozenset({"sh"})))
    assert [chunk for chunk, _ in hits] == [3, 4]


def test_empty_filters_do_not_restrict(filled: VectorStore) -> None:
    assert [chunk for chunk, _ in filled.search(QUERY, 9, Filters())] == BEST_FIRST


def test_upsert_replaces_the_vector(store: VectorStore) -> None:
    entries, vectors = entries_and_vectors([1, 3])
    store.add(entries, vectors)
    replacement = ChunkEntry(1, "r1", "en", "Latn", dt.date(2024, 1, 10))
    new_vector = np.array([[0.1, 0, 0, 0, 0, 0, 0, 0]], dtype=np.float32)  # score 0.1
    store.add([replacement], new_vector)
    assert store.count() == 2
    hits = store.search(QUERY, 5)
    assert [chunk for chunk, _ in hits] == [3, 1]
    assert hits[1][1] == pytest.approx(0.1, abs=1e-5)
    np.testing.assert_allclose(store.vectors_of([1])[1], new_vector[0])


def test_upsert_replaces_the_filter_fields(store: VectorStore) -> None:
    entries, vectors = entries_and_vectors([1])
    store.add(entries, vectors)
    store.add([ChunkEntry(1, "r9", "mk", "Cyrl", None)], vectors)
    assert store.search(QUERY, 5, Filters(languages=frozenset({"en"}))) == []
    assert [chunk for chunk, _ in store.search(QUERY, 5, Filters(release_ids=frozenset({"r9"})))] == [1]


def test_repeated_id_in_one_add_is_rejected(store: VectorStore) -> None:
    entries, vectors = entries_and_vectors([1, 1])
    with pytest.raises(ValueError, match="repeat"):
        store.add(entries, vectors)


def test_delete_chunks_counts_those_present(store: VectorStore) -> None:
    entries, vectors = entries_and_vectors([1, 2, 3])
    store.add(entries, vectors)
    assert store.delete_chunks([2, 3, 42]) == 2
    assert store.count() == 1
    assert [chunk for chunk, _ in store.search(QUERY, 5)] == [1]
    assert store.delete_chunks([2]) == 0


def test_delete_releases_removes_only_their_chunks(store: VectorStore) -> None:
    entries, vectors = entries_and_vectors(list(CHUNKS))
    store.add(entries, vectors)
    assert store.delete_releases(["r1", "r5", "missing"]) == 3
    assert store.count() == 6
    assert {chunk for chunk, _ in store.search(QUERY, 20)} == {3, 4, 5, 7, 8, 9}
    assert store.delete_releases(["r1"]) == 0


def test_vectors_of_returns_stored_vectors_and_skips_missing(filled: VectorStore) -> None:
    found = filled.vectors_of([4, 99, 1])
    assert set(found) == {1, 4}
    for chunk in (1, 4):
        np.testing.assert_allclose(found[chunk], np.array(CHUNKS[chunk][4], dtype=np.float32), atol=1e-6)
    assert filled.vectors_of([]) == {}


def test_wrong_vector_shape_is_rejected(store: VectorStore) -> None:
    entries, _ = entries_and_vectors([1, 2])
    with pytest.raises(ValueError, match="shape"):
        store.add(entries, np.zeros((2, DIM + 1), dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        store.add(entries, np.zeros((3, DIM), dtype=np.float32))
    assert store.count() == 0


def test_wrong_query_dimension_is_rejected(filled: VectorStore) -> None:
    with pytest.raises(ValueError, match="dimensions"):
        filled.search(np.zeros(DIM - 1, dtype=np.float32), 3)


def test_describe_names_backend_dimension_and_count(filled: VectorStore) -> None:
    described = filled.describe()
    assert described["backend"] in BACKENDS
    assert described["dimension"] == DIM
    assert described["count"] == len(CHUNKS)
    assert described["metric"] == "IP"


def test_backends_agree_on_ids_and_scores(filled_stores: dict[str, VectorStore]) -> None:
    for backend in ("memory",):
        for filters in [None, *(filters for filters, _ in FILTER_CASES.values())]:
            ours, reference = filled_stores[backend].search(QUERY, 6, filters), filled_stores["faiss"].search(QUERY, 6, filters)
            assert [chunk for chunk, _ in ours] == [chunk for chunk, _ in reference], (backend, filters)
            np.testing.assert_allclose([s for _, s in ours], [s for _, s in reference], atol=1e-6)
    rng = np.random.default_rng(7)
    queries = [QUERY, *rng.normal(size=(4, DIM)).astype(np.float32)]
    cases = [None, *(filters for filters, _ in FILTER_CASES.values())]
    for query in queries:
        for filters in cases:
            faiss_hits = filled_stores["faiss"].search(query, 6, filters)
            for backend in ("milvus", "milvus-server"):
                milvus_hits = filled_stores[backend].search(query, 6, filters)
                assert [chunk for chunk, _ in faiss_hits] == [chunk for chunk, _ in milvus_hits], (backend, filters)
                np.testing.assert_allclose(
                    [score for _, score in faiss_hits], [score for _, score in milvus_hits], atol=1e-5
                )


# --- the backend life cycle: create, save, open, stage, discard ---


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_saved_store_opens_with_the_same_answers(
    backend: str, kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    where = location(backend, tmp_path, request)
    plugin = backend_of(where)
    folder = tmp_path / "gen"
    folder.mkdir()
    store = plugin.create(where, folder, kind, DIM, "life", "model")
    entries, vectors = entries_and_vectors(list(CHUNKS))
    store.add(entries, vectors)
    expected = store.search(QUERY, 5)
    plugin.save(store, where, folder, kind)
    store.close()
    files = [path.name for path in folder.iterdir()]
    opened = plugin.open(plugin.location_of(folder, ""), folder, files, kind, DIM)
    assert opened is not None and opened.count() == len(CHUNKS)
    assert [chunk for chunk, _ in opened.search(QUERY, 5)] == [chunk for chunk, _ in expected]
    other = "sentences" if kind == "chunks" else "chunks"
    assert plugin.open(where, folder, [name for name in files if other in name and kind not in name], other, DIM) is None
    opened.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_staged_store_starts_as_its_base_and_leaves_an_unshared_base_alone(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    where = location(backend, tmp_path, request)
    plugin = backend_of(where)
    base_folder, next_folder = tmp_path / "base", tmp_path / "next"
    base_folder.mkdir()
    next_folder.mkdir()
    base = plugin.create(where, base_folder, "chunks", DIM, "stage", "model")
    entries, vectors = entries_and_vectors(list(CHUNKS))
    base.add(entries, vectors)
    staged = plugin.stage(base, where, next_folder, "chunks")
    assert staged.count() == len(CHUNKS)
    staged.delete_chunks([1])
    assert staged.count() == len(CHUNKS) - 1
    assert base.count() == (len(CHUNKS) - 1 if base.shared else len(CHUNKS))
    staged.close()
    base.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_discarding_a_folder_keeps_what_kept_folders_use(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    where = location(backend, tmp_path, request)
    plugin = backend_of(where)
    kept, dropped = tmp_path / "kept", tmp_path / "dropped"
    kept.mkdir()
    dropped.mkdir()
    entries, vectors = entries_and_vectors(list(CHUNKS))
    keep = plugin.create(where, kept, "chunks", DIM, "gc", "model")
    keep.add(entries, vectors)
    plugin.save(keep, where, kept, "chunks")
    gone = plugin.create(where, dropped, "chunks", DIM, "gc", "model")
    gone.add(entries, vectors)
    plugin.save(gone, where, dropped, "chunks")
    keep.close()
    gone.close()
    plugin.discard(dropped, [kept], "")
    reopened = plugin.open(where, kept, [path.name for path in kept.iterdir()], "chunks", DIM)
    assert reopened is not None and reopened.count() == len(CHUNKS)
    reopened.close()


# --- read-your-writes and the publish barrier (on a server: Bounded reads, Strong after writes) ---


def test_a_store_sees_its_own_writes_at_once(store: VectorStore) -> None:
    entries, vectors = entries_and_vectors(list(CHUNKS))
    store.add(entries, vectors)
    assert [chunk for chunk, _ in store.search(QUERY, 9)] == BEST_FIRST  # no count or wait in between
    store.delete_releases(["r1"])
    assert [chunk for chunk, _ in store.search(QUERY, 9)] == [chunk for chunk in BEST_FIRST if chunk not in (1, 2)]
    store.delete_chunks([3])
    assert set(store.vectors_of([1, 3, 4])) == {4}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_reader_opening_a_saved_generation_sees_every_vector(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    where = location(backend, tmp_path, request)
    plugin = backend_of(where)
    folder = tmp_path / "published"
    folder.mkdir()
    writer = plugin.create(where, folder, "chunks", DIM, "barrier", "model")
    entries, vectors = entries_and_vectors(list(CHUNKS))
    writer.add(entries, vectors)
    plugin.save(writer, where, folder, "chunks")  # what runs before CURRENT is published
    reader = plugin.open(plugin.location_of(folder, ""), folder, [path.name for path in folder.iterdir()], "chunks", DIM)
    assert reader is not None
    try:
        assert [chunk for chunk, _ in reader.search(QUERY, 9)] == BEST_FIRST  # the reader's first read, no write
    finally:
        reader.close()
        writer.close()
