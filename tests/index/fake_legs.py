"""Stand-ins for ``index.lexical`` and ``index.fusion`` with the agreed API, for store/search tests."""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterable
from pathlib import Path

WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


class WordOverlapIndex:
    """Scores a chunk by the number of distinct query words it contains."""

    def __init__(self, texts: dict[int, str]) -> None:
        self.texts = texts

    @classmethod
    def build(cls, chunks: Iterable) -> WordOverlapIndex:
        return cls({chunk.id: chunk.text for chunk in chunks})

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "texts.json").write_text(json.dumps({str(k): v for k, v in self.texts.items()}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> WordOverlapIndex:
        data = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
        return cls({int(k): v for k, v in data.items()})

    def search(self, query: str, k: int, allowed_ids=None) -> list[tuple[int, float]]:
        wanted = _words(query)
        scored = [
            (chunk_id, float(len(wanted & _words(text))))
            for chunk_id, text in self.texts.items()
            if allowed_ids is None or chunk_id in allowed_ids
        ]
        scored = [item for item in scored if item[1] > 0]
        return sorted(scored, key=lambda item: (-item[1], item[0]))[:k]


def reciprocal_rank_fusion(rankings, k: int = 60, weights=None) -> list[tuple[int, float]]:
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def lexical_module() -> types.ModuleType:
    module = types.ModuleType("index.lexical")
    module.LexicalIndex = WordOverlapIndex  # type: ignore[attr-defined]
    return module


def fusion_module() -> types.ModuleType:
    module = types.ModuleType("index.fusion")
    module.reciprocal_rank_fusion = reciprocal_rank_fusion  # type: ignore[attr-defined]
    return module
