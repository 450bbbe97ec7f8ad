"""Where a generation's vectors live: the ``vector_store`` setting and the backend registry.

The setting is ``faiss`` (the default: vectors inside each generation folder) or
a Milvus location: ``milvus://host:port`` or ``http(s)://host:port`` for a
server or cluster (credentials as ``user:password@`` in the URI), or a file path
ending in ``.db`` for milvus-lite (relative paths are under the assistant
home; milvus-lite keeps a folder there and serves one process at a time).
Credentials are never written to disk.

Backends are registered by name with a loader (so a FAISS-only install never
imports pymilvus) and a parser that claims the settings values it understands.
A new backend is one module plus one ``register_backend`` call; nothing else in
the index names it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from index.manifest import Manifest
from index.vector_store import (
    FAISS_BACKEND,
    FAISS_LOCATION,
    MILVUS_BACKEND,
    StoreLocation,
    VectorBackend,
    VectorStoreError,
)

MILVUS_INDEX_TYPES = ("FLAT", "HNSW", "IVF_FLAT")
DEFAULT_MILVUS_INDEX = "FLAT"

# (settings value, home, index type) -> the location, or None when the value is not this backend's.
LocationParser = Callable[[str, Path, str], StoreLocation | None]


@dataclass
class _Registration:
    load: Callable[[], VectorBackend]
    parse: LocationParser
    backend: VectorBackend | None = None


_REGISTRY: dict[str, _Registration] = {}


def register_backend(name: str, load: Callable[[], VectorBackend], parse: LocationParser) -> None:
    """Make backend ``name`` available: ``load`` returns it on first use, ``parse`` claims settings values."""
    _REGISTRY[name] = _Registration(load, parse)


def unregister_backend(name: str) -> None:
    _REGISTRY.pop(name, None)


def backend_of(location: StoreLocation) -> VectorBackend:
    """The registered backend that serves ``location``."""
    registration = _REGISTRY.get(location.backend)
    if registration is None:
        raise VectorStoreError(
            f"no vector-store backend named {location.backend!r} is installed; "
            f"known: {', '.join(sorted(_REGISTRY))}"
        )
    if registration.backend is None:
        try:
            registration.backend = registration.load()
        except ImportError as error:
            raise VectorStoreError(
                f"the {location.backend} vector-store backend cannot be loaded ({error}); install its extra"
            ) from error
    return registration.backend


def generation_backend(manifest: Manifest) -> str:
    """The backend name a generation was written with (recorded in its manifest since the vector-store seam)."""
    facts = manifest.extra.get("vector_store")
    if isinstance(facts, dict) and isinstance(facts.get("backend"), str):
        return str(facts["backend"])
    return FAISS_BACKEND  # generations older than the record held FAISS vectors


def parse_location(value: str, home: Path, index_type: str = DEFAULT_MILVUS_INDEX) -> StoreLocation:
    """The location a ``vector_store`` setting names; raises ValueError for an unusable value."""
    text = (value or "").strip()
    for registration in _REGISTRY.values():
        location = registration.parse(text, home, index_type)
        if location is not None:
            return location
    raise ValueError(
        f"unsupported vector store {text!r}: use faiss, milvus://host:port, http(s)://host:port or a milvus-lite "
        "file path ending in .db (such as vectors/milvus.db)"
    )


def _parse_faiss(text: str, home: Path, index_type: str) -> StoreLocation | None:
    return FAISS_LOCATION if not text or text.lower() == FAISS_BACKEND else None


def _parse_milvus(text: str, home: Path, index_type: str) -> StoreLocation | None:
    parts = urlsplit(text)
    if parts.scheme in ("milvus", "http", "https"):
        _check_index_type(index_type)
        if not parts.hostname:
            raise ValueError(f"the vector store URI {text!r} names no host (e.g. milvus://localhost:19530)")
        token = ""
        if parts.username is not None:
            token = f"{parts.username}:{parts.password or ''}"
        scheme = "http" if parts.scheme == "milvus" else parts.scheme
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        return StoreLocation(MILVUS_BACKEND, urlunsplit((scheme, netloc, parts.path, "", "")), token, index_type)
    if parts.scheme and len(parts.scheme) > 1:
        return None  # another backend's scheme, or an unsupported one
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = home / path
    if path.suffix != ".db":
        return None  # not a milvus-lite file (such as vectors/milvus.db)
    _check_index_type(index_type)
    return StoreLocation(MILVUS_BACKEND, str(path), "", index_type)


def _check_index_type(index_type: str) -> None:
    if index_type not in MILVUS_INDEX_TYPES:
        raise ValueError(f"unknown Milvus index type {index_type!r}; use one of {', '.join(MILVUS_INDEX_TYPES)}")


def _loader(module: str) -> Callable[[], VectorBackend]:
    return lambda: importlib.import_module(module).BACKEND


register_backend(FAISS_BACKEND, _loader("index.faiss_store"), _parse_faiss)
register_backend(MILVUS_BACKEND, _loader("index.milvus_store"), _parse_milvus)
