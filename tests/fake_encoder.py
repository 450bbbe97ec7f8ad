"""Deterministic encoders: hashed character trigrams, no model needed.

``TrigramEncoder`` is also what the fault-injection scripts (``experiments/``) register as
``hash:<dimension>``; ``HashingEncoder`` is the unit tests' ``fake:<dimension>``, counting its calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

HASH_PREFIX = "hash"  # model spec and id prefix of TrigramEncoder


class TrigramEncoder:
    """Hashed character trigrams, L2-normalised: similar texts get similar vectors."""

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension
        self.model_id = f"{HASH_PREFIX}:{dimension}"

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()}  "
            for position in range(len(padded) - 2):
                digest = hashlib.blake2b(padded[position : position + 3].encode("utf-8"), digest_size=4).digest()
                vectors[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = float(np.linalg.norm(vectors[row]))
            if norm > 0:
                vectors[row] /= norm
        return vectors


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
