"""Text encoders: the protocol the index uses, and the sentence-transformers one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

QUERY_PROMPT = "query"
DOCUMENT_PROMPT = "document"


class ModelUnavailableError(RuntimeError):
    """The configured model cannot be loaded (missing, corrupt, unknown id)."""


class Encoder(Protocol):
    """Turns text into L2-normalised float32 vectors."""

    model_id: str
    dimension: int

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray: ...


EncoderFactory = Callable[[str], Encoder]
_REGISTRY: dict[str, EncoderFactory] = {}


def register_encoder(prefix: str, factory: EncoderFactory) -> None:
    """Let model specs starting with ``prefix:`` build encoders with ``factory`` (tests, plugins)."""
    _REGISTRY[prefix] = factory
