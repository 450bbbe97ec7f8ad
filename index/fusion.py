"""Reciprocal rank fusion of the dense and lexical legs.

RRF (Cormack, Clarke and Büttcher, SIGIR 2009): an id's fused score is the sum over
rankings of ``weight / (k + rank)``, ranks counted from 1; a ranking that misses the
id adds nothing. It agrees with ``ranx.fusion.rrf`` (checked in the tests) but needs
no Run objects: ranx is an evaluation-only dependency and its first call compiles
numba code for seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DEFAULT_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], k: int = DEFAULT_K, weights: Sequence[float] | None = None
) -> list[tuple[int, float]]:
    """Fuse ``rankings`` (ids, best first) into ``(id, score)`` pairs, best first.

    ``weights`` (one per ranking, default 1.0 each) scale each ranking's contribution.
    Equal scores are ordered by the best rank the id reached, then by the earliest
    ranking that holds it (pass the leg you trust most first), then by id.
    """
    if k < 0:
        raise ValueError(f"RRF k must be non-negative, got {k}")
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"got {len(weights)} weights for {len(rankings)} rankings")
    for weight in weights:
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"RRF weights must be finite and non-negative, got {weight}")

    scores: dict[int, float] = {}
    first_seen: dict[int, tuple[int, int]] = {}
    for leg, (ranking, weight) in enumerate(zip(rankings, weights)):
        seen_in_leg: set[int] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen_in_leg:
                raise ValueError(f"id {item} appears twice in ranking {leg}")
            seen_in_leg.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            if item not in first_seen or rank < first_seen[item][0]:
                first_seen[item] = (rank, leg)
    return sorted(scores.items(), key=lambda pair: (-pair[1], *first_seen[pair[0]], pair[0]))
