"""Move an index's vectors to another vector store without re-embedding.

The live generation's catalogue (releases, chunks, boilerplate) is copied into
a new generation whose vectors are read from the old store and written to the
target, then the new generation is published like any build and the
``vector_store`` setting is switched to the target, so later builds use it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index import chunk_db
from index.durable import atomic_write_text
from index.settings import SETTINGS_FILE, Settings
from index.store import CHUNKS_FILE, IndexStoreError, IndexWriter, open_index, writer_lock
from index.vector_store import CHUNKS, SENTENCES, ChunkEntry, StoreLocation, VectorStore

COPY_BATCH = 1_000


@dataclass
class MigrationReport:
    source: str
    target: str
    generation: str
    releases: int
    chunks: int
    seconds: float


def migrate_index(settings: Settings, target_uri: str, target: StoreLocation, progress: bool = True) -> MigrationReport:
    """Copy the live index into ``target`` (parsed from ``target_uri``) and make it the configured store."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    with writer_lock(index_dir):
        source = open_index(index_dir, milvus_token=settings.store_location.token)
        try:
            if (source.location.backend, source.location.uri) == (target.backend, target.uri):
                raise ValueError(f"the index's vectors are already in {target.label()}")
            if source.sentences is None:
                raise IndexStoreError(
                    "the index was built before sentence vectors existed; run `assistant index build` first, "
                    "then migrate"
                )
            dimension, model_id = source.manifest.dimension, source.model_id
            with IndexWriter(
                index_dir, model_id, dimension, source.manifest.chunking, None, target, settings.index_name
            ) as writer:
                writer.boilerplate = source.boilerplate()
                _copy_catalogue(source.path / CHUNKS_FILE, writer.db)
                for kind, entries in (
                    (CHUNKS, list(chunk_db.iter_entries(writer.db))),
                    (SENTENCES, list(chunk_db.iter_sentence_entries(writer.db))),
                ):
                    _copy_vectors(source.store(kind), writer.store(kind), entries, kind, dimension, progress)
                generation = writer.commit(extra={"migrated_from": source.generation}, progress=progress)
                releases, chunks = writer.counts
            source_label = source.location.label()
        finally:
            source.close()
    save_vector_store_setting(settings.home, target_uri, target.index_type or None)
    return MigrationReport(source_label, target.label(), generation, releases, chunks, time.perf_counter() - started)


def _copy_catalogue(source: Path, target: sqlite3.Connection) -> None:
    target.execute("ATTACH DATABASE ? AS source", (f"{source.resolve().as_uri()}?mode=ro",))
    try:
        columns = ", ".join(chunk_db.release_columns(target, "source"))  # older generations lack some
        target.execute(f"INSERT INTO releases ({columns}) SELECT {columns} FROM source.releases")
        target.execute("INSERT INTO chunks SELECT * FROM source.chunks")
        target.execute("INSERT INTO sentences SELECT * FROM source.sentences")
        target.commit()
    finally:
        target.execute("DETACH DATABASE source")


def _copy_vectors(
    source: VectorStore | None, target: VectorStore, entries: list[ChunkEntry], kind: str, dimension: int,
    progress: bool,
) -> None:
    """Copy the vectors of ``entries`` from ``source`` to ``target`` in batches, without re-embedding."""
    if source is None:
        raise RuntimeError(f"the source generation has no {kind} vectors")
    bar = tqdm(total=len(entries), desc=f"copying {kind} vectors", unit="vector", disable=not progress)
    for offset in range(0, len(entries), COPY_BATCH):
        batch = entries[offset : offset + COPY_BATCH]
        target.add(batch, _vectors(source, batch, kind, dimension))
        bar.update(len(batch))
    bar.close()


def _vectors(store: VectorStore, entries: list[ChunkEntry], kind: str, dimension: int) -> np.ndarray:
    found = store.vectors_of([entry.chunk_id for entry in entries])
    missing = [entry.chunk_id for entry in entries if entry.chunk_id not in found]
    if missing:
        raise RuntimeError(
            f"the source vector store lacks {len(missing)} {kind} vector(s) its catalogue lists (e.g. {missing[0]}); "
            "rebuild the index with `assistant index build --rebuild` instead of migrating"
        )
    return np.stack([found[entry.chunk_id] for entry in entries]).reshape(len(entries), dimension)


def save_vector_store_setting(home: Path, value: str, milvus_index_type: str | None = None) -> None:
    """Set ``vector_store`` (and ``milvus_index_type``) in ``settings.json``, keeping the others (atomic write)."""
    path = home / SETTINGS_FILE
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if not isinstance(stored, dict):
        raise ValueError(f"{path} must hold a JSON object")
    stored["vector_store"] = value
    if milvus_index_type is not None:
        stored["milvus_index_type"] = milvus_index_type
    atomic_write_text(path, json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
