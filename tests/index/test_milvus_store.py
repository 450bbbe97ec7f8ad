"""Milvus-only behaviour: filter expressions, escaping, reopening, errors, names and descriptions."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from index import milvus_store
from index.filters import Filters
from index.milvus_store import (
    Descriptor,
    MilvusVectorStore,
    client_uri,
    collection_name,
    filter_expression,
    new_collection_name,
    public_uri,
)
from index.vector_store import ChunkEntry, VectorStoreError

DIM = 4
DAY = dt.date(2024, 3, 1).toordinal()


def entry(chunk: int, release: str = "r1", language: str = "en", script: str = "Latn") -> ChunkEntry:
    return ChunkEntry(chunk, release, language, script, dt.date(2024, 3, 1))


def unit_rows(count: int) -> np.ndarray:
    """Row i has value i+1 in its first dimension, so a search for e0 ranks higher ids first."""
    rows = np.zeros((count, DIM), dtype=np.float32)
    rows[:, 0] = np.arange(1, count + 1)
    return rows


E0 = np.array([1, 0, 0, 0], dtype=np.float32)


# --- filter_expression (no Milvus) ---


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (None, ""),
        (Filters(), ""),
        (Filters(languages=frozenset({"en"})), '(language in ["en"])'),
        (Filters(languages=frozenset({"sr-Cyrl"})), '((language in ["sr"] and script == "Cyrl"))'),
        (Filters(languages=frozenset({"sh"})), '(language in ["bs", "hr", "sr"])'),
        (
            Filters(languages=frozenset({"mk", "sr-Latn"})),
            '(language in ["mk"] or (language in ["sr"] and script == "Latn"))',
        ),
        (Filters(date_from=dt.date(2024, 3, 1)), f"day >= {DAY}"),
        (Filters(date_to=dt.date(2024, 3, 1)), f"day != -1 and day <= {DAY}"),
        (Filters(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 1)), f"day >= {DAY} and day <= {DAY}"),
        (Filters(release_ids=frozenset({"b", "a"})), 'release_id in ["a", "b"]'),
        (
            Filters(languages=frozenset({"hr"}), date_to=dt.date(2024, 3, 1), release_ids=frozenset({"x"})),
            f'(language in ["hr"]) and day != -1 and day <= {DAY} and release_id in ["x"]',
        ),
    ],
)
def test_filter_expression(filters: Filters | None, expected: str) -> None:
    assert filter_expression(filters) == expected


def test_filter_expression_escapes_quotes_backslashes_and_line_breaks() -> None:
    filters = Filters(release_ids=frozenset({'say "hi"\\now', "line\nbreak\ttab"}))
    assert filter_expression(filters) == r'release_id in ["line\nbreak\ttab", "say \"hi\"\\now"]'


ODD_RELEASE_IDS = [
    'quoted "id"',
    "back\\slash",
    "trailing backslash\\",
    "it's",
    "new\nline",
    "ćirilica Ж",
    '"] or id >= 0 or release_id in ["',
]


def test_odd_release_ids_filter_and_delete_exactly(tmp_path: Path) -> None:
    with MilvusVectorStore.connect(str(tmp_path / "odd.db"), "odd", DIM) as store:
        entries = [entry(chunk, release) for chunk, release in enumerate(ODD_RELEASE_IDS)]
        store.add(entries, unit_rows(len(entries)))
        for chunk, release in enumerate(ODD_RELEASE_IDS):
            hits = store.search(E0, 10, Filters(release_ids=frozenset({release})))
            assert [hit for hit, _ in hits] == [chunk], release
        assert store.delete_releases(['"] or id >= 0 or release_id in ["', "back\\slash"]) == 2
        assert store.count() == len(ODD_RELEASE_IDS) - 2


# --- opening, reopening and errors ---


def test_reopen_finds_the_data(tmp_path: Path) -> None:
    path = str(tmp_path / "sub" / "folder" / "store.db")  # parent folders are created
    with MilvusVectorStore.connect(path, "kept", DIM) as store:
        store.add([entry(1), entry(2, "r2")], unit_rows(2))
    with MilvusVectorStore.connect(path, "kept", DIM, create=False) as reopened:
        assert reopened.count() == 2
        assert [chunk for chunk, _ in reopened.search(E0, 5, Filters(release_ids=frozenset({"r2"})))] == [2]
        np.testing.assert_allclose(reopened.vectors_of([1])[1], [1, 0, 0, 0])


def test_dimension_mismatch_on_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "dims.db")
    MilvusVectorStore.connect(path, "dims", DIM).close()
    with pytest.raises(VectorStoreError, match="4-dimensional vectors but the model makes 8"):
        MilvusVectorStore.connect(path, "dims", 8)


def test_index_type_mismatch_on_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "types.db")
    MilvusVectorStore.connect(path, "types", DIM, index_type="HNSW").close()
    with pytest.raises(VectorStoreError, match="index_type='HNSW'"):
        MilvusVectorStore.connect(path, "types", DIM)


def test_missing_collection_without_create(tmp_path: Path) -> None:
    with pytest.raises(VectorStoreError, match="does not exist"):
        MilvusVectorStore.connect(str(tmp_path / "none.db"), "absent", DIM, create=False)


def test_unreachable_server_names_the_uri() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uri = f"milvus://127.0.0.1:{port}"
    with pytest.raises(VectorStoreError, match=re.escape(uri) + ".*check that the server is running"):
        MilvusVectorStore.connect(uri, "any", DIM, timeout=2)


def test_path_without_db_suffix_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(VectorStoreError, match="ending in .db"):
        MilvusVectorStore.connect(str(tmp_path / "store.sqlite"), "any", DIM)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dimension": 0}, "dimension must be positive"),
        ({"index_type": "DISKANN"}, "unknown Milvus index type"),
        ({"collection": "9starts-with-digit"}, "not a valid Milvus collection name"),
    ],
)
def test_bad_arguments_are_rejected_before_connecting(tmp_path: Path, kwargs: dict, message: str) -> None:
    arguments = {"uri": str(tmp_path / "bad.db"), "collection": "ok", "dimension": DIM, **kwargs}
    with pytest.raises(ValueError, match=message):
        MilvusVectorStore.connect(**arguments)
    assert not (tmp_path / "bad.db").exists()


def test_client_uri_translates_milvus_scheme(tmp_path: Path) -> None:
    assert client_uri("milvus://db.example:19530") == "http://db.example:19530"
    assert client_uri("https://db.example:443") == "https://db.example:443"
    local = tmp_path / "new" / "x.db"
    assert client_uri(str(local)) == str(local)
    assert local.parent.is_dir()


COUNT_FROM_ANOTHER_PROCESS = textwrap.dedent(
    """
    import sys
    from index.milvus_store import MilvusVectorStore
    from index.vector_store import VectorStoreError
    try:
        with MilvusVectorStore.connect(sys.argv[1], "shared", 4, create=False) as store:
            print("count", store.count())
    except VectorStoreError as error:
        print("error", error)
    """
)


def count_from_another_process(path: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_FROM_ANOTHER_PROCESS, path],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(milvus_store.__file__).resolve().parent.parent,
    )
    return done.stdout.strip()


def test_one_process_at_a_time_and_close_releases_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    store = MilvusVectorStore.connect(path, "shared", DIM)
    store.add([entry(1), entry(2)], unit_rows(2))
    assert "one process" in count_from_another_process(path)
    store.close()
    assert count_from_another_process(path) == "count 2"


def test_two_stores_in_one_process_share_a_file(tmp_path: Path) -> None:
    path = str(tmp_path / "two.db")
    first = MilvusVectorStore.connect(path, "two", DIM)
    second = MilvusVectorStore.connect(path, "two", DIM)
    first.add([entry(1)], unit_rows(1))
    assert second.count() == 1
    first.close()  # the second store keeps the file open
    assert second.count() == 1
    second.close()


# --- batches and index types ---


def test_batches_cover_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(milvus_store, "BATCH_ROWS", 3)
    with MilvusVectorStore.connect(str(tmp_path / "batches.db"), "batches", DIM) as store:
        store.add([entry(chunk, f"r{chunk % 4}") for chunk in range(10)], unit_rows(10))
        assert store.count() == 10
        found = store.vectors_of(list(range(12)))
        assert sorted(found) == list(range(10))
        assert found[7][0] == pytest.approx(8.0)
        assert store.delete_chunks([0, 1, 2, 3, 4, 11]) == 5
        assert store.delete_releases(["r0", "r1", "r2", "r3"]) == 5
        assert store.count() == 0


@pytest.mark.parametrize(("index_type", "param"), [("HNSW", "efConstruction"), ("IVF_FLAT", "nlist")])
def test_approximate_index_types(tmp_path: Path, index_type: str, param: str) -> None:
    with MilvusVectorStore.connect(str(tmp_path / "ann.db"), "ann", DIM, index_type=index_type) as store:
        store.add([entry(chunk, "r1" if chunk < 3 else "r2") for chunk in range(6)], unit_rows(6))
        assert [chunk for chunk, _ in store.search(E0, 3)] == [5, 4, 3]
        assert [chunk for chunk, _ in store.search(E0, 3, Filters(release_ids=frozenset({"r1"})))] == [2, 1, 0]
        described = store.describe()
        assert described["index_type"] == index_type
        assert param in described["index_params"]


def test_release_filters_on_hnsw_are_scored_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The graph is not asked: at 100k chunks HNSW found 25-31% of one release's chunks."""
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((400, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    entries = [entry(chunk, f"r{chunk % 80}") for chunk in range(400)]
    wanted = frozenset({"r3", "r41"})
    rows = [i for i, item in enumerate(entries) if item.release_id in wanted]
    query = vectors[7]
    exact = sorted(rows, key=lambda i: -float(vectors[i] @ query))[:4]
    with MilvusVectorStore.connect(str(tmp_path / "hnsw.db"), "hnsw", DIM, index_type="HNSW") as store:
        store.add(entries, vectors)
        unfiltered = store.search(query, 1)
        monkeypatch.setattr(store._client, "search", lambda *args, **kwargs: pytest.fail("ANN search used"))
        found = store.search(query, 4, Filters(release_ids=wanted))
    assert unfiltered[0][0] == 7
    assert [chunk for chunk, _ in found] == exact
    assert [score for _, score in found] == pytest.approx([float(vectors[i] @ query) for i in exact], abs=1e-5)


# --- names and descriptions ---


def test_collection_name_is_valid_stable_and_distinct() -> None:
    valid = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}")
    names = [
        collection_name("main", "google/embeddinggemma-300m"),
        collection_name("main", "intfloat/multilingual-e5-small"),
        collection_name("a-b", "m"),
        collection_name("a_b", "m"),
        collection_name("главни", "m"),
        collection_name("x" * 400, "m"),
        collection_name("", "m"),
    ]
    assert all(valid.fullmatch(name) for name in names), names
    assert len(set(names)) == len(names)
    assert collection_name("main", "google/embeddinggemma-300m") == names[0]
    assert names[0].startswith("press_main_")


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("http://user:secret@db.example:19530/press?token=abc", "http://db.example:19530/press"),
        ("milvus://admin:Milvus@10.0.0.5:19530", "milvus://10.0.0.5:19530"),
        ("https://db.example", "https://db.example"),
        ("data/store.db", "data/store.db"),
    ],
)
def test_public_uri_hides_credentials(uri: str, shown: str) -> None:
    assert public_uri(uri) == shown


