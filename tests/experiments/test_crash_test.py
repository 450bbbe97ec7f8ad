"""``kill -9`` during index builds and feedback appends loses nothing (short run of experiments.crash_test)."""

from __future__ import annotations

import json
from pathlib import Path

from experiments.crash_test import check_feedback_log, run_crash_test

RUNS = 5


def test_killed_builds_and_feedback_writers_lose_nothing(tmp_path: Path):
    summary = run_crash_test(tmp_path, runs=RUNS, seed=0, writers=3)
    failed = [run for run in summary.index_runs if not run.survived]
    assert failed == [], failed
    assert summary.index_survived == RUNS
    assert all(run.opened and run.next_build_ok for run in summary.index_runs)
    assert summary.feedback_survived == RUNS, summary.feedback_runs
    assert sum(run.records for run in summary.feedback_runs) > 0, "writers must have written before being killed"
    assert summary.ok


def test_feedback_check_counts_torn_lines_and_missing_records(tmp_path: Path):
    """The harness's own check can fail: a torn line and a gap in a writer's numbers are both found."""
    path = tmp_path / "feedback.jsonl"
    records = [
        {"question": "w1|0|q", "rating": "helpful", "time": "t"},
        {"question": "w1|2|q", "rating": "helpful", "time": "t"},
        {"question": "w2|0|q", "rating": "not_helpful", "time": "t"},
    ]
    lines = [json.dumps(record) for record in records]
    path.write_text("\n".join(lines[:2]) + '\n{"question": "w2|1|q", "rat\n' + lines[2] + "\n", encoding="utf-8")
    assert check_feedback_log(path, ["w1", "w2"]) == (3, 1, 1)
