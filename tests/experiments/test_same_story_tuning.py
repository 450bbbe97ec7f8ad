from __future__ import annotations

import numpy as np

from assistant.related import align
from experiments.same_story_tuning import aligned_counts, links


def test_grid_counts_agree_with_the_product_alignment_and_the_rules_combine() -> None:
    rng = np.random.default_rng(5)
    rows = rng.standard_normal((14, 64)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    first, second = rows[:8], np.concatenate([rows[:3], rows[8:14]])  # 3 shared sentences, in place for two
    counts = aligned_counts(first, second)
    assert counts[(0.30, 0.10)] == align(first, second).aligned == 3
    # rows 0-2 sit at positions 0, 1/7, 2/7 in ``first`` and 0, 1/8, 2/8 in ``second``: all within 0.1
    assert counts[("order", 0.7, 0.1)] == 3
    pair = {"sizes": (8, 9), "counts": counts}
    share = (3 / 8 + 3 / 9) / 2  # 0.354
    assert links(pair, 0.30, 0.10, 0.35, 99, 1.0) and not links(pair, 0.30, 0.10, 0.40, 99, 1.0)
    assert links(pair, 0.30, 0.10, 0.40, 3, 0.30) and not links(pair, 0.30, 0.10, 0.40, 4, 0.30)
    assert links(pair, 0.30, 0.10, 0.40, 99, 1.0, order=(0.7, 0.1, share - 0.01))
    assert not links(pair, 0.30, 0.10, 0.40, 99, 1.0, order=(0.7, 0.1, share + 0.01))
