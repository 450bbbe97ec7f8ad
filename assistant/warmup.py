"""Encode the sentences of every passage while the chat is idle.

Highlighting needs a vector per sentence of each quoted passage; the first time a
passage is quoted that costs seconds on a small CPU (see evaluation/latency.py, "cold").
This background thread fills the sentence cache (and the persistent embedding cache,
so it survives restarts) a few sentences at a time, and pauses whenever a question is
being answered so users never wait behind it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from assistant.highlight import SentenceScorer
from assistant.sentences import split_sentences

log = logging.getLogger(__name__)

BATCH_SENTENCES = 8  # small, so a question arriving mid-batch waits little
IDLE_POLL_SECONDS = 0.2


class SentenceWarmer(threading.Thread):
    """Daemon thread: ``scorer.sentence_vectors`` for all sentences of ``passages()`` when ``busy()`` is False."""

    def __init__(
        self,
        scorer: SentenceScorer,
        passages: Callable[[], Iterable[str]],
        busy: Callable[[], bool],
        batch_sentences: int = BATCH_SENTENCES,
    ) -> None:
        super().__init__(name="sentence-warmer", daemon=True)
        self.scorer = scorer
        self.passages = passages
        self.busy = busy
        self.batch_sentences = batch_sentences
        self.stopped = threading.Event()
        self.encoded_batches = 0

    def stop(self) -> None:
        self.stopped.set()

    def run(self) -> None:
        try:
            self._warm()
        except Exception:  # a warm-up failure must never take the chat down
            log.exception("sentence warm-up stopped")

    def _warm(self) -> None:
        batch: list[str] = []
        for passage in self.passages():
            batch.extend(passage[start:end] for start, end in split_sentences(passage))
            while len(batch) >= self.batch_sentences:
                if not self._encode(batch[: self.batch_sentences]):
                    return
                batch = batch[self.batch_sentences :]
        if batch:
            self._encode(batch)
        log.info("sentence warm-up finished (%d batches)", self.encoded_batches)

    def _encode(self, sentences: list[str]) -> bool:
        """Wait until idle, then encode; False when stopped."""
        while self.busy():
            if self.stopped.wait(IDLE_POLL_SECONDS):
                return False
        if self.stopped.is_set():
            return False
        self.scorer.sentence_vectors(sentences)
        self.encoded_batches += 1
        return True