class CountingClient:
    """Stands in for MilvusClient: answers the count(*) query only."""

    def query(self, collection: str, **kwargs: object) -> list[dict[str, int]]:
        return [{"count(*)": 3}]


def test_describe_hides_credentials() -> None:
    store = MilvusVectorStore(
        CountingClient(), "http://admin:hunter2@db.example:19530", "press_main_x", 768, "HNSW", None
    )
    described = store.describe()
    assert "hunter2" not in str(described) and "admin" not in str(described)
    assert described == {
        "backend": "milvus",
        "uri": "http://db.example:19530",
        "collection": "press_main_x",
        "index_type": "HNSW",
        "index_params": {"M": 16, "efConstruction": 200, "ef": 128},
        "metric": "IP",
        "dimension": 768,
        "count": 3,
    }


# --- descriptors and collection names (no Milvus) ---


def test_descriptors_round_trip_and_damaged_ones_are_reported(tmp_path: Path) -> None:
    descriptor = Descriptor("http://host:19530", "press_default_abc", "FLAT")
    path = tmp_path / "vector_store.json"
    path.write_text(descriptor.to_json())
    assert Descriptor.read(path) == descriptor
    path.write_text("{not json")
    with pytest.raises(VectorStoreError, match="unreadable"):
        Descriptor.read(path)


def test_each_full_build_gets_its_own_collection() -> None:
    names = {new_collection_name("press_default") for _ in range(20)}
    assert len(names) == 20 and all(name.startswith("press_default_") for name in names)
    sentence_names = {new_collection_name("press_default", "sentences") for _ in range(5)}
    assert all(name.startswith("press_default_s_") for name in sentence_names)
