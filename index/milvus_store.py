"""The Milvus vector store: chunk vectors and their filter fields in a Milvus collection.

``uri`` is a Milvus server (``http://host:19530``, ``https://...``, or
``milvus://host:19530`` as a synonym of ``http://``) or a local milvus-lite
database path ending in ``.db`` (a folder that milvus-lite creates). One
collection holds one index's vectors for one embedding model; see
``collection_name``.

Index types (metric IP, i.e. cosine on unit vectors):

- ``FLAT``: exact search, the default, for parity with the FAISS store.
- ``HNSW``: graph index built with M=16, efConstruction=200; searched with
  ef = max(k, 128), so recall stays high for the k a search asks for.
- ``IVF_FLAT``: nlist=1024 lists, nprobe=32 probed per search (about 3 % of the
  lists, the share the FAISS store's IVF rule uses). Milvus builds the index per
  sealed segment (up to about 1 GB, some 300,000 768-dimensional vectors), so
  1024 is roughly 2*sqrt(n) per segment.

Consistency, chosen per read (a real server differs from milvus-lite here):

- Searches and vector reads use Bounded consistency: they do not wait for the
  server to catch up with the newest writes. Strong waits for it on every read
  (about 0.2 s more per search on a Milvus 2.3 standalone: 200 ms p50 against
  3-16 ms at Bounded, README "A real Milvus server").
- A store that has written (``add``, a delete) makes its next read Strong, and
  counts are always Strong: a writer sees its own writes, also the ones Bounded
  would not show yet (a count right after a delete).
- ``MilvusBackend.save`` runs before ``CURRENT`` is published and ends with a
  Strong read (``sync``): once it returns, the server has applied every write of
  the generation, so a Bounded reader that opens the published generation sees
  all of it. Chunks an update writes into a shared collection before publishing
  are not listed in the old generation's database, and its searcher skips them
  (``index.store``): readers never see chunks of an unpublished generation.

Reads on a server carry a time limit (``timeout`` for searches, longer for Strong
reads), so an unreachable server fails a search within seconds with
``VectorStoreError`` instead of retrying for minutes; after a server restart the
collection is loaded again on first use.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from pymilvus import DataType, MilvusClient
from pymilvus.exceptions import MilvusException

from index.filters import LANGUAGE_FILTERS, Filters
from index.vector_store import (
    CHUNKS,
    KINDS,
    MILVUS_BACKEND,
    ChunkEntry,
    StoreLocation,
    VectorStore,
    VectorStoreError,
    check_query,
    check_vectors,
)

NO_DAY = -1
BATCH_ROWS = 1_000
MAX_TOP_K = 16_384  # the largest limit a Milvus search accepts
# Searches filtered to at most this many releases are scored exactly on ANN indexes (HNSW recall@10 was
# 0.25-0.31 for one-release filters at 100k chunks: evaluation/reports/backend-latency-100000.md).
EXACT_RELEASE_LIMIT = 50
COLLECTION_CONSISTENCY = "Bounded"  # the collection's default, for reads that name no level
READ_CONSISTENCY = "Bounded"  # searches and vector reads of a store that has not written
WRITER_CONSISTENCY = "Strong"  # counts, and the first read after this store wrote
WRITER_READ_TIMEOUT = 300.0  # seconds a Strong read may wait (searches use the connect timeout)
METRIC = "IP"
RELEASE_ID_LENGTH = 512
LANGUAGE_LENGTH = 16
SCRIPT_LENGTH = 8
FIELDS = ("id", "vector", "release_id", "language", "script", "day")

# index type -> (build parameters, search parameters); HNSW's ef is raised to k when k is larger.
INDEX_PARAMS: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    "FLAT": ({}, {}),
    "HNSW": ({"M": 16, "efConstruction": 200}, {"ef": 128}),
    "IVF_FLAT": ({"nlist": 1024}, {"nprobe": 32}),
}
INDEX_TYPES = tuple(INDEX_PARAMS)

_COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
_SERVER_SCHEMES = ("http", "https", "tcp", "unix")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def collection_name(index_name: str, model_id: str) -> str:
    """A valid Milvus collection name, stable and distinct per (index name, model id).

    The readable part is the index name with other characters than ASCII letters,
    digits and underscores replaced; the hash of both names keeps distinct pairs apart.
    """
    readable = re.sub(r"[^A-Za-z0-9_]", "_", index_name)[:200]
    digest = hashlib.sha256(f"{index_name}\0{model_id}".encode()).hexdigest()[:16]
    return f"press_{readable}_{digest}"


def filter_expression(filters: Filters | None) -> str:
    """``filters`` as a Milvus boolean expression; "" when nothing is restricted."""
    if filters is None or not filters.restricts:
        return ""
    clauses = []
    if filters.languages:
        clauses.append(_language_clause(filters.languages))
    if filters.date_from is not None:
        clauses.append(f"day >= {filters.date_from.toordinal()}")
    elif filters.date_to is not None:
        clauses.append(f"day != {NO_DAY}")  # undated chunks never pass a date bound
    if filters.date_to is not None:
        clauses.append(f"day <= {filters.date_to.toordinal()}")
    if filters.release_ids:
        clauses.append(f"release_id in {_string_list(sorted(filters.release_ids))}")
    return " and ".join(clauses)


def _language_clause(tags: frozenset[str]) -> str:
    alternatives = []
    for tag in sorted(tags):
        languages, script = LANGUAGE_FILTERS[tag]
        clause = f"language in {_string_list(languages)}"
        if script is not None:
            clause = f"({clause} and script == {_quote(script)})"
        alternatives.append(clause)
    return "(" + " or ".join(alternatives) + ")"


def _quote(value: str) -> str:
    """A double-quoted Milvus string literal holding exactly ``value``."""
    return '"' + "".join(_STRING_ESCAPES.get(char, char) for char in value) + '"'


def _string_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_quote(value) for value in values) + "]"


def _id_list(ids: Sequence[int]) -> str:
    return "[" + ", ".join(str(int(chunk)) for chunk in ids) + "]"


def public_uri(uri: str) -> str:
    """``uri`` without user name, password or query (where tokens may hide)."""
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc:
        return uri
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def client_uri(uri: str) -> str:
    """The URI pymilvus understands: ``milvus://`` becomes ``http://``; a local path must end in ``.db``."""
    scheme = urlsplit(uri).scheme.lower()
    if scheme == "milvus":
        return "http://" + uri[len("milvus://") :]
    if scheme in _SERVER_SCHEMES:
        return uri
    if not uri.endswith(".db"):
        raise VectorStoreError(
            f"{uri!r} is neither a Milvus server address (http://host:19530, milvus://host:19530) "
            "nor a milvus-lite database path ending in .db; use one of these forms."
        )
    path = Path(uri).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


