"""Write a synthetic index generation that ``index.store.open_index`` accepts (no model, no BM25)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import faiss

from index.chunking import ChunkingParams
from index.durable import atomic_write_text
from index.manifest import MANIFEST_FILE, Manifest, checksum_tree
from index import chunk_db
from index.faiss_store import FaissVectorStore
from index.store import CHUNKS_FILE, CURRENT_FILE, GENERATION_PREFIX

SYNTHETIC_GENERATION = f"{GENERATION_PREFIX}bench-synthetic"


def generation_dir(index_dir: Path) -> Path:
    """Where the chunk database and vectors of the synthetic generation go."""
    return index_dir / SYNTHETIC_GENERATION


def publish_generation(index_dir: Path, vectors: faiss.Index, model_id: str, releases: int) -> Path:
    """Write ``vectors`` and their filter columns beside ``chunks.sqlite``, then the manifest and ``CURRENT``."""
    folder = generation_dir(index_dir)
    if not (folder / CHUNKS_FILE).is_file():
        raise FileNotFoundError(f"{folder / CHUNKS_FILE} must exist before the generation is published")
    catalogue = chunk_db.open_readonly(folder / CHUNKS_FILE)
    try:
        FaissVectorStore.from_index_and_entries(vectors, list(chunk_db.iter_entries(catalogue))).save(folder)
    finally:
        catalogue.close()
    manifest = Manifest(
        model_id=model_id,
        dimension=int(vectors.d),
        chunking=ChunkingParams().to_dict(),
        releases=releases,
        chunks=int(vectors.ntotal),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        files=checksum_tree(folder),
        extra={"synthetic": True, "lexical": False},
    )
    text = manifest.to_json()
    (folder / MANIFEST_FILE).write_text(text, encoding="utf-8")
    pointer = {"generation": folder.name, "manifest_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    atomic_write_text(index_dir / CURRENT_FILE, json.dumps(pointer) + "\n")
    return folder
