"""The on-disk index: immutable generations and an atomically swapped ``CURRENT`` pointer.

An index directory looks like::

    CURRENT                 {"generation": "gen-...", "manifest_sha256": "..."}
    gen-<utc time>-<rand>/  chunks.sqlite (releases, chunks, sentences), lexical/, boilerplate.json
                            (optional), backend (the vector-store backend's name), the backend's files
                            for the chunk and sentence vectors, manifest.json (sha256 of every other file)
    .writer.lock            held by the one process building a new generation

Every generation written here has a lexical (BM25) leg, rebuilt from all chunks
at each commit; one without it (from an older build) still opens for dense
search and gets the leg at the next write.

A writer stages a new generation in ``.staging-*``, fsyncs it, renames it to
``gen-*`` and only then replaces ``CURRENT`` with ``os.replace``. A crash at
any point leaves the previous generation live; leftovers are collected by the
next writer, which keeps the live generation and the one before it.

Vectors go through a ``VectorBackend`` (``index.vector_store``, registered in
``index.store_location``). A backend whose stores are ``shared`` between generations
(a server collection per kind and full build) receives an update's new vectors
before publishing and its deletions after, so searchers on the old generation
keep finding theirs; ids a generation does not list are skipped by the searcher.
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
from index.lexical import LexicalIndex
from index.manifest import MANIFEST_FILE, Manifest, ManifestError, checksum_tree, file_sha256
from index.sentences import Sentence
from index.store_location import backend_of, generation_backend
from index.vector_store import (
    CHUNKS,
    FAISS_LOCATION,
    KINDS,
    SENTENCES,
    ChunkEntry,
    StoreLocation,
    VectorBackend,
    VectorStore,
    VectorStoreError,
)

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".writer.lock"
CHUNKS_FILE = "chunks.sqlite"
LEXICAL_DIR = "lexical"
BOILERPLATE_FILE = "boilerplate.json"
BACKEND_FILE = "backend"  # the vector-store backend's name, written first into a staging folder
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
    """A verified, read-only generation: its vector stores plus the chunk database.

    ``sentences`` is None for a generation written before sentence vectors existed
    (the next ``assistant index build`` adds them).
    """

    index_dir: Path
    generation: str
    path: Path
    manifest: Manifest
    vectors: VectorStore
    db: sqlite3.Connection
    location: StoreLocation = FAISS_LOCATION
    sentences: VectorStore | None = None
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

    def store(self, kind: str) -> VectorStore | None:
        return self.vectors if kind == CHUNKS else self.sentences

    def close(self) -> None:
        self.db.close()
        for store in (self.vectors, self.sentences):
            if store is not None:
                with suppress(Exception):
                    store.close()


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
    opened: list[VectorStore] = []
    try:
        backend = _backend(StoreLocation(generation_backend(manifest)))
        try:
            location = backend.location_of(path, milvus_token)
            stores = {kind: backend.open(location, path, manifest.files, kind, manifest.dimension) for kind in KINDS}
        except VectorStoreError as error:
            raise IndexStoreError(f"the index's vectors are not reachable: {error}") from error
        except (RuntimeError, OSError, ValueError, KeyError) as error:
            raise IndexCorruptError(f"the vectors in {path} cannot be loaded ({error}); {REBUILD_HINT}") from error
        opened = [store for store in stores.values() if store is not None]
        chunks = stores[CHUNKS]
        if chunks is None:
            raise IndexCorruptError(f"{path / MANIFEST_FILE} lists no chunk vectors; {REBUILD_HINT}")
        for kind, store in stores.items():
            _check_count(path, manifest, kind, store)
    except Exception:
        for store in opened:
            with suppress(Exception):
                store.close()
        db.close()
        raise
    return OpenIndex(index_dir, pointer.generation, path, manifest, chunks, db, location, stores[SENTENCES])


def _backend(location: StoreLocation) -> VectorBackend:
    try:
        return backend_of(location)
    except VectorStoreError as error:
        raise IndexStoreError(str(error)) from error


def _check_count(path: Path, manifest: Manifest, kind: str, store: VectorStore | None) -> None:
    """A generation's own (unshared) store must hold exactly the vectors its manifest counts."""
    if store is None or store.shared:
        return
    expected = manifest.chunks if kind == CHUNKS else int(manifest.extra.get(kind, -1))
    if store.dimension != manifest.dimension or store.count() != expected:
        raise IndexCorruptError(
            f"the {kind} vectors in {path} are {store.count()} of dimension {store.dimension}, the manifest says "
            f"{expected} of {manifest.dimension}; {REBUILD_HINT}"
        )


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


