from __future__ import annotations

import numpy as np
import pytest

from assistant.question_threads import ThreadsBySize
from tests.fake_encoder import HashingEncoder


def test_one_text_gets_the_single_count_and_a_batch_the_batch_count() -> None:
    applied: list[int] = []
    inner = HashingEncoder(16)
    encoder = ThreadsBySize(inner, single=1, batch=4, set_threads=applied.append)
    one = encoder.encode(["a question"], "query")
    many = encoder.encode(["a question", "another one", "a third"], "query")
    assert applied == [1, 4]
    np.testing.assert_allclose(one, HashingEncoder(16).encode(["a question"], "query"))
    assert many.shape == (3, 16) and encoder.model_id == inner.model_id and encoder.dimension == 16


def test_thread_counts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ThreadsBySize(HashingEncoder(16), single=0, batch=2)
