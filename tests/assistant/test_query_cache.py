from __future__ import annotations

import numpy as np

from assistant.query_cache import QueryCachingEncoder
from tests.fake_encoder import HashingEncoder


def test_a_question_is_encoded_once_and_gives_the_same_vector():
    inner = HashingEncoder(64)
    encoder = QueryCachingEncoder(inner, size=2)
    first = encoder.encode(["Kada je bio sastanak?"], "query")
    again = encoder.encode(["Kada je bio sastanak?"], "query")
    assert inner.calls == [("query", 1)]
    assert np.array_equal(first, again) and first.shape == (1, 64)
    again[0, 0] = 99.0  # callers get copies
    assert encoder.encode(["Kada je bio sastanak?"], "query")[0, 0] != 99.0
    assert (encoder.model_id, encoder.dimension) == ("fake:64", 64)


def test_documents_and_batches_are_not_cached_and_old_questions_are_evicted():
    inner = HashingEncoder(64)
    encoder = QueryCachingEncoder(inner, size=2)
    encoder.encode(["a passage"], "document")
    encoder.encode(["a passage"], "document")
    encoder.encode(["q1", "q2"], "query")
    assert inner.calls == [("document", 1), ("document", 1), ("query", 2)]
    for question in ("q1", "q2", "q3", "q1"):
        encoder.encode([question], "query")
    assert inner.calls[3:] == [("query", 1)] * 4  # q1 was evicted by q3 (size 2)
    encoder.forget()
    encoder.encode(["q3"], "query")
    assert len(inner.calls) == 8
