"""CPU threads per question encoding: few for one question, all cores for a batch.

One question encodes fastest on one thread when anything else runs on the machine (two
threads contend with the server's own work and with other jobs), while a batch of
concurrent questions (:mod:`assistant.question_batcher`) is large enough to use every core.
Measured on two cores (README, Performance): one thread gave the lower first-ask latency
under contention, all cores the higher throughput and lower p99 under 20 concurrent users.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from index.encoder import Encoder


def torch_threads(count: int) -> None:
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


class ThreadsBySize:
    """Same ``model_id``, ``dimension`` and vectors as ``inner``; sets the thread count before each call.

    ``single`` threads encode a single text, ``batch`` threads anything larger; ``set_threads``
    applies a count (torch's, by default). Calls must not overlap: the question batcher makes
    one model call at a time.
    """

    def __init__(
        self, inner: Encoder, single: int, batch: int, set_threads: Callable[[int], None] = torch_threads
    ) -> None:
        if single < 1 or batch < 1:
            raise ValueError(f"thread counts must be at least 1, got {single} and {batch}")
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.single, self.batch = single, batch
        self.set_threads = set_threads

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        self.set_threads(self.single if len(texts) == 1 else self.batch)
        return self.inner.encode(texts, prompt_name, progress)
