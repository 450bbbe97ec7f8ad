"""A short, stable hash naming an evaluation configuration, so runs stay comparable over time.

Two runs with the same model, chunking, retrieval mode, depth, task and data slice get the
same hash on any machine and in any process (canonical JSON, sorted keys, SHA-256).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from index import sentence_ranking
from index.vector_store import FAISS_LOCATION

HASH_LENGTH = 10


@dataclass(frozen=True)
class RunConfig:
    """Everything that changes the ranking an evaluation measures."""

    task: str
    model_id: str
    mode: str
    k: int
    chunking: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))

    @property
    def hash(self) -> str:
        return config_hash(self.as_dict())

    @property
    def run_name(self) -> str:
        """File-name-safe run name: task, mode and hash, e.g. ``golden-hybrid-1a2b3c4d5e``."""
        return f"{self.task}-{self.mode}-{self.hash}"


def fusion_setting(searcher: Any) -> dict[str, Any]:
    """``{"fusion": …}`` for a hybrid searcher, so runs with different fusion settings get different hashes."""
    if searcher.mode != "hybrid":
        return {}
    return {"fusion": searcher.fusion.as_dict()}


def sentence_setting(searcher: Any) -> dict[str, Any]:
    """``{"sentence_weight": …}`` when dense scores use sentence vectors (left out for passage-only indexes)."""
    if searcher.mode == "lexical" or searcher.index.sentences is None:
        return {}
    return {"sentence_weight": sentence_ranking.SENTENCE_WEIGHT}


def vector_store_setting(vectors: Any) -> dict[str, Any]:
    """``{"vector_store": …}`` unless the store is exact FAISS, the default (left out so earlier hashes hold)."""
    facts = vectors.describe()
    if facts.get("backend") == "faiss" and facts.get("index_type") == "exact":
        return {}
    return {"vector_store": {"backend": facts.get("backend"), "index_type": facts.get("index_type")}}


def backend_suffix(settings: Any) -> str:
    """``""`` for FAISS, ``"-<backend>"`` otherwise: evaluation indexes are kept apart per backend."""
    location = settings.store_location
    return "" if location == FAISS_LOCATION else f"-{location.backend}"


def config_hash(config: Mapping[str, Any]) -> str:
    """First ``HASH_LENGTH`` hex digits of SHA-256 over the canonical JSON of ``config``."""
    canonical = json.dumps(_plain(config), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _plain(value: Any) -> Any:
    """Mappings to dicts, tuples/sets to lists, so equal configurations serialise equally."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise TypeError(f"configuration value {value!r} ({type(value).__name__}) cannot be hashed; use plain data")
