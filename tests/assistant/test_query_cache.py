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


def test_documents_are_not_cached_and_old_questions_are_evicted():
    inner = HashingEncoder(64)
    encoder = QueryCachingEncoder(inner, size=2)
    encoder.encode(["a passage"], "document")
    encoder.encode(["a passage"], "document")
    assert inner.calls == [("document", 1), ("document", 1)]
    for question in ("q1", "q2", "q3", "q1"):
        encoder.encode([question], "query")
    assert inner.calls[2:] == [("query", 1)] * 4  # q1 was evicted by q3 (size 2)
    encoder.forget()
    encoder.encode(["q3"], "query")
    assert len(inner.calls) == 7


def test_several_questions_encode_only_the_new_ones_in_one_call_and_keep_their_order():
    inner = HashingEncoder(64)
    encoder = QueryCachingEncoder(inner, size=8)
    encoder.encode(["Кад је био састанак?"], "query")
    both = encoder.encode(["Кад је био састанак?", "Kad je bio sastanak?"], "query")
    assert inner.calls == [("query", 1), ("query", 1)]  # only the Latin one was new
    expected = HashingEncoder(64).encode(["Кад је био састанак?", "Kad je bio sastanak?"], "query")
    np.testing.assert_allclose(both, expected, atol=1e-6)
    encoder.encode(["Kad je bio sastanak?", "Кад је био састанак?"], "query")
    assert len(inner.calls) == 2
