"""The corruption script (``python -m experiments.corruption_test``) finds every damage reported, on a small run."""

from __future__ import annotations

from pathlib import Path

from experiments.corruption_test import run_corruption_test, summary
from index.store import CURRENT_FILE


def test_corruption_harness_finds_every_damage_reported(tmp_path: Path):
    cases = run_corruption_test(tmp_path, seed=0, random_flips=1, model="hash:64")
    result = summary(cases)
    assert result["cases"] == len(cases) > 50
    assert {case.file.rsplit("/", 1)[-1] for case in cases} >= {CURRENT_FILE, "vectors.faiss", "chunks.sqlite"}
    assert result["outcomes"]["wrong-results"] == 0
    assert result["outcomes"]["crashed"] == 0
    assert result["failures"] == []
