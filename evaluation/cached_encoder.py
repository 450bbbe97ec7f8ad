"""An encoder wrapper that keeps every vector it produces in the index's embedding cache.

Evaluations ask thousands of questions, many several times (once per language filter and per
retrieval mode), and the chat's highlighter encodes the sentences of every quote. The wrapper
stores all of these in the persistent cache the index already uses for passages (key: model id,
prompt name, sha256 of the text) and keeps them in memory, so a repeated evaluation barely runs
the model. ``warm`` encodes many questions up front in batches. The vectors are the model's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedding_cache import EmbeddingCache, EmbeddingStats, embed_with_cache
from index.encoder import QUERY_PROMPT, Encoder


class CachedEncoder:
    """Same ``model_id``/``dimension`` as ``inner``; vectors come from memory, the cache or ``inner``."""

    def __init__(self, inner: Encoder, cache_path: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.cache_path = cache_path
        self.stats: dict[str, EmbeddingStats] = {}
        self._memory: dict[tuple[str, str], np.ndarray] = {}
        self._cache: EmbeddingCache | None = None

    def warm(self, texts: Sequence[str], prompt_name: str = QUERY_PROMPT, progress: bool = True) -> None:
        """Make the vectors of ``texts`` available, encoding the unknown ones in batches."""
        wanted = [text for text in dict.fromkeys(texts) if (prompt_name, text) not in self._memory]
        if not wanted:
            return
        if self._cache is None:
            self._cache = EmbeddingCache(self.cache_path)
        stats = self.stats.setdefault(prompt_name, EmbeddingStats())
        vectors = embed_with_cache(self.inner, wanted, prompt_name, self._cache, progress=progress, stats=stats)
        self._memory.update(((prompt_name, text), vector) for text, vector in zip(wanted, vectors))

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.warm(texts, prompt_name, progress=progress)
        return np.stack([self._memory[(prompt_name, text)] for text in texts]).astype(np.float32, copy=True)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
