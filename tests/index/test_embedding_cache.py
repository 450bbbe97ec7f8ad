from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index.embedding_cache import EmbeddingCache, EmbeddingCacheError, EmbeddingStats, embed_with_cache, text_sha256
from tests.fake_encoder import HashingEncoder

TEXTS = ["border police meeting", "donation of equipment", "border police meeting", "састанок"]


@pytest.fixture
def cache(tmp_path: Path):
    with EmbeddingCache(tmp_path / "cache" / "embeddings.sqlite") as opened:
        yield opened


def encoded_count(encoder: HashingEncoder) -> int:
    return sum(count for _, count in encoder.calls)


def test_misses_are_encoded_once_and_returned_in_input_order(
    cache: EmbeddingCache, fake_encoder: HashingEncoder
) -> None:
    stats = EmbeddingStats()
    vectors = embed_with_cache(fake_encoder, TEXTS, "document", cache, stats=stats)
    expected = HashingEncoder(64).encode(TEXTS, "document")
    np.testing.assert_allclose(vectors, expected, rtol=1e-6)
    assert vectors.dtype == np.float32
    assert encoded_count(fake_encoder) == 3  # the repeated text is encoded once
    assert (stats.requested, stats.unique, stats.cache_hits, stats.encoded) == (4, 3, 0, 3)


def test_a_second_call_is_served_from_the_cache(cache: EmbeddingCache, fake_encoder: HashingEncoder) -> None:
    first = embed_with_cache(fake_encoder, TEXTS, "document", cache)
    fake_encoder.calls.clear()
    stats = EmbeddingStats()
    second = embed_with_cache(fake_encoder, list(reversed(TEXTS)), "document", cache, stats=stats)
    assert fake_encoder.calls == []
    np.testing.assert_array_equal(second, first[::-1])
    assert (stats.cache_hits, stats.encoded) == (3, 0)


def test_only_new_texts_are_encoded(cache: EmbeddingCache, fake_encoder: HashingEncoder) -> None:
    embed_with_cache(fake_encoder, TEXTS, "document", cache)
    fake_encoder.calls.clear()
    embed_with_cache(fake_encoder, [*TEXTS, "a new paragraph"], "document", cache)
    assert encoded_count(fake_encoder) == 1


def test_model_and_prompt_are_part_of_the_key(cache: EmbeddingCache, fake_encoder: HashingEncoder) -> None:
    embed_with_cache(fake_encoder, TEXTS, "document", cache)
    fake_encoder.calls.clear()
    embed_with_cache(fake_encoder, TEXTS, "query", cache)
    assert encoded_count(fake_encoder) == 3
    other_model = HashingEncoder(32)
    embed_with_cache(other_model, TEXTS, "document", cache)
    assert encoded_count(other_model) == 3
    assert cache.count("fake:64") == 6 and cache.count("fake:32") == 3


def test_batches_are_stored_as_they_complete(cache: EmbeddingCache) -> None:
    class FailingOnSecondBatch(HashingEncoder):
        def encode(self, texts, prompt_name, progress=False):
            if self.calls:
                raise RuntimeError("interrupted")
            return super().encode(texts, prompt_name, progress)

    texts = [f"paragraph number {n}" for n in range(5)]
    with pytest.raises(RuntimeError, match="interrupted"):
        embed_with_cache(FailingOnSecondBatch(64), texts, "document", cache, batch_size=2)
    assert cache.count("fake:64") == 2


def test_the_cache_uses_wal_and_serves_a_second_connection(tmp_path: Path, fake_encoder: HashingEncoder) -> None:
    path = tmp_path / "embeddings.sqlite"
    with EmbeddingCache(path) as writer, EmbeddingCache(path) as reader:
        (mode,) = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()
        assert mode == "wal"
        embed_with_cache(fake_encoder, TEXTS, "document", writer)
        found = reader.get_many("fake:64", "document", [text_sha256(TEXTS[1])])
        np.testing.assert_allclose(found[text_sha256(TEXTS[1])], fake_encoder.encode([TEXTS[1]], "document")[0])


def test_a_corrupt_cache_file_is_moved_aside_and_rebuilt(tmp_path: Path, fake_encoder: HashingEncoder) -> None:
    path = tmp_path / "embeddings.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.warns(UserWarning, match="damaged"), EmbeddingCache(path) as cache:
        embed_with_cache(fake_encoder, TEXTS, "document", cache)
        assert cache.count() == 3
    assert len(list(tmp_path.glob("embeddings.sqlite.corrupt-*"))) == 1


def test_a_corrupt_cache_file_can_be_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "embeddings.sqlite"
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(EmbeddingCacheError, match="embeddings.sqlite is damaged.*delete it"):
        EmbeddingCache(path, rebuild_if_corrupt=False)
    assert path.read_bytes() == b"garbage" * 1000


def test_a_vector_of_the_wrong_dimension_is_refused(cache: EmbeddingCache) -> None:
    cache.put_many("fake:64", "document", [(text_sha256("x"), np.ones(8, dtype=np.float32))])
    with pytest.raises(EmbeddingCacheError, match="8 dimensions, expected 64"):
        embed_with_cache(HashingEncoder(64), ["x"], "document", cache)
