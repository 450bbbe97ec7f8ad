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
    """Same ``model_id`` and vectors as ``inner``; ``query`` texts are memoised one by one."""

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
        if prompt_name != QUERY_PROMPT or not texts:
            return self.inner.encode(texts, prompt_name, progress)
        with self._lock:
            found = {text: self._vectors[text] for text in texts if text in self._vectors}
            for text in found:
                self._vectors.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        if missing:
            vectors = self.inner.encode(missing, prompt_name, progress)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = self._vectors[text] = vector
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        return np.stack([found[text] for text in texts]).copy()
