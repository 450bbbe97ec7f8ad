"""The on-disk index: immutable generations and an atomically swapped ``CURRENT`` pointer.

An index directory looks like::

    CURRENT                 {"generation": "gen-...", "manifest_sha256": "..."}
    gen-<utc time>-<rand>/  chunks.sqlite, lexical/, boilerplate.json (optional),
                            vectors.faiss + chunk_columns.npz (FAISS) or vector_store.json (Milvus),
                            manifest.json (sha256 of every other file)
    .writer.lock            held by the one process building a new generation

Every generation written here has a lexical (BM25) leg, rebuilt from all chunks
at each commit; one without it (from an older build) still opens for dense
search and gets the leg at the next write.

A writer stages a new generation in ``.staging-*``, fsyncs it, renames it to
``gen-*`` and only then replaces ``CURRENT`` with ``os.replace``. A crash at
any point leaves the previous generation live; leftovers are collected by the
next writer, which keeps the live generation and the one before it.

With a Milvus vector store (``index.store_location``) the vectors live in one
collection per full build. An update writes new chunks into it before
publishing and deletes dropped chunks after publishing, so searchers on the
old generation keep finding theirs; chunk ids a generation does not list are
skipped by the searcher.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from corpus.boilerplate import BoilerplateModel
from corpus.release import Release
from index import chunk_db
from index.chunking import Chunk
from index.durable import atomic_write_text, fsync_dir, fsync_tree
from index.faiss_store import COLUMNS_FILE, VECTORS_FILE, FaissVectorStore
from index.lexical import LexicalIndex
from index.manifest import MANIFEST_FILE, Manifest, ManifestError, checksum_tree, file_sha256
from index.store_location import (
    DESCRIPTOR_FILE,
    FAISS_LOCATION,
    Descriptor,
    StoreLocation,
    connect_milvus,
    drop_milvus_collection,
    new_collection_name,
)
from index.vector_store import MILVUS_BACKEND, ChunkEntry, VectorStore, VectorStoreError

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".writer.lock"
CHUNKS_FILE = "chunks.sqlite"
LEXICAL_DIR = "lexical"
BOILERPLATE_FILE = "boilerplate.json"
GENERATION_PREFIX = "gen-"
STAGING_PREFIX = ".staging-"
REBUILD_HINT = "rebuild it with `assistant index build --rebuild`"


class IndexStoreError(RuntimeError):
    """Base class of index store problems; the message tells the user what to do."""


class IndexMissingError(IndexStoreError):
    """There is no committed index."""


class IndexCorruptError(IndexStoreError):
    """A file of the live generation is missing or does not match its checksum."""


class IndexModelMismatchError(IndexStoreError):
    """The index was built with another model than the one configured."""


class IndexBusyError(IndexStoreError):
    """Another process is writing the index."""


class LexicalLegMissingError(IndexStoreError):
    """The generation was written by an older build without the lexical (BM25) leg."""


@dataclass(frozen=True)
class CurrentPointer:
    generation: str
    manifest_sha256: str


def read_current(index_dir: Path) -> CurrentPointer | None:
    """The live generation named by ``CURRENT``; None when there is no such file."""
    path = index_dir / CURRENT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pointer = CurrentPointer(str(data["generation"]), str(data["manifest_sha256"]))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise IndexCorruptError(f"{path} is unreadable ({error}); {REBUILD_HINT}") from error
    if not pointer.generation.startswith(GENERATION_PREFIX) or "/" in pointer.generation:
        raise IndexCorruptError(f"{path} names an invalid generation {pointer.generation!r}; {REBUILD_HINT}")
    return pointer


@dataclass
class OpenIndex:
    """A verified, read-only generation: its vector store plus the chunk database."""

    index_dir: Path
    generation: str
    path: Path
    manifest: Manifest
    vectors: VectorStore
    db: sqlite3.Connection
    location: StoreLocation = FAISS_LOCATION
    collection: str = ""  # Milvus collection ("" for FAISS)
    _lexical: LexicalIndex | None = field(default=None, repr=False)

    @property
    def model_id(self) -> str:
        return self.manifest.model_id

    @property
    def has_lexical(self) -> bool:
        """Whether the generation's (verified) manifest lists a lexical leg."""
        return any(name.startswith(f"{LEXICAL_DIR}/") for name in self.manifest.files)

    def lexical(self) -> LexicalIndex:
        """The BM25 leg, loaded on first use."""
        if self._lexical is None:
            if not self.has_lexical:
                raise LexicalLegMissingError(
                    f"the index generation {self.generation} was written by an older version without the "
                    "lexical (BM25) leg; run `assistant index build` to add it, or search with --mode dense"
                )
            self._lexical = LexicalIndex.load(self.path / LEXICAL_DIR)
        return self._lexical

    def boilerplate(self) -> BoilerplateModel | None:
        """The corpus's boilerplate model stored at build time (None when the build had none)."""
        if BOILERPLATE_FILE not in self.manifest.files:
            return None
        target = self.path / BOILERPLATE_FILE
        try:
            return BoilerplateModel.from_json(target.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, AttributeError) as error:
            raise IndexCorruptError(f"{target} is unreadable ({error}); {REBUILD_HINT}") from error

    def close(self) -> None:
        self.db.close()
        close = getattr(self.vectors, "close", None)
        if close is not None:
            with suppress(Exception):
                close()


