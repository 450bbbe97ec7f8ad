"""Latency summaries: percentiles of timing samples, in milliseconds."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not samples:
        raise ValueError("no samples: cannot compute a percentile of nothing")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    return float(np.percentile(np.asarray(samples, dtype=np.float64), q))


@dataclass(frozen=True)
class LatencySummary:
    """Milliseconds over ``n`` samples."""

    n: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of_seconds(cls, seconds: Sequence[float]) -> LatencySummary:
        millis = [1000.0 * value for value in seconds]
        return cls(
            n=len(millis),
            mean_ms=round(float(np.mean(millis)), 3),
            p50_ms=round(percentile(millis, 50), 3),
            p95_ms=round(percentile(millis, 95), 3),
            p99_ms=round(percentile(millis, 99), 3),
            max_ms=round(max(millis), 3),
        )

    def to_dict(self) -> dict:
        return asdict(self)


def time_each(function: Callable[[object], object], items: Sequence[object]) -> list[float]:
    """Wall-clock seconds of ``function(item)`` for every item, in order."""
    seconds = []
    for item in items:
        started = time.perf_counter()
        function(item)
        seconds.append(time.perf_counter() - started)
    return seconds


def load_average() -> float:
    """1-minute load average (the CPU is shared: timings are read against it)."""
    return round(os.getloadavg()[0], 2)
