from __future__ import annotations

import threading

from assistant.highlight import SentenceScorer
from assistant.warmup import SentenceWarmer
from tests.fake_encoder import HashingEncoder

PASSAGES = ["One. Two. Three.", "Four. Five.", "Six."]


def test_every_sentence_is_encoded_in_small_batches_when_idle():
    encoder = HashingEncoder(64)
    warmer = SentenceWarmer(SentenceScorer(encoder), lambda: iter(PASSAGES), busy=lambda: False, batch_sentences=4)
    warmer.start()
    warmer.join(timeout=10)
    assert encoder.calls == [("document", 4), ("document", 2)]
    assert warmer.encoded_batches == 2


def test_the_warmer_waits_while_questions_are_answered_and_stops_on_request():
    encoder = HashingEncoder(64)
    busy = threading.Event()
    busy.set()
    warmer = SentenceWarmer(SentenceScorer(encoder), lambda: iter(PASSAGES), busy=busy.is_set, batch_sentences=2)
    warmer.start()
    warmer.join(timeout=0.5)
    assert warmer.is_alive() and encoder.calls == []  # nothing encoded while busy
    warmer.stop()
    warmer.join(timeout=5)
    assert not warmer.is_alive() and encoder.calls == []


def test_a_failing_passage_source_only_ends_the_warm_up(caplog):
    def broken():
        yield "One. Two."
        raise RuntimeError("database went away")

    warmer = SentenceWarmer(SentenceScorer(HashingEncoder(64)), broken, busy=lambda: False, batch_sentences=8)
    warmer.start()
    warmer.join(timeout=5)
    assert not warmer.is_alive()
    assert "sentence warm-up stopped" in caplog.text


def test_the_assistant_warms_the_sentences_of_all_its_passages(fake_assistant):
    warmer = fake_assistant.start_warmup()
    warmer.join(timeout=60)
    passages = list(fake_assistant.all_passages())
    assert len(passages) == fake_assistant.generation.releases.index.manifest.chunks
    inner = fake_assistant.encoder.inner
    calls_before = len(inner.calls)
    fake_assistant.scorer.prefetch(passages)  # everything is cached already
    assert len(inner.calls) == calls_before