def open_index(index_dir: Path, expected_model_id: str | None = None, milvus_token: str = "") -> OpenIndex:
    """Open the live generation after checking every file against the manifest and the model id.

    ``milvus_token`` authenticates to a Milvus server when the generation's vectors live there.
    """
    pointer = read_current(index_dir)
    if pointer is None:
        if _has_generations(index_dir):
            raise IndexCorruptError(
                f"{index_dir / CURRENT_FILE} is missing although {index_dir} holds index generations "
                f"(deleted, or the first build was interrupted); {REBUILD_HINT}"
            )
        raise IndexMissingError(f"no index in {index_dir}; build one with `assistant index build`")
    path = index_dir / pointer.generation
    if not path.is_dir():
        raise IndexCorruptError(
            f"{index_dir / CURRENT_FILE} names {pointer.generation}, which does not exist "
            f"(half-written or deleted index); {REBUILD_HINT}"
        )
    manifest = _read_verified_manifest(path, pointer)
    if expected_model_id is not None and manifest.model_id != expected_model_id:
        raise IndexModelMismatchError(
            f"the index in {index_dir} was built with model {manifest.model_id}, but the configured model is "
            f"{expected_model_id}; {REBUILD_HINT} (or choose the index's model with --model)"
        )
    for relative, expected in sorted(manifest.files.items()):
        _check_file(path, relative, expected)
    db = chunk_db.open_readonly(path / CHUNKS_FILE)
    try:
        if DESCRIPTOR_FILE in manifest.files:
            location, collection, vectors = _connect_vectors(path, manifest, milvus_token)
        else:
            location, collection, vectors = FAISS_LOCATION, "", _load_vectors(path, manifest, db)
    except Exception:
        db.close()
        raise
    return OpenIndex(index_dir, pointer.generation, path, manifest, vectors, db, location, collection)


def _read_verified_manifest(path: Path, pointer: CurrentPointer) -> Manifest:
    manifest_path = path / MANIFEST_FILE
    try:
        raw = manifest_path.read_bytes()
    except OSError as error:
        raise IndexCorruptError(f"{manifest_path} is missing or unreadable ({error}); {REBUILD_HINT}") from error
    if hashlib.sha256(raw).hexdigest() != pointer.manifest_sha256:
        raise IndexCorruptError(
            f"{manifest_path} is corrupt, or the checksum of it recorded in {path.parent / CURRENT_FILE} is "
            f"(checksum mismatch); {REBUILD_HINT}"
        )
    try:
        return Manifest.from_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ManifestError) as error:
        raise IndexCorruptError(f"{manifest_path} is invalid ({error}); {REBUILD_HINT}") from error


