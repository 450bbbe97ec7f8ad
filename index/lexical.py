"""The lexical leg: BM25 (bm25s) over folded chunk tokens.

It finds what dense retrieval misses: exact names, acronyms and numbers, in any
script ("Карић" finds "Karić"). bm25s cannot add documents to an index, so the
caller rebuilds the lexical index for every index generation from the stored chunk
texts; that is cheap (on one idle core about 2 s for 10k chunks of ~800
characters and 25 s for 100k, mostly tokenising; a query takes under 1 ms).

Files written by ``save`` inside the directory the caller gives: ``bm25s/``
(bm25s's own files), ``chunk_ids.npy`` (row → chunk id) and ``lexical.json``
(format, tokenizer version, SHA-256 of every file), written last and atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import bm25s
import numpy as np
from tqdm import tqdm

from index.folding import TOKENIZER_VERSION, tokenize
from index.numpy_load import NUMPY_LOAD_LOCK

FORMAT = "press-assistant/lexical-bm25s"
FORMAT_VERSION = 1
MANIFEST_FILE = "lexical.json"
CHUNK_IDS_FILE = "chunk_ids.npy"
BM25_DIR = "bm25s"
_MANIFEST_KEYS = ("format", "format_version", "tokenizer_version", "chunks", "empty", "files")

# bm25s logs an info line for every empty query; our callers handle that case themselves.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndexError(RuntimeError):
    """A saved lexical index is missing, incomplete, corrupt or from another tokenizer."""


class ChunkLike(Protocol):
    """What ``build`` reads from a chunk (``index.chunking.Chunk`` has these)."""

    @property
    def id(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def language(self) -> str | None: ...


ChunkInput: TypeAlias = "ChunkLike | tuple[int, str, str | None]"


class LexicalIndex:
    """BM25 over chunk texts, searched with the same folding tokenizer."""

    def __init__(self, retriever: bm25s.BM25 | None, chunk_ids: Sequence[int]) -> None:
        self._retriever = retriever
        self._ids = np.asarray(chunk_ids, dtype=np.int64)
        self._chunk_ids = tuple(self._ids.tolist())
        # Rows sorted by chunk id, to map allowed ids to rows with a binary search.
        self._sorted_rows = np.argsort(self._ids, kind="stable")
        self._sorted_ids = self._ids[self._sorted_rows]
        if np.any(self._sorted_ids[1:] == self._sorted_ids[:-1]):
            raise ValueError("chunk ids must be unique")

    @property
    def chunk_ids(self) -> tuple[int, ...]:
        """Ids of the indexed chunks, in index row order."""
        return self._chunk_ids

    def __len__(self) -> int:
        return len(self._ids)

    @classmethod
    def build(cls, chunks: Iterable[ChunkInput], progress: bool = False) -> LexicalIndex:
        """Index ``chunks``: ``(chunk_id, text, language)`` tuples or objects with those attributes."""
        chunk_ids: list[int] = []
        corpus_tokens: list[list[str]] = []
        for chunk in tqdm(chunks, desc="Lexical index", unit="chunk", disable=not progress):
            chunk_id, text, language = _chunk_fields(chunk)
            chunk_ids.append(chunk_id)
            corpus_tokens.append(tokenize(text, language))
        if not any(corpus_tokens):
            return cls(None, chunk_ids)
        retriever = bm25s.BM25()
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever, chunk_ids)

    def search(self, query: str, k: int, allowed_ids: set[int] | None = None) -> list[tuple[int, float]]:
        """Up to ``k`` ``(chunk_id, score)`` pairs, best first, positive scores only.

        ``allowed_ids`` restricts the candidates before the top ``k`` are taken.
        Ties are broken by chunk id so results are reproducible.
        """
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        if self._retriever is None:
            return []
        query_token_ids = self._retriever.get_tokens_ids(tokenize(query))
        if not query_token_ids:
            return []
        scores = self._retriever.get_scores_from_ids(query_token_ids)
        if allowed_ids is None:
            rows = np.flatnonzero(scores > 0)
        else:
            rows = self._rows_of(allowed_ids)
            rows = rows[scores[rows] > 0]
        if len(rows) > k:
            # Keep every row scoring at least the k-th best score, so ties at the cut
            # are all sorted by id below instead of being picked arbitrarily.
            kth_best = -np.partition(-scores[rows], k - 1)[k - 1]
            rows = rows[scores[rows] >= kth_best]
        ranked = sorted(((self._chunk_ids[row], float(scores[row])) for row in rows), key=lambda hit: (-hit[1], hit[0]))
        return ranked[:k]

    def _rows_of(self, chunk_ids: set[int]) -> np.ndarray:
        """Index rows of the given chunk ids; ids not in the index are ignored."""
        wanted = np.fromiter(chunk_ids, dtype=np.int64, count=len(chunk_ids))
        slots = np.searchsorted(self._sorted_ids, wanted)
        found = slots < len(self._sorted_ids)
        found[found] = self._sorted_ids[slots[found]] == wanted[found]
        return self._sorted_rows[slots[found]]

    def save(self, directory: Path) -> None:
        """Write the index into ``directory`` (created if missing); the manifest is written last."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MANIFEST_FILE).unlink(missing_ok=True)
        if self._retriever is not None:
            self._retriever.save(str(directory / BM25_DIR), show_progress=False)
        np.save(directory / CHUNK_IDS_FILE, self._ids, allow_pickle=False)
        files = [CHUNK_IDS_FILE]
        if self._retriever is not None:
            files += sorted(f"{BM25_DIR}/{path.name}" for path in (directory / BM25_DIR).iterdir() if path.is_file())
        for name in files:
            _fsync(directory / name)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tokenizer_version": TOKENIZER_VERSION,
            "bm25s_version": bm25s.__version__,
            "chunks": len(self._ids),
            "empty": self._retriever is None,
            "files": {name: _file_digest(directory / name) for name in files},
        }
        _write_atomically(directory / MANIFEST_FILE, json.dumps(manifest, indent=2))

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read an index written by ``save``; raise ``LexicalIndexError`` saying what is wrong."""
        directory = Path(directory)
        manifest = _read_manifest(directory)
        for name, expected in manifest["files"].items():
            path = directory / name
            if not path.is_file():
                raise LexicalIndexError(f"lexical index file is missing: {path}")
            if _file_digest(path) != expected:
                raise LexicalIndexError(f"lexical index file is corrupt (checksum mismatch): {path}")
        try:
            with NUMPY_LOAD_LOCK:
                chunk_ids = np.load(directory / CHUNK_IDS_FILE, allow_pickle=False)
                retriever = None if manifest["empty"] else bm25s.BM25.load(str(directory / BM25_DIR))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LexicalIndexError(f"lexical index in {directory} cannot be read: {error}") from error
        if chunk_ids.ndim != 1 or len(chunk_ids) != manifest["chunks"]:
            raise LexicalIndexError(f"lexical index in {directory}: chunk id list does not match the manifest")
        if retriever is not None and retriever.scores["num_docs"] != len(chunk_ids):
            raise LexicalIndexError(f"lexical index in {directory}: BM25 rows do not match the chunk ids")
        return cls(retriever, chunk_ids)


def _chunk_fields(chunk: Any) -> tuple[int, str, str | None]:
    if isinstance(chunk, tuple):
        if len(chunk) != 3:
            raise ValueError(f"a chunk tuple must be (chunk_id, text, language), got {len(chunk)} items")
        chunk_id, text, language = chunk
    else:
        chunk_id, text, language = chunk.id, chunk.text, chunk.language
    if isinstance(chunk_id, bool) or not isinstance(chunk_id, (int, np.integer)):
        raise TypeError(f"chunk id must be an integer, got {chunk_id!r}")
    if not isinstance(text, str):
        raise TypeError(f"chunk {chunk_id} text must be a string, got {type(text).__name__}")
    return int(chunk_id), text, language


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise LexicalIndexError(f"no lexical index in {directory} ({MANIFEST_FILE} is missing; was the save interrupted?)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LexicalIndexError(f"lexical index manifest is unreadable: {path} ({error})") from error
    missing = [key for key in _MANIFEST_KEYS if not isinstance(manifest, dict) or key not in manifest]
    if missing:
        raise LexicalIndexError(f"lexical index manifest is unreadable: {path} (missing {', '.join(missing)})")
    if manifest["format"] != FORMAT or manifest["format_version"] != FORMAT_VERSION:
        raise LexicalIndexError(f"{path} is not a lexical index of format {FORMAT} v{FORMAT_VERSION}")
    if manifest["tokenizer_version"] != TOKENIZER_VERSION:
        raise LexicalIndexError(
            f"lexical index in {directory} was built with tokenizer v{manifest['tokenizer_version']}, "
            f"this version uses v{TOKENIZER_VERSION}: rebuild the index"
        )
    if not isinstance(manifest["files"], dict) or CHUNK_IDS_FILE not in manifest["files"]:
        raise LexicalIndexError(f"lexical index manifest {path} does not list {CHUNK_IDS_FILE}")
    return manifest


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _write_atomically(path: Path, text: str) -> None:
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
