"""The deterministic encoder for unit tests: hashed character trigrams, counting its calls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from evaluation.fault_harness import TrigramEncoder


class HashingEncoder(TrigramEncoder):
    """``TrigramEncoder`` under the ``fake:`` spec, recording each call's prompt and batch size.

    Texts that share many trigrams get high cosine similarity, which is enough to
    exercise ranking, filters and caching without the real model.
    """

    def __init__(self, dimension: int = 64) -> None:
        super().__init__(dimension)
        self.model_id = f"fake:{dimension}"
        self.calls: list[tuple[str, int]] = []

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        self.calls.append((prompt_name, len(texts)))
        return super().encode(texts, prompt_name, progress)