def _check_file(path: Path, relative: str, expected: str) -> None:
    target = path / relative
    if not target.is_file():
        raise IndexCorruptError(f"{target} is missing; {REBUILD_HINT}")
    if file_sha256(target) != expected:
        raise IndexCorruptError(f"{target} is corrupt (checksum mismatch); {REBUILD_HINT}")


def _load_vectors(path: Path, manifest: Manifest, db: sqlite3.Connection) -> FaissVectorStore:
    """The generation's FAISS store; generations without filter columns get them from the chunk database."""
    target = path / VECTORS_FILE
    if VECTORS_FILE not in manifest.files:
        raise IndexCorruptError(f"{path / MANIFEST_FILE} lists no {VECTORS_FILE}; {REBUILD_HINT}")
    try:
        if COLUMNS_FILE in manifest.files:
            store = FaissVectorStore.load(path)
        else:
            store = FaissVectorStore.from_index_and_entries(FaissVectorStore.read_index(path), _entries(db))
    except (RuntimeError, OSError, ValueError, KeyError) as error:
        raise IndexCorruptError(f"{target} cannot be loaded ({error}); {REBUILD_HINT}") from error
    if store.dimension != manifest.dimension or store.count() != manifest.chunks:
        raise IndexCorruptError(
            f"{target} holds {store.count()} vectors of dimension {store.dimension}, the manifest says "
            f"{manifest.chunks} of {manifest.dimension}; {REBUILD_HINT}"
        )
    return store


def _entries(db: sqlite3.Connection) -> list[ChunkEntry]:
    return list(chunk_db.iter_entries(db))


def _connect_vectors(path: Path, manifest: Manifest, token: str) -> tuple[StoreLocation, str, VectorStore]:
    descriptor = _read_descriptor(path)
    location = StoreLocation(MILVUS_BACKEND, descriptor.uri, token, descriptor.index_type)
    try:
        store = connect_milvus(location, descriptor.collection, manifest.dimension, create=False)
    except VectorStoreError as error:
        raise IndexStoreError(f"the index's vectors in {descriptor.uri} are not reachable: {error}") from error
    return location, descriptor.collection, store


def _read_descriptor(path: Path) -> Descriptor:
    try:
        return Descriptor.read(path / DESCRIPTOR_FILE)
    except VectorStoreError as error:
        raise IndexCorruptError(f"{error}; {REBUILD_HINT}") from error


_LOCKED: set[Path] = set()


@contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Exclusive right to write ``index_dir`` (fails at once if another process holds it)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    key = index_dir.resolve()
    with (index_dir / LOCK_FILE).open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise IndexBusyError(f"another process is building or updating the index in {index_dir}") from error
        _LOCKED.add(key)
        try:
            yield
        finally:
            _LOCKED.discard(key)
            fcntl.flock(handle, fcntl.LOCK_UN)