class _StagedStore:
    """One kind of vectors being written: the store, and for a shared store the ids to clean up."""

    def __init__(self, store: VectorStore, base: VectorStore | None) -> None:
        self.store = store
        self.base = base
        self.new_ids: set[int] = set()  # written to a shared store, unknown to the base: deleted on abort
        self.deferred: set[int] = set()  # to delete from a shared store once the generation is published

    def remove(self, ids: Sequence[int], release_ids: Sequence[str]) -> None:
        if not ids:
            return
        if self.store.shared:
            self.deferred.update(ids)
            return
        removed = self.store.delete_chunks(ids)
        if removed != len(ids):
            raise IndexCorruptError(
                f"the vector index lacks {len(ids) - removed} of the {len(ids)} vectors the database lists for "
                f"{', '.join(release_ids[:3])}; {REBUILD_HINT}"
            )

    def add(self, entries: Sequence[ChunkEntry], vectors: np.ndarray, known: set[int]) -> None:
        if self.store.shared:
            ids = {entry.chunk_id for entry in entries}
            self.new_ids |= ids - known
            self.deferred -= ids
        self.store.add(entries, vectors)


class IndexWriter:
    """Stages a new generation, starting from a copy of ``base`` (or empty), and commits it.

    ``location`` says where the vectors of a new index go (default FAISS); an
    update (``base`` given) keeps the base's store. ``index_name`` names the index to
    backends that keep vectors outside the folder. Set ``boilerplate`` to store a corpus
    boilerplate model with the generation. Use inside ``writer_lock(index_dir)``;
    leaving the ``with`` block without ``commit()`` discards the staged files (and
    the vectors staged in a shared store).
    """

    def __init__(
        self,
        index_dir: Path,
        model_id: str,
        dimension: int,
        chunking: dict,
        base: OpenIndex | None = None,
        location: StoreLocation | None = None,
        index_name: str = "",
    ) -> None:
        if index_dir.resolve() not in _LOCKED:
            raise RuntimeError("IndexWriter must be used inside writer_lock(index_dir)")
        if base is not None and (base.model_id != model_id or base.manifest.dimension != dimension):
            raise ValueError("a base generation must have the writer's model and dimension")
        if base is not None and base.sentences is None:
            raise IndexStoreError(
                f"the index in {index_dir} was built before sentence vectors existed; "
                "run `assistant index build` to rebuild it (the embedding cache keeps its chunk vectors)"
            )
        self.index_dir = index_dir
        self.model_id = model_id
        self.dimension = dimension
        self.chunking = chunking
        self.base = base
        self.location = base.location if base is not None else (location or FAISS_LOCATION)
        self.backend = _backend(self.location)
        self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=index_dir))
        # Written first, so that the garbage collector knows whom to ask about a crashed build's leftovers.
        (self.staging / BACKEND_FILE).write_text(self.location.backend + "\n", encoding="utf-8")
        self._staged: dict[str, _StagedStore] = {}
        try:
            for kind in KINDS:
                base_store = base.store(kind) if base is not None else None
                if base_store is not None:
                    store = self.backend.stage(base_store, self.location, self.staging, kind)
                else:
                    name = index_name or index_dir.name
                    store = self.backend.create(self.location, self.staging, kind, dimension, name, model_id)
                self._staged[kind] = _StagedStore(store, base_store)
        except Exception:
            self._close_stores()
            if base is None:
                self.backend.discard(self.staging, [], self.location.token)
            shutil.rmtree(self.staging, ignore_errors=True)
            raise
        if base is not None:
            shutil.copyfile(base.path / CHUNKS_FILE, self.staging / CHUNKS_FILE)
        self.db = chunk_db.open_writable(self.staging / CHUNKS_FILE)
        self.boilerplate: BoilerplateModel | None = None
        self.committed: str | None = None
        self.counts = (0, 0)  # (releases, chunks), set by commit()

    @property
    def vectors(self) -> VectorStore:
        """The chunk vector store being written."""
        return self._staged[CHUNKS].store

    def store(self, kind: str) -> VectorStore:
        return self._staged[kind].store

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.committed is None:
            self.abort()

    def release_hashes(self) -> dict[str, str]:
        return chunk_db.release_hashes(self.db)

    def remove_releases(self, release_ids: Sequence[str]) -> int:
        """Drop releases with their chunks and sentences; returns the number of chunks removed."""
        release_ids = list(release_ids)
        chunk_ids = chunk_db.chunk_ids_of(self.db, release_ids)
        self._staged[CHUNKS].remove(chunk_ids, release_ids)
        self._staged[SENTENCES].remove(chunk_db.sentence_ids_of(self.db, release_ids), release_ids)
        chunk_db.delete_releases(self.db, release_ids)
        return len(chunk_ids)

    def add_release(
        self,
        release: Release,
        content_hash: str,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        sentences: Sequence[Sentence] = (),
        sentence_vectors: np.ndarray | None = None,
    ) -> None:
        """Store a release, its chunks with their vectors and its chunks' sentences with theirs."""
        if vectors.shape != (len(chunks), self.dimension):
            raise ValueError(f"expected {(len(chunks), self.dimension)} vectors for {release.id}, got {vectors.shape}")
        if sentence_vectors is None:
            sentence_vectors = np.zeros((0, self.dimension), dtype=np.float32)
        if sentence_vectors.shape != (len(sentences), self.dimension):
            raise ValueError(
                f"expected {(len(sentences), self.dimension)} sentence vectors for {release.id}, "
                f"got {sentence_vectors.shape}"
            )
        chunk_db.insert_release(self.db, release, content_hash, chunks)
        chunk_db.insert_sentences(self.db, release.id, sentences)
        if not chunks:
            return
        by_chunk = {chunk.id: chunk for chunk in chunks}
        entries = [ChunkEntry(chunk.id, release.id, chunk.language, chunk.script, release.date) for chunk in chunks]
        sentence_entries = [
            ChunkEntry(sentence.id, release.id, by_chunk[sentence.chunk_id].language,
                       by_chunk[sentence.chunk_id].script, release.date)
            for sentence in sentences
        ]  # fmt: skip
        for kind, kind_entries, kind_vectors in (
            (CHUNKS, entries, vectors),
            (SENTENCES, sentence_entries, sentence_vectors),
        ):
            if not kind_entries:
                continue
            staged = self._staged[kind]
            known = self._known_ids(kind, [entry.chunk_id for entry in kind_entries]) if staged.store.shared else set()
            staged.add(kind_entries, kind_vectors, known)

    def _known_ids(self, kind: str, ids: list[int]) -> set[int]:
        """Which of ``ids`` the base generation lists (the rest are new to a shared store)."""
        if self.base is None:
            return set()
        if kind == CHUNKS:
            return chunk_db.present_ids(self.base.db, ids)
        return chunk_db.present_sentence_ids(self.base.db, ids)

    def commit(self, extra: dict | None = None, progress: bool = False) -> str:
        """Write, fsync and publish the generation; returns its name."""
        self.db.commit()
        releases, chunks = self.counts = chunk_db.counts(self.db)
        sentences = chunk_db.sentence_count(self.db)
        for kind, expected in ((CHUNKS, chunks), (SENTENCES, sentences)):
            store = self._staged[kind].store
            if not store.shared and store.count() != expected:
                raise RuntimeError(f"database has {expected} {kind} but the vector index {store.count()}")
        # bm25s cannot add or remove documents: the leg is rebuilt from every chunk.
        LexicalIndex.build(chunk_db.iter_chunks(self.db), progress=progress).save(self.staging / LEXICAL_DIR)
        self.db.close()
        if self.boilerplate is not None:
            (self.staging / BOILERPLATE_FILE).write_text(self.boilerplate.to_json(), encoding="utf-8")
        for kind, staged in self._staged.items():
            self.backend.save(staged.store, self.location, self.staging, kind)
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
                "vector_store": {**store_facts, "backend": self.location.backend},
                SENTENCES: sentences,
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
        for staged in self._staged.values():  # published: the old generation's dropped vectors can go
            if staged.deferred:
                staged.store.delete_chunks(sorted(staged.deferred))
        collect_garbage(self.index_dir, keep={name, previous.generation if previous else ""}, token=self.location.token)
        self._close_stores()
        return name

    def abort(self) -> None:
        with suppress(sqlite3.Error):
            self.db.close()
        for staged in self._staged.values():
            if staged.store.shared and staged.base is not None and staged.new_ids:
                with suppress(Exception):
                    staged.store.delete_chunks(sorted(staged.new_ids))
        self._close_stores()
        if self.base is None:
            with suppress(Exception):
                self.backend.discard(self.staging, [], self.location.token)
        shutil.rmtree(self.staging, ignore_errors=True)

    def _close_stores(self) -> None:
        for staged in self._staged.values():
            if staged.store is not staged.base:
                with suppress(Exception):
                    staged.store.close()


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
    """Remove generations not in ``keep``, staging leftovers, and what only they used in a vector store.

    Call while holding the writer lock. An unreachable server keeps its collections.
    """
    folders = [
        path
        for path in index_dir.iterdir()
        if path.is_dir() and (path.name.startswith(GENERATION_PREFIX) or path.name.startswith(STAGING_PREFIX))
    ]
    kept = [path for path in folders if path.name in keep]
    removed = []
    for path in folders:
        if path.name in keep:
            continue
        with suppress(Exception):
            _folder_backend(path).discard(path, kept, token)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def _folder_backend(path: Path) -> VectorBackend:
    """The backend a (possibly half-written) generation folder used: its marker says, else its manifest."""
    marker = path / BACKEND_FILE
    if marker.is_file():
        return backend_of(StoreLocation(marker.read_text(encoding="utf-8").strip()))
    manifest = Manifest.from_json((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    return backend_of(StoreLocation(generation_backend(manifest)))
