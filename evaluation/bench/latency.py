"""Answer latency through the chat's entry point (``assistant.service.Assistant.ask``).

Each question's wall time is split into *encode* (the model turning the question into a
vector), *search* (FAISS + BM25 + SQLite, without that encode) and *compose* (the rest:
relevance, quotes, sentence highlighting, other-language versions); *highlight encode*,
the model time spent on passage sentences while composing, is reported on its own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.bench.stats import LatencySummary, load_average
from index.encoder import DOCUMENT_PROMPT, QUERY_PROMPT, Encoder
from index.search import DEFAULT_MODE

PARTS = ("total", "encode", "search", "compose", "highlight_encode")


class TimedEncoder:
    """Passes through to ``inner`` and adds up model seconds per prompt name."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.seconds: dict[str, float] = {QUERY_PROMPT: 0.0, DOCUMENT_PROMPT: 0.0}
        self.texts: dict[str, int] = {QUERY_PROMPT: 0, DOCUMENT_PROMPT: 0}

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        vectors = self.inner.encode(texts, prompt_name, progress)
        self.seconds[prompt_name] = self.seconds.get(prompt_name, 0.0) + time.perf_counter() - started
        self.texts[prompt_name] = self.texts.get(prompt_name, 0) + len(texts)
        return vectors


@dataclass
class QuestionTiming:
    total: float
    encode: float
    search: float
    compose: float
    highlight_encode: float
    status: str


@dataclass
class LatencyPass:
    name: str
    timings: list[QuestionTiming]
    load_average: float

    def summary(self) -> dict[str, LatencySummary]:
        return {part: LatencySummary.of_seconds([getattr(t, part) for t in self.timings]) for part in PARTS}

    def to_dict(self) -> dict:
        statuses: dict[str, int] = {}
        for timing in self.timings:
            statuses[timing.status] = statuses.get(timing.status, 0) + 1
        return {
            "name": self.name,
            "questions": len(self.timings),
            "statuses": statuses,
            "load_average": self.load_average,
            "summary": {part: value.to_dict() for part, value in self.summary().items()},
        }


@dataclass
class LatencyResult:
    mode: str
    index_chunks: int
    passes: list[LatencyPass] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"mode": self.mode, "index_chunks": self.index_chunks, "passes": [p.to_dict() for p in self.passes]}


class _TimedAsk:
    """Wraps one Assistant so every ``ask`` is split into encode / search / compose."""

    def __init__(self, assistant: Any, timed: TimedEncoder) -> None:
        self.assistant = assistant
        self.timed = timed
        self.search_wall = 0.0
        self.query_in_search = 0.0
        searcher = assistant.searcher
        original = searcher.search

        def timed_search(*args: Any, **kwargs: Any) -> Any:
            query_before = timed.seconds[QUERY_PROMPT]
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.search_wall += time.perf_counter() - started
                self.query_in_search += timed.seconds[QUERY_PROMPT] - query_before

        searcher.search = timed_search  # instance attribute: only this Assistant is affected

    def ask(self, question: str) -> QuestionTiming:
        timed = self.timed
        query_before, document_before = timed.seconds[QUERY_PROMPT], timed.seconds[DOCUMENT_PROMPT]
        self.search_wall = self.query_in_search = 0.0
        started = time.perf_counter()
        answer, _ = self.assistant.ask(question)
        total = time.perf_counter() - started
        encode = timed.seconds[QUERY_PROMPT] - query_before
        highlight = timed.seconds[DOCUMENT_PROMPT] - document_before
        search = self.search_wall - self.query_in_search
        return QuestionTiming(
            total=total,
            encode=encode,
            search=search,
            compose=total - encode - search,
            highlight_encode=highlight,
            status=answer.status,
        )


def measure_latency(index_dir: Path, encoder: Encoder, questions: Sequence[str], mode: str = DEFAULT_MODE) -> LatencyResult:
    """Ask every question twice through a fresh Assistant: first asks (cold caches), then repeats."""
    from assistant.service import Assistant

    if not questions:
        raise ValueError("no questions to time")
    timed = TimedEncoder(encoder)
    assistant = Assistant(index_dir, timed, mode=mode)
    runner = _TimedAsk(assistant, timed)
    result = LatencyResult(mode=assistant.mode, index_chunks=int(assistant.searcher.index.manifest.chunks))
    passes = (
        ("first ask", list(questions)),  # question and quoted sentences through the model
        ("new wording", [_reworded(question) for question in questions]),  # question only: sentences cached
        ("repeated question", list(questions)),  # the query LRU answers: no model
    )
    for name, asked in passes:
        load = load_average()
        result.passes.append(LatencyPass(name, [runner.ask(question) for question in asked], load))
    return result


def _reworded(question: str) -> str:
    """The same question in another spelling (lower case), so the query cache misses but retrieval is alike."""
    lowered = question.lower()
    return lowered if lowered != question else question.upper()