class IndexWriter:
    """Stages a new generation, starting from a copy of ``base`` (or empty), and commits it.

    ``location`` says where the vectors of a new index go (default FAISS); an
    update (``base`` given) keeps the base's store. Set ``boilerplate`` to store
    a corpus boilerplate model with the generation. Use inside
    ``writer_lock(index_dir)``; leaving the ``with`` block without ``commit()``
    discards the staged files (and the chunks staged in a Milvus collection).
    """

    def __init__(
        self,
        index_dir: Path,
        model_id: str,
        dimension: int,
        chunking: dict,
        base: OpenIndex | None = None,
        location: StoreLocation | None = None,
        collection_base: str = "",
    ) -> None:
        if index_dir.resolve() not in _LOCKED:
            raise RuntimeError("IndexWriter must be used inside writer_lock(index_dir)")
        if base is not None and (base.model_id != model_id or base.manifest.dimension != dimension):
            raise ValueError("a base generation must have the writer's model and dimension")
        self.index_dir = index_dir
        self.model_id = model_id
        self.dimension = dimension
        self.chunking = chunking
        self.base = base
        self.location = base.location if base is not None else (location or FAISS_LOCATION)
        self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=index_dir))
        self._new_ids: set[int] = set()  # chunk ids written to Milvus that the base did not hold
        self._deferred: set[int] = set()  # chunk ids to delete from Milvus once published
        try:
            self.collection, self.vectors = self._open_store(base, collection_base or index_dir.name)
        except Exception:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise
        if base is not None:
            shutil.copyfile(base.path / CHUNKS_FILE, self.staging / CHUNKS_FILE)
        self.db = chunk_db.open_writable(self.staging / CHUNKS_FILE)
        self.boilerplate: BoilerplateModel | None = None
        self.committed: str | None = None
        self.counts = (0, 0)  # (releases, chunks), set by commit()

    def _open_store(self, base: OpenIndex | None, collection_base: str) -> tuple[str, VectorStore]:
        if not self.location.is_milvus:
            if base is not None and isinstance(base.vectors, FaissVectorStore):
                return "", base.vectors.copy()
            return "", FaissVectorStore.empty(self.dimension)
        if base is not None:
            return base.collection, connect_milvus(self.location, base.collection, self.dimension, create=False)
        name = new_collection_name(collection_base)
        # Written first, so that a crash before commit leaves a staging folder naming the collection to drop.
        descriptor = Descriptor(self.location.uri, name, self.location.index_type)
        (self.staging / DESCRIPTOR_FILE).write_text(descriptor.to_json(), encoding="utf-8")
        return name, connect_milvus(self.location, name, self.dimension, create=True)

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.committed is None:
            self.abort()

    def release_hashes(self) -> dict[str, str]:
        return chunk_db.release_hashes(self.db)

    def remove_releases(self, release_ids: Sequence[str]) -> int:
        """Drop releases and their chunks; returns the number of chunks removed."""
        chunk_ids = chunk_db.chunk_ids_of(self.db, list(release_ids))
        if chunk_ids and self.location.is_milvus:
            self._deferred.update(chunk_ids)
        elif chunk_ids:
            removed = self.vectors.delete_chunks(chunk_ids)
            if removed != len(chunk_ids):
                raise IndexCorruptError(
                    f"the vector index lacks {len(chunk_ids) - removed} chunk(s) the database lists; {REBUILD_HINT}"
                )
        chunk_db.delete_releases(self.db, release_ids)
        return len(chunk_ids)

    def add_release(self, release: Release, content_hash: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if vectors.shape != (len(chunks), self.dimension):
            raise ValueError(f"expected {(len(chunks), self.dimension)} vectors for {release.id}, got {vectors.shape}")
        chunk_db.insert_release(self.db, release, content_hash, chunks)
        if not chunks:
            return
        entries = [ChunkEntry(chunk.id, release.id, chunk.language, chunk.script, release.date) for chunk in chunks]
        ids = {chunk.id for chunk in chunks}
        if self.location.is_milvus:
            known = chunk_db.present_ids(self.base.db, list(ids)) if self.base is not None else set()
            self._new_ids |= ids - known
            self._deferred -= ids
        self.vectors.add(entries, vectors)

    def commit(self, extra: dict | None = None, progress: bool = False) -> str:
        """Write, fsync and publish the generation; returns its name."""
        self.db.commit()
        releases, chunks = self.counts = chunk_db.counts(self.db)
        if not self.location.is_milvus and chunks != self.vectors.count():
            raise RuntimeError(f"database has {chunks} chunks but the vector index {self.vectors.count()}")
        # bm25s cannot add or remove documents: the leg is rebuilt from every chunk.
        LexicalIndex.build(chunk_db.iter_chunks(self.db), progress=progress).save(self.staging / LEXICAL_DIR)
        self.db.close()
        if self.boilerplate is not None:
            (self.staging / BOILERPLATE_FILE).write_text(self.boilerplate.to_json(), encoding="utf-8")
        if isinstance(self.vectors, FaissVectorStore):
            self.vectors.relayout()
            self.vectors.save(self.staging)
        else:
            descriptor = Descriptor(self.location.uri, self.collection, self.location.index_type)
            (self.staging / DESCRIPTOR_FILE).write_text(descriptor.to_json(), encoding="utf-8")
        now = dt.datetime.now(dt.UTC)
        store_facts = {key: value for key, value in self.vectors.describe().items() if key != "count"}
        manifest = Manifest(
            model_id=self.model_id,
            dimension=self.dimension,
            chunking=self.chunking,
            releases=releases,
            chunks=chunks,
            created_at=now.isoformat(timespec="seconds"),
            files=checksum_tree(self.staging),
            extra={
                **(extra or {}),
                "base_generation": self.base.generation if self.base else None,
                "vector_store": store_facts,
            },
        )
        manifest_text = manifest.to_json()
        (self.staging / MANIFEST_FILE).write_text(manifest_text, encoding="utf-8")
        fsync_tree(self.staging)

        name = f"{GENERATION_PREFIX}{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"
        previous = _current_or_none(self.index_dir)
        final = self.index_dir / name
        self.staging.rename(final)
        self.staging = final
        fsync_dir(self.index_dir)
        pointer = {"generation": name, "manifest_sha256": hashlib.sha256(manifest_text.encode("utf-8")).hexdigest()}
        atomic_write_text(self.index_dir / CURRENT_FILE, json.dumps(pointer) + "\n")
        self.committed = name
        if self._deferred:  # published: the old generation's dropped chunks can go
            self.vectors.delete_chunks(sorted(self._deferred))
        collect_garbage(self.index_dir, keep={name, previous.generation if previous else ""}, token=self.location.token)
        self._close_store()
        return name

    def abort(self) -> None:
        with suppress(sqlite3.Error):
            self.db.close()
        shutil.rmtree(self.staging, ignore_errors=True)
        if self.location.is_milvus:
            with suppress(Exception):
                if self.base is None:
                    drop_milvus_collection(self.location, self.collection)
                elif self._new_ids:
                    self.vectors.delete_chunks(sorted(self._new_ids))
        self._close_store()

    def _close_store(self) -> None:
        close = getattr(self.vectors, "close", None)
        if close is not None and (self.base is None or self.vectors is not self.base.vectors):
            with suppress(Exception):
                close()


def _current_or_none(index_dir: Path) -> CurrentPointer | None:
    try:
        return read_current(index_dir)
    except IndexCorruptError:  # a damaged pointer is being replaced by a rebuild
        return None


def _has_generations(index_dir: Path) -> bool:
    if not index_dir.is_dir():
        return False
    return any(path.is_dir() and path.name.startswith(GENERATION_PREFIX) for path in index_dir.iterdir())


def collect_garbage(index_dir: Path, keep: set[str], token: str = "") -> list[str]:
    """Remove generations not in ``keep``, staging leftovers and Milvus collections only they used.

    Call while holding the writer lock. An unreachable Milvus server leaves its collections in place.
    """
    removed = []
    kept_collections = set()
    dropped: dict[tuple[str, str], Descriptor] = {}
    for path in index_dir.iterdir():
        is_generation = path.name.startswith(GENERATION_PREFIX) or path.name.startswith(STAGING_PREFIX)
        if not (path.is_dir() and is_generation):
            continue
        descriptor = _descriptor_or_none(path)
        if path.name in keep:
            if descriptor is not None:
                kept_collections.add((descriptor.uri, descriptor.collection))
            continue
        if descriptor is not None:
            dropped[(descriptor.uri, descriptor.collection)] = descriptor
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    for key, descriptor in dropped.items():
        if key not in kept_collections:
            _drop_collection(descriptor, token)
    return removed


def _descriptor_or_none(path: Path) -> Descriptor | None:
    if not (path / DESCRIPTOR_FILE).is_file():
        return None
    with suppress(VectorStoreError):
        return Descriptor.read(path / DESCRIPTOR_FILE)
    return None


def _drop_collection(descriptor: Descriptor, token: str) -> None:
    location = StoreLocation(MILVUS_BACKEND, descriptor.uri, token, descriptor.index_type)
    with suppress(Exception):
        drop_milvus_collection(location, descriptor.collection)
