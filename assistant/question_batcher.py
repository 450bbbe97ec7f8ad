"""Encode questions that arrive together in one model call.

Answering a question costs one encoding of the question (about 0.2 s on two cores); the
rest is milliseconds. When many people ask at once, encoding their questions one by one
makes each wait for all the others. ``BatchingEncoder`` lets the first caller lead: it
waits ``window`` seconds for others to join, encodes up to ``max_batch`` questions in one
call (a batch of short texts costs little more than one), hands each caller its vector,
and goes on while questions are waiting. Only single ``query`` encodings are batched;
anything else goes straight to the inner encoder.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.encoder import QUERY_PROMPT, Encoder

DEFAULT_MAX_BATCH = 16
DEFAULT_WINDOW_S = 0.01


@dataclass
class _Request:
    text: str
    done: threading.Event = field(default_factory=threading.Event)
    vector: np.ndarray | None = None
    error: BaseException | None = None


class BatchingEncoder:
    """Same ``model_id``, ``dimension`` and vectors as ``inner``; concurrent questions share model calls."""

    def __init__(self, inner: Encoder, max_batch: int = DEFAULT_MAX_BATCH, window: float = DEFAULT_WINDOW_S) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.max_batch = max_batch
        self.window = window
        self.batches: list[int] = []  # sizes of the model calls made, for tests and measurements
        self._pending: list[_Request] = []
        self._leading = False
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        if prompt_name != QUERY_PROMPT or len(texts) != 1:
            return self.inner.encode(texts, prompt_name, progress)
        request = _Request(texts[0])
        with self._lock:
            self._pending.append(request)
            lead = not self._leading
            self._leading = self._leading or lead
        if lead:
            self._lead()
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.vector is not None
        return request.vector[None, :].copy()

    def _lead(self) -> None:
        """Encode waiting questions batch by batch until none is left, then step down."""
        time.sleep(self.window)
        while True:
            with self._lock:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                if not batch:
                    self._leading = False
                    return
            try:
                vectors = self.inner.encode([request.text for request in batch], QUERY_PROMPT)
                self.batches.append(len(batch))
                for request, vector in zip(batch, vectors, strict=True):
                    request.vector = vector
            except BaseException as error:  # every waiting caller gets the failure, none hangs
                for request in batch:
                    request.error = error
            finally:
                for request in batch:
                    request.done.set()