class _LocalServers:
    """Counts the stores using each milvus-lite database in this process.

    milvus-lite serves a ``.db`` folder from a server thread that holds a file lock
    until it is released; the last store to close releases it, so another process
    can then open the database.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, int] = {}

    def acquire(self, path: str) -> None:
        with self._lock:
            key = os.path.abspath(path)
            self._users[key] = self._users.get(key, 0) + 1

    def release(self, path: str) -> None:
        from milvus_lite.server_manager import server_manager_instance

        with self._lock:
            key = os.path.abspath(path)
            users = self._users.get(key, 0) - 1
            if users > 0:
                self._users[key] = users
                return
            self._users.pop(key, None)
        server_manager_instance.release_server(key)


_LOCAL_SERVERS = _LocalServers()


class MilvusVectorStore:
    """Chunk vectors in one Milvus collection; see the module docstring. Open with ``connect``."""

    def __init__(
        self,
        client: MilvusClient,
        uri: str,
        collection: str,
        dimension: int,
        index_type: str,
        local_path: str | None,
        timeout: float = 10.0,
    ) -> None:
        self._client = client
        self._uri = uri
        self._local_path = local_path  # the milvus-lite database, None for a server
        self._collection = collection
        self._dimension = dimension
        self._index_type = index_type
        self._closed = False
        self._timeout = timeout
        self._unsynced = False  # this store wrote since its last Strong read

    @classmethod
    def connect(
        cls,
        uri: str,
        collection: str,
        dimension: int,
        index_type: str = "FLAT",
        create: bool = True,
        token: str | None = None,
        timeout: float = 10.0,
    ) -> MilvusVectorStore:
        """Open ``collection`` at ``uri``, creating it when missing and ``create`` is true.

        Raises ``VectorStoreError`` when Milvus cannot be reached, the collection is
        missing (and ``create`` is false) or was made for another dimension or index.
        """
        if dimension < 1:
            raise ValueError(f"dimension must be positive, got {dimension}")
        index_type = index_type.upper()
        if index_type not in INDEX_PARAMS:
            raise ValueError(f"unknown Milvus index type {index_type!r}; use one of {', '.join(INDEX_TYPES)}")
        if not _COLLECTION_NAME.fullmatch(collection):
            raise ValueError(
                f"{collection!r} is not a valid Milvus collection name: use letters, digits and underscores, "
                "starting with a letter or underscore, at most 255 characters (see collection_name())"
            )
        address = client_uri(uri)
        local_path = None if urlsplit(address).scheme.lower() in _SERVER_SCHEMES else address
        client = _open_client(uri, address, local_path, token, timeout)
        store = cls(client, uri, collection, dimension, index_type, local_path, timeout)
        try:
            with _milvus_errors(f"open collection {collection!r} at {public_uri(uri)}"):
                if client.has_collection(collection):
                    store._check_existing()
                    client.load_collection(collection)
                elif create:
                    store._create()
                else:
                    raise VectorStoreError(
                        f"the Milvus collection {collection!r} does not exist at {public_uri(uri)}; "
                        "build the index first or connect with create=True"
                    )
        except BaseException:
            store.close()
            raise
        return store

    def _create(self) -> None:
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self._dimension)
        schema.add_field("release_id", DataType.VARCHAR, max_length=RELEASE_ID_LENGTH)
        schema.add_field("language", DataType.VARCHAR, max_length=LANGUAGE_LENGTH)
        schema.add_field("script", DataType.VARCHAR, max_length=SCRIPT_LENGTH)
        schema.add_field("day", DataType.INT64)
        index_params = self._client.prepare_index_params()
        build_params, _ = INDEX_PARAMS[self._index_type]
        index_params.add_index(
            field_name="vector", index_type=self._index_type, metric_type=METRIC, params=dict(build_params)
        )
        self._client.create_collection(
            self._collection, schema=schema, index_params=index_params, consistency_level=COLLECTION_CONSISTENCY
        )

    def _check_existing(self) -> None:
        where = f"the Milvus collection {self._collection!r} at {public_uri(self._uri)}"
        fields = {field["name"]: field for field in self._client.describe_collection(self._collection)["fields"]}
        missing = [name for name in FIELDS if name not in fields]
        if missing:
            raise VectorStoreError(
                f"{where} lacks the field(s) {', '.join(missing)}: it was not made by this assistant; "
                "choose another collection name"
            )
        stored = int(fields["vector"].get("params", {}).get("dim", -1))
        if stored != self._dimension:
            raise VectorStoreError(
                f"{where} holds {stored}-dimensional vectors but the model makes {self._dimension}; "
                "use the model the collection was built with, or rebuild into a new collection"
            )
        indexes = self._client.list_indexes(self._collection, field_name="vector")
        if not indexes:
            raise VectorStoreError(f"{where} has no vector index; rebuild it into a new collection")
        described = self._client.describe_index(self._collection, indexes[0])
        found_type, found_metric = str(described.get("index_type")), str(described.get("metric_type"))
        if found_metric != METRIC:
            raise VectorStoreError(
                f"{where} uses metric {found_metric}, not {METRIC}; rebuild it into a new collection"
            )
        if found_type != self._index_type:
            raise VectorStoreError(
                f"{where} has a {found_type} index, not {self._index_type}; "
                f"connect with index_type={found_type!r} or rebuild into a new collection"
            )

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def collection(self) -> str:
        return self._collection

    @property
    def shared(self) -> bool:
        return True  # an update writes into the published generation's collection

    def add(self, entries: Sequence[ChunkEntry], vectors: np.ndarray) -> None:
        array = check_vectors(entries, vectors, self._dimension)
        if len({entry.chunk_id for entry in entries}) != len(entries):
            raise ValueError("the entries repeat a chunk id")
        for entry in entries:
            _check_entry(entry)
        with _milvus_errors("add vectors"):
            for start in range(0, len(entries), BATCH_ROWS):
                rows = [
                    _row(entry, array[start + offset])
                    for offset, entry in enumerate(entries[start : start + BATCH_ROWS])
                ]
                self._unsynced = True
                self._client.upsert(self._collection, rows)

    def delete_chunks(self, chunk_ids: Sequence[int]) -> int:
        ids = list(dict.fromkeys(int(chunk) for chunk in np.asarray(chunk_ids, dtype=np.int64).reshape(-1)))
        removed = 0
        with _milvus_errors("delete chunks"):
            for start in range(0, len(ids), BATCH_ROWS):
                batch = ids[start : start + BATCH_ROWS]
                present = self._count_where(f"id in {_id_list(batch)}")
                if present:
                    self._unsynced = True
                    self._client.delete(self._collection, ids=batch)
                removed += present
        return removed

    def delete_releases(self, release_ids: Sequence[str]) -> int:
        names = sorted(set(release_ids))
        removed = 0
        with _milvus_errors("delete releases"):
            for start in range(0, len(names), BATCH_ROWS):
                expression = f"release_id in {_string_list(names[start : start + BATCH_ROWS])}"
                present = self._count_where(expression)
                if present:
                    self._unsynced = True
                    self._client.delete(self._collection, filter=expression)
                removed += present
        return removed

    def search(self, query: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        row = check_query(query, self._dimension)
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        limit = min(k, MAX_TOP_K)
        if self._index_type != "FLAT" and filters is not None and 0 < len(filters.release_ids) <= EXACT_RELEASE_LIMIT:
            return self._score_releases(row, limit, filters)
        with _milvus_errors("search"):
            results = self._read(
                self._client.search,
                data=[row.tolist()],
                filter=filter_expression(filters),
                limit=limit,
                output_fields=["id"],
                search_params={"metric_type": METRIC, "params": self._search_params(limit)},
                anns_field="vector",
            )
        hits = [(int(hit["id"]), float(hit["distance"])) for hit in results[0]] if results else []
        return sorted(hits, key=lambda hit: -hit[1])

    def _score_releases(self, row: np.ndarray, k: int, filters: Filters) -> list[tuple[int, float]]:
        """Exact scores over the few chunks of the named releases (an ANN graph misses most of them)."""
        with _milvus_errors("read the vectors of the filtered releases"):
            rows = self._read(
                self._client.query, filter=filter_expression(filters), output_fields=["id", "vector"], limit=MAX_TOP_K
            )
        if not rows:
            return []
        ids = np.asarray([int(item["id"]) for item in rows], dtype=np.int64)
        scores = np.asarray([item["vector"] for item in rows], dtype=np.float32) @ row
        order = np.lexsort((ids, -scores))[:k]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def _search_params(self, k: int) -> dict[str, int]:
        params = dict(INDEX_PARAMS[self._index_type][1])
        if "ef" in params:
            params["ef"] = max(params["ef"], k)
        return params

    def vectors_of(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        ids = list(dict.fromkeys(int(chunk) for chunk in np.asarray(chunk_ids, dtype=np.int64).reshape(-1)))
        found: dict[int, np.ndarray] = {}
        with _milvus_errors("read vectors"):
            for start in range(0, len(ids), BATCH_ROWS):
                rows = self._read(self._client.query, ids=ids[start : start + BATCH_ROWS], output_fields=["id", "vector"])
                for row in rows:
                    found[int(row["id"])] = np.asarray(row["vector"], dtype=np.float32)
        return {chunk: found[chunk] for chunk in ids if chunk in found}

    def count(self) -> int:
        with _milvus_errors("count chunks"):
            return self._count_where("")

    def sync(self) -> int:
        """Wait until the server has applied every write made so far (a Strong count); returns the count.

        Called before a generation is published: afterwards every reader, whatever its level, sees the writes.
        """
        with _milvus_errors("confirm the written vectors"):
            return self._count_where("")

    def _count_where(self, expression: str) -> int:
        rows = self._read(self._client.query, filter=expression, output_fields=["count(*)"], strong=True)
        return int(rows[0]["count(*)"]) if rows else 0

    def _read(self, call: Callable[..., Any], strong: bool = False, **arguments: Any) -> Any:
        """One read of the collection at the chosen level, with the time limit; loads the collection again
        when the server lost it (a restarted server has nothing loaded)."""
        level = WRITER_CONSISTENCY if strong or self._unsynced else READ_CONSISTENCY
        timeout = self._read_timeout(level)
        try:
            result = call(self._collection, consistency_level=level, timeout=timeout, **arguments)
        except MilvusException as error:
            if "not loaded" not in str(error.message):
                raise
            self._client.load_collection(self._collection, timeout=timeout)
            result = call(self._collection, consistency_level=level, timeout=timeout, **arguments)
        if level == WRITER_CONSISTENCY:
            self._unsynced = False
        return result

    def _read_timeout(self, level: str) -> float | None:
        """Seconds a read may take: a search on a server fails fast (the answer says the backend is
        unavailable); a Strong read may wait for the server to apply a large write; milvus-lite runs
        in this process and has no outage to detect."""
        if self._local_path is not None:
            return None
        return self._timeout if level == READ_CONSISTENCY else max(self._timeout, WRITER_READ_TIMEOUT)

    def describe(self) -> dict[str, object]:
        build_params, search_params = INDEX_PARAMS[self._index_type]
        return {
            "backend": MILVUS_BACKEND,
            "uri": public_uri(self._uri),
            "collection": self._collection,
            "index_type": self._index_type,
            "index_params": {**build_params, **search_params},
            "metric": METRIC,
            "dimension": self._dimension,
            "count": self.count(),
        }

    def close(self) -> None:
        """Close the connection; the last store on a milvus-lite file releases the file."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(MilvusException):
            self._client.close()
        if self._local_path is not None:
            _LOCAL_SERVERS.release(self._local_path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def drop_collection(uri: str, collection: str, token: str | None = None, timeout: float = 10.0) -> bool:
    """Drop ``collection`` at ``uri`` if it exists; True when it did."""
    address = client_uri(uri)
    local_path = None if urlsplit(address).scheme.lower() in _SERVER_SCHEMES else address
    client = _open_client(uri, address, local_path, token, timeout)
    try:
        with _milvus_errors(f"drop collection {collection!r} at {public_uri(uri)}"):
            if not client.has_collection(collection):
                return False
            client.drop_collection(collection)
            return True
    finally:
        with contextlib.suppress(MilvusException):
            client.close()
        if local_path is not None:
            _LOCAL_SERVERS.release(local_path)


def _open_client(uri: str, address: str, local_path: str | None, token: str | None, timeout: float) -> MilvusClient:
    if local_path is not None:
        _LOCAL_SERVERS.acquire(local_path)
    try:
        return MilvusClient(uri=address, token=token or "", timeout=timeout)
    except MilvusException as error:
        if local_path is not None:
            _LOCAL_SERVERS.release(local_path)
            raise VectorStoreError(
                f"cannot open the milvus-lite database {uri} ({error.message}); if another process has it open, "
                "stop that process (milvus-lite allows one process per database) or use a Milvus server"
            ) from error
        raise VectorStoreError(
            f"cannot reach Milvus at {public_uri(uri)} ({error.message}); check that the server is running, "
            "the host and port are right, and the token (if the server needs one) is valid"
        ) from error


@contextlib.contextmanager
def _milvus_errors(action: str) -> Iterator[None]:
    """Turn pymilvus errors into ``VectorStoreError`` naming what failed."""
    try:
        yield
    except MilvusException as error:
        raise VectorStoreError(f"Milvus could not {action}: {error.message}") from error


def _check_entry(entry: ChunkEntry) -> None:
    for name, value, limit in (
        ("release id", entry.release_id, RELEASE_ID_LENGTH),
        ("language", entry.language, LANGUAGE_LENGTH),
        ("script", entry.script, SCRIPT_LENGTH),
    ):
        if len(value.encode()) > limit:
            raise ValueError(f"chunk {entry.chunk_id}: the {name} {value[:40]!r}... exceeds {limit} bytes")


def _row(entry: ChunkEntry, vector: np.ndarray) -> dict[str, object]:
    return {
        "id": int(entry.chunk_id),
        "vector": vector.tolist(),
        "release_id": entry.release_id,
        "language": entry.language,
        "script": entry.script,
        "day": _day(entry.date),
    }


def _day(date: dt.date | None) -> int:
    return date.toordinal() if date is not None else NO_DAY


DESCRIPTOR_FILE = "vector_store.json"  # the chunk store's; other kinds add their name (see descriptor_file)


def descriptor_file(kind: str) -> str:
    return DESCRIPTOR_FILE if kind == CHUNKS else f"{kind}_store.json"


def new_collection_name(base_name: str, kind: str = CHUNKS) -> str:
    """A fresh collection for one full build: old generations keep searching theirs meanwhile."""
    middle = "" if kind == CHUNKS else f"_{kind[0]}"
    return f"{base_name}{middle}_{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Descriptor:
    """What a Milvus generation's descriptor file holds for one kind of vectors."""

    uri: str
    collection: str
    index_type: str

    def to_json(self) -> str:
        data = {"backend": MILVUS_BACKEND, "uri": self.uri, "collection": self.collection, "index_type": self.index_type}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> Descriptor:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(data["uri"]), str(data["collection"]), str(data["index_type"]))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            raise VectorStoreError(f"{path} is unreadable ({error})") from error


