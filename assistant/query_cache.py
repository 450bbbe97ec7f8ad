"""An encoder wrapper that remembers recent question vectors.

One question is encoded by the searcher (hybrid mode encodes inside ``search``),
for passage relevance and for highlighting; with this wrapper the model runs once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from index.encoder import QUERY_PROMPT, Encoder

DEFAULT_SIZE = 256


class QueryCachingEncoder:
    """Same ``model_id`` and vectors as ``inner``; single ``query`` texts are memoised."""

    def __init__(self, inner: Encoder, size: int = DEFAULT_SIZE) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def forget(self) -> None:
        with self._lock:
            self._vectors.clear()

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        if prompt_name != QUERY_PROMPT or len(texts) != 1:
            return self.inner.encode(texts, prompt_name, progress)
        text = texts[0]
        with self._lock:
            cached = self._vectors.get(text)
            if cached is not None:
                self._vectors.move_to_end(text)
                return cached[None, :].copy()
        vector = self.inner.encode([text], prompt_name, progress)[0]
        with self._lock:
            self._vectors[text] = vector
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector[None, :].copy()
