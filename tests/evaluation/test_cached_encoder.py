"""The vector cache returns the model's own vectors and spares the model on repeats."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from evaluation.cached_encoder import CachedEncoder
from tests.fake_encoder import HashingEncoder


def test_vectors_equal_the_inner_encoders(tmp_path: Path) -> None:
    inner = HashingEncoder(64)
    cached = CachedEncoder(inner, tmp_path / "cache.sqlite")
    texts = ["Koliko migranata?", "Колку мигранти?"]
    for prompt in ("query", "document"):
        np.testing.assert_array_equal(cached.encode(texts, prompt), HashingEncoder(64).encode(texts, prompt))
    assert cached.model_id == inner.model_id and cached.dimension == 64
    cached.close()


def test_repeats_and_duplicates_reach_the_model_once(tmp_path: Path) -> None:
    inner = HashingEncoder(64)
    cached = CachedEncoder(inner, tmp_path / "cache.sqlite")
    cached.encode(["a b c", "a b c", "d e f"], "query")
    cached.encode(["a b c"], "query")
    assert sum(count for _, count in inner.calls) == 2
    assert cached.stats["query"].encoded == 2
    cached.encode(["a b c"], "document")  # another prompt is another vector
    assert inner.calls[-1] == ("document", 1)
    cached.close()


def test_a_new_process_reads_vectors_from_the_persistent_cache(tmp_path: Path) -> None:
    first = CachedEncoder(HashingEncoder(64), tmp_path / "cache.sqlite")
    first.warm(["Enes Karić", "WBJAST"], "query", progress=False)
    first.close()
    inner = HashingEncoder(64)
    second = CachedEncoder(inner, tmp_path / "cache.sqlite")
    vectors = second.encode(["WBJAST", "Enes Karić"], "query")
    assert inner.calls == []
    assert second.stats["query"].cache_hits == 2
    np.testing.assert_array_equal(vectors, HashingEncoder(64).encode(["WBJAST", "Enes Karić"], "query"))
    second.close()


def test_empty_input_gives_empty_matrix(tmp_path: Path) -> None:
    cached = CachedEncoder(HashingEncoder(64), tmp_path / "cache.sqlite")
    assert cached.encode([], "query").shape == (0, 64)