def _descriptors(folder: Path) -> list[Descriptor]:
    """The readable descriptors in a generation or staging folder."""
    found = []
    for kind in KINDS:
        path = folder / descriptor_file(kind)
        if path.is_file():
            with contextlib.suppress(VectorStoreError):
                found.append(Descriptor.read(path))
    return found


class MilvusBackend:
    """One collection per kind and full build; updates write into the published generation's collections."""

    def create(
        self, location: StoreLocation, folder: Path, kind: str, dimension: int, index_name: str, model_id: str
    ) -> VectorStore:
        name = new_collection_name(collection_name(index_name, model_id), kind)
        # Written first, so that a crash before commit leaves a staging folder naming the collection to drop.
        self._write_descriptor(location, folder, kind, name)
        return self._connect(location, name, dimension, create=True)

    def stage(self, base: VectorStore, location: StoreLocation, folder: Path, kind: str) -> VectorStore:
        if not isinstance(base, MilvusVectorStore):
            raise TypeError("a Milvus generation can only continue a Milvus store")
        return self._connect(location, base.collection, base.dimension, create=False)

    def save(self, store: VectorStore, location: StoreLocation, folder: Path, kind: str) -> None:
        if not isinstance(store, MilvusVectorStore):
            raise TypeError("the Milvus backend saves Milvus stores only")
        store.sync()  # runs before CURRENT is published: every reader of the generation sees all its vectors
        self._write_descriptor(location, folder, kind, store.collection)

    def open(
        self, location: StoreLocation, folder: Path, files: Collection[str], kind: str, dimension: int
    ) -> VectorStore | None:
        if descriptor_file(kind) not in files:
            return None
        descriptor = Descriptor.read(folder / descriptor_file(kind))
        return self._connect(location, descriptor.collection, dimension, create=False)

    def location_of(self, folder: Path, token: str) -> StoreLocation:
        kind = next((kind for kind in KINDS if (folder / descriptor_file(kind)).is_file()), CHUNKS)
        descriptor = Descriptor.read(folder / descriptor_file(kind))
        return StoreLocation(MILVUS_BACKEND, descriptor.uri, token, descriptor.index_type)

    def discard(self, folder: Path, kept: Sequence[Path], token: str) -> None:
        in_use = {(item.uri, item.collection) for path in kept for item in _descriptors(path)}
        for descriptor in _descriptors(folder):
            if (descriptor.uri, descriptor.collection) not in in_use:
                with contextlib.suppress(Exception):  # an unreachable server keeps its collections
                    drop_collection(descriptor.uri, descriptor.collection, token=token or None)

    @staticmethod
    def _write_descriptor(location: StoreLocation, folder: Path, kind: str, collection: str) -> None:
        descriptor = Descriptor(location.uri, collection, location.index_type)
        (folder / descriptor_file(kind)).write_text(descriptor.to_json(), encoding="utf-8")

    @staticmethod
    def _connect(location: StoreLocation, collection: str, dimension: int, create: bool) -> MilvusVectorStore:
        return MilvusVectorStore.connect(
            location.uri, collection, dimension, index_type=location.index_type, create=create,
            token=location.token or None,
        )  # fmt: skip


BACKEND = MilvusBackend()
