"""Where a generation's vectors live: the ``vector_store`` setting and the generation's descriptor.

The setting is ``faiss`` (the default: vectors inside each generation folder) or
a Milvus location: ``milvus://host:port`` or ``http(s)://host:port`` for a
server or cluster (credentials as ``user:password@`` in the URI), or a file path
ending in ``.db`` for milvus-lite (relative paths are under the assistant
home; milvus-lite keeps a folder there and serves one process at a time). A Milvus
generation stores ``vector_store.json`` naming its collection instead of
``vectors.faiss``; credentials are never written to disk.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from index.vector_store import FAISS_BACKEND, MILVUS_BACKEND, VectorStoreError

DESCRIPTOR_FILE = "vector_store.json"
MILVUS_INDEX_TYPES = ("FLAT", "HNSW", "IVF_FLAT")
DEFAULT_MILVUS_INDEX = "FLAT"


@dataclass(frozen=True)
class StoreLocation:
    """A vector store backend and, for Milvus, its URI (without credentials) and token."""

    backend: str = FAISS_BACKEND
    uri: str = ""
    token: str = field(default="", repr=False, compare=False)
    index_type: str = DEFAULT_MILVUS_INDEX

    @property
    def is_milvus(self) -> bool:
        return self.backend == MILVUS_BACKEND

    def label(self) -> str:
        return self.backend if not self.is_milvus else f"milvus {self.uri} ({self.index_type})"


FAISS_LOCATION = StoreLocation()


def parse_location(value: str, home: Path, index_type: str = DEFAULT_MILVUS_INDEX) -> StoreLocation:
    """The location a ``vector_store`` setting names; raises ValueError for an unusable value."""
    text = (value or "").strip()
    if not text or text.lower() == FAISS_BACKEND:
        return FAISS_LOCATION
    if index_type not in MILVUS_INDEX_TYPES:
        raise ValueError(f"unknown Milvus index type {index_type!r}; use one of {', '.join(MILVUS_INDEX_TYPES)}")
    parts = urlsplit(text)
    if parts.scheme in ("milvus", "http", "https"):
        if not parts.hostname:
            raise ValueError(f"the vector store URI {text!r} names no host (e.g. milvus://localhost:19530)")
        token = ""
        if parts.username is not None:
            token = f"{parts.username}:{parts.password or ''}"
        scheme = "http" if parts.scheme == "milvus" else parts.scheme
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        return StoreLocation(MILVUS_BACKEND, urlunsplit((scheme, netloc, parts.path, "", "")), token, index_type)
    if parts.scheme and len(parts.scheme) > 1:
        raise ValueError(
            f"unsupported vector store {text!r}: use faiss, milvus://host:port, http(s)://host:port or a file path"
        )
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = home / path
    if path.suffix != ".db":
        raise ValueError(
            f"a milvus-lite vector store is a path ending in .db (such as vectors/milvus.db), not {text!r}"
        )
    return StoreLocation(MILVUS_BACKEND, str(path), "", index_type)


def collection_base(index_name: str, model_id: str) -> str:
    """The Milvus collection name prefix of an index (see ``index.milvus_store.collection_name``)."""
    from index.milvus_store import collection_name

    return collection_name(index_name, model_id)


def new_collection_name(base_name: str) -> str:
    """A fresh collection for one full build: old generations keep searching theirs meanwhile."""
    return f"{base_name}_{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Descriptor:
    """What a Milvus generation's ``vector_store.json`` holds."""

    uri: str
    collection: str
    index_type: str

    def to_json(self) -> str:
        data = {
            "backend": MILVUS_BACKEND,
            "uri": self.uri,
            "collection": self.collection,
            "index_type": self.index_type,
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> Descriptor:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(data["uri"]), str(data["collection"]), str(data["index_type"]))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            raise VectorStoreError(f"{path} is unreadable ({error})") from error


def connect_milvus(location: StoreLocation, collection: str, dimension: int, create: bool):  # noqa: ANN201
    """A ``MilvusVectorStore`` (imported here so FAISS-only installs never load pymilvus)."""
    try:
        from index.milvus_store import MilvusVectorStore
    except ImportError as error:
        raise VectorStoreError(f"the Milvus backend needs pymilvus and milvus-lite ({error})") from error
    return MilvusVectorStore.connect(
        location.uri, collection, dimension, index_type=location.index_type, create=create, token=location.token or None
    )


def drop_milvus_collection(location: StoreLocation, collection: str) -> None:
    """Drop ``collection`` at ``location`` if it exists."""
    from index.milvus_store import drop_collection

    drop_collection(location.uri, collection, token=location.token or None)
