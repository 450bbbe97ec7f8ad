from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assistant.question_batcher import BatchingEncoder
from tests.fake_encoder import HashingEncoder

QUESTIONS = [f"question number {i} about border police" for i in range(12)]


def ask_together(encoder: BatchingEncoder, questions: list[str]) -> dict[str, np.ndarray]:
    results: dict[str, np.ndarray] = {}
    start = threading.Barrier(len(questions))

    def ask(text: str) -> None:
        start.wait()
        results[text] = encoder.encode([text], "query")[0]

    threads = [threading.Thread(target=ask, args=(text,)) for text in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_questions_share_model_calls_and_get_their_own_vectors() -> None:
    inner = HashingEncoder(64)
    batcher = BatchingEncoder(inner, max_batch=16, window=0.2)
    results = ask_together(batcher, QUESTIONS)
    expected = HashingEncoder(64).encode(QUESTIONS, "query")
    for text, vector in zip(QUESTIONS, expected, strict=True):
        np.testing.assert_allclose(results[text], vector, atol=1e-6)
    assert sum(batcher.batches) == len(QUESTIONS) and len(batcher.batches) < len(QUESTIONS)


def test_batches_never_exceed_the_limit() -> None:
    batcher = BatchingEncoder(HashingEncoder(64), max_batch=5, window=0.2)
    ask_together(batcher, QUESTIONS)
    assert max(batcher.batches) <= 5 and sum(batcher.batches) == len(QUESTIONS)


def test_documents_go_straight_to_the_model_and_a_callers_several_questions_share_a_batch() -> None:
    inner = HashingEncoder(64)
    batcher = BatchingEncoder(inner)
    batcher.encode(["a passage"], "document")
    vectors = batcher.encode(["one", "two"], "query")
    assert inner.calls == [("document", 1), ("query", 2)] and batcher.batches == [2]
    np.testing.assert_allclose(vectors, HashingEncoder(64).encode(["one", "two"], "query"), atol=1e-6)


def test_callers_with_several_texts_each_get_theirs_in_order() -> None:
    batcher = BatchingEncoder(HashingEncoder(64), max_batch=3, window=0.2)
    results: dict[int, np.ndarray] = {}
    start = threading.Barrier(4)

    def ask(number: int) -> None:
        start.wait()
        results[number] = batcher.encode([f"q{number} latin", f"q{number} cyrillic"], "query")

    threads = [threading.Thread(target=ask, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for number in range(4):
        expected = HashingEncoder(64).encode([f"q{number} latin", f"q{number} cyrillic"], "query")
        np.testing.assert_allclose(results[number], expected, atol=1e-6)
    assert max(batcher.batches) <= 3 and sum(batcher.batches) == 8


class Broken(HashingEncoder):
    def encode(self, texts, prompt_name, progress=False):  # noqa: ANN001, ANN201
        raise RuntimeError("model failed")


def test_a_failing_model_call_reaches_every_waiting_caller_and_the_next_call_works() -> None:
    batcher = BatchingEncoder(Broken(64), window=0.05)
    errors: list[BaseException] = []

    def ask(text: str) -> None:
        try:
            batcher.encode([text], "query")
        except RuntimeError as error:
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(text,)) for text in QUESTIONS[:4]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(errors) == 4
    batcher.inner = HashingEncoder(64)
    assert batcher.encode(["again"], "query").shape == (1, 64)


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        BatchingEncoder(HashingEncoder(64), max_batch=0)


class Slow(HashingEncoder):
    def encode(self, texts, prompt_name, progress=False):  # noqa: ANN001, ANN201
        time.sleep(0.3)
        return super().encode(texts, prompt_name, progress)


def test_a_leader_returns_with_its_own_vector_and_passes_the_lead_on() -> None:
    batcher = BatchingEncoder(Slow(64), window=0.01)
    finished: dict[str, float] = {}

    def ask(text: str) -> None:
        batcher.encode([text], "query")
        finished[text] = time.perf_counter()

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    time.sleep(0.1)  # the first question's batch is being encoded when the second arrives
    second = threading.Thread(target=ask, args=("second",))
    second.start()
    first.join(timeout=10)
    second.join(timeout=10)
    assert batcher.batches == [1, 1]
    # the first caller does not wait for the second batch it no longer belongs to
    assert finished["first"] < finished["second"] - 0.2
    assert batcher.encode(["third"], "query").shape == (1, 64)
