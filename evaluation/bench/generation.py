"""Write a synthetic index generation that ``index.store.open_index`` accepts (no model, no BM25).

The generation holds what a product generation holds for its vectors: the chunk store (the FAISS
index given, with its filter columns), the sentence store of every sentence row of ``chunks.sqlite``
laid out as ``FaissBackend`` lays out a store of kind ``sentences`` (float16, exact or IVF by
``faiss_layout.choose_index``), the ``backend`` file and a manifest counting both kinds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import faiss
import numpy as np
from tqdm.auto import tqdm

from evaluation.bench.memory import mib, peak_rss_bytes
from evaluation.bench.synthetic import sentence_vectors
from index import chunk_db, faiss_layout
from index.chunking import ChunkingParams
from index.durable import atomic_write_text
from index.faiss_store import BACKEND, HALF_PRECISION_KINDS, FaissVectorStore, _Columns
from index.manifest import MANIFEST_FILE, Manifest, checksum_tree
from index.store import BACKEND_FILE, CHUNKS_FILE, CURRENT_FILE, GENERATION_PREFIX
from index.vector_store import CHUNKS, FAISS_BACKEND, FAISS_LOCATION, SENTENCES, ChunkEntry, round_to_half

SYNTHETIC_GENERATION = f"{GENERATION_PREFIX}bench-synthetic"
SENTENCE_BATCH = 100_000  # sentence vectors made and added at a time (~300 MiB of float32 at 768 dimensions)
SENTENCE_SEED = 11


def generation_dir(index_dir: Path) -> Path:
    """Where the chunk database and vectors of the synthetic generation go."""
    return index_dir / SYNTHETIC_GENERATION


def publish_generation(
    index_dir: Path,
    vectors: faiss.Index,
    model_id: str,
    releases: int,
    seed: int = SENTENCE_SEED,
    progress: bool = False,
    facts: dict | None = None,
) -> Path:
    """Write ``vectors`` (the chunk vectors) and their filter columns beside ``chunks.sqlite``, a sentence
    store for its sentence rows (vectors near their chunk's), then the manifest and ``CURRENT``.

    ``facts``, when given, receives the seconds of each step, the stores' layouts and the peak RSS.
    """
    folder = generation_dir(index_dir)
    if not (folder / CHUNKS_FILE).is_file():
        raise FileNotFoundError(f"{folder / CHUNKS_FILE} must exist before the generation is published")
    facts = facts if facts is not None else {}
    (folder / BACKEND_FILE).write_text(FAISS_BACKEND + "\n", encoding="utf-8")
    started = time.perf_counter()
    catalogue = chunk_db.open_readonly(folder / CHUNKS_FILE)
    try:
        chunks = FaissVectorStore.from_index_and_entries(vectors, list(chunk_db.iter_entries(catalogue)))
        chunks.save(folder, CHUNKS)
        facts["chunk_store"] = chunks.describe()
        facts["chunk_store_seconds"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        sentences = write_sentence_store(catalogue, vectors, folder, seed, progress)
        facts["sentence_store"] = sentences
        facts["sentence_store_seconds"] = round(time.perf_counter() - started, 3)
    finally:
        catalogue.close()
    started = time.perf_counter()
    manifest = Manifest(
        model_id=model_id,
        dimension=int(vectors.d),
        chunking=ChunkingParams().to_dict(),
        releases=releases,
        chunks=int(vectors.ntotal),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        files=checksum_tree(folder),
        extra={
            "synthetic": True,
            "lexical": False,
            "vector_store": {key: value for key, value in facts["chunk_store"].items() if key != "count"},
            SENTENCES: int(sentences["count"]),
        },
    )
    text = manifest.to_json()
    (folder / MANIFEST_FILE).write_text(text, encoding="utf-8")
    pointer = {"generation": folder.name, "manifest_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    atomic_write_text(index_dir / CURRENT_FILE, json.dumps(pointer) + "\n")
    facts["manifest_seconds"] = round(time.perf_counter() - started, 3)
    facts["publish_peak_rss_mib"] = mib(peak_rss_bytes())
    return folder


def _sentence_rows(catalogue: sqlite3.Connection, size: int) -> Iterator[list[tuple]]:
    """Every sentence (id, chunk id, release id) with its chunk's language and script and its release's date,
    ``size`` rows at a time."""
    if not chunk_db.has_sentences(catalogue):
        return
    cursor = catalogue.execute(
        "SELECT s.id, s.chunk_id, s.release_id, c.language, c.script, r.date FROM sentences s "
        "JOIN chunks c ON c.id = s.chunk_id JOIN releases r ON r.id = s.release_id"
    )
    while rows := cursor.fetchmany(size):
        yield rows


def write_sentence_store(
    catalogue: sqlite3.Connection, chunk_vectors: faiss.Index, folder: Path, seed: int = SENTENCE_SEED,
    progress: bool = False,
) -> dict:
    """The sentence store of ``catalogue``'s sentence rows, saved into ``folder`` as the product saves it.

    Each sentence vector is its chunk's vector (read back from ``chunk_vectors``) plus noise. The layout
    is ``choose_index(count, half=True)``: the first batch (at least the IVF training sample) goes
    through ``faiss_layout.build_index``, which trains the lists on a sample of it, and the others
    are added one batch at a time (rounded to float16 like ``FaissVectorStore.add``), so no full
    float32 copy of the vectors is ever held. Returns the store's ``describe()``.
    """
    count = chunk_db.sentence_count(catalogue)
    plan = faiss_layout.choose_index(count, half=SENTENCES in HALF_PRECISION_KINDS)
    first_size = max(SENTENCE_BATCH, plan.nlist * faiss_layout.IVF_TRAIN_POINTS_PER_LIST)
    rng = np.random.default_rng(seed)
    index: faiss.Index | None = None
    columns = _Columns.empty()
    pending: list[tuple] = []
    bar = tqdm(total=count, desc="sentence vectors", unit="vector", disable=not progress, leave=False)
    for rows in _sentence_rows(catalogue, SENTENCE_BATCH):
        pending.extend(rows)
        if index is None and len(pending) < min(first_size, count):
            continue
        entries = [
            ChunkEntry(int(sid), release, language, script, dt.date.fromisoformat(date) if date else None)
            for sid, _, release, language, script, date in pending
        ]
        ids = np.fromiter((entry.chunk_id for entry in entries), dtype=np.int64, count=len(entries))
        owners = np.fromiter((row[1] for row in pending), dtype=np.int64, count=len(pending))
        # Rounded to float16 as FaissVectorStore.add rounds them (ids are unique: the table's primary key,
        # so add's search for ids to overwrite, a sort of every stored id per batch, is skipped).
        made = round_to_half(sentence_vectors(chunk_vectors.reconstruct_batch(owners), rng))
        if index is None:
            index = faiss_layout.build_index(plan, made, ids, seed=faiss_layout.IVF_SEED)
        else:
            index.add_with_ids(made, ids)
        columns.append(entries)
        bar.update(len(pending))
        pending = []
        del made, entries
    bar.close()
    if index is None:  # no sentence rows: an empty store, as a build of an empty corpus leaves
        store = FaissVectorStore.empty(int(chunk_vectors.d), half=plan.half)
    else:
        store = FaissVectorStore(index, columns)
    if store.plan != plan:
        raise RuntimeError(f"the sentence store is laid out as {store.plan}, the product would use {plan}")
    BACKEND.save(store, FAISS_LOCATION, folder, SENTENCES)  # relayout() is a no-op: the plan is already right
    description = store.describe()
    del store
    return description
