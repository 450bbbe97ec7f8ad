"""Feedback review: listing ratings, proposing golden lines, and damaged or hostile files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.feedback_cli import terminal_text
from assistant.feedback_review import FeedbackFileError, load_ratings, propose
from tests.conftest import REPO_ROOT

HELPFUL = {
    "question": "Ko je organizovao sastanak šefova graničnih policija?",
    "rating": "helpful",
    "time": "2026-12-01T10:00:00+00:00",
    "quotes": [
        {"release_id": "000_83b26767b1992471", "score": 0.61, "highlight": "IOM je organizovao sastanak."},
        {"release_id": "001_2921fb23076379c6", "score": 0.55, "highlight": "ИОМ организираше состанок."},
    ],
}
MISS = {"question": "Koliko je koštalo?", "rating": "not_helpful", "quotes": []}


def write(path: Path, *lines: object) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_a_helpful_rating_becomes_a_golden_line_and_an_unhelpful_one_a_miss(tmp_path: Path):
    ratings = load_ratings(write(tmp_path / "f.jsonl", HELPFUL, MISS, HELPFUL))
    proposal = propose(ratings.ratings)
    (candidate,) = proposal.candidates  # the repeated question is proposed once
    assert candidate["text"] == HELPFUL["question"]
    assert candidate["lang"] in {"bs", "hr", "sr-Latn"} and candidate["script"] == "Latn"
    assert candidate["relevant"] == {"000_83b26767b1992471": 2}  # the best-scoring quote's release
    assert candidate["answer"] == "IOM je organizovao sastanak."
    assert candidate["answer_release"] == "000_83b26767b1992471"
    assert [miss.question for miss in proposal.misses] == ["Koliko je koštalo?"]
    assert "line 3" in proposal.skipped[0]


def test_questions_already_in_the_golden_set_are_not_proposed(tmp_path: Path):
    ratings = load_ratings(write(tmp_path / "f.jsonl", HELPFUL))
    assert propose(ratings.ratings, [HELPFUL["question"].upper()]).candidates == []


def test_damaged_lines_are_named_and_the_rest_is_read(tmp_path: Path):
    path = write(
        tmp_path / "f.jsonl",
        HELPFUL,
        '{"question": "torn',
        "[1, 2]",
        {"question": "x", "rating": "__import__('os').system('touch pwned')"},
        {"question": "y", "rating": "helpful", "quotes": [{"release_id": 3}]},
        "[" * 100_000,
        MISS,
    )
    ratings = load_ratings(path)
    assert [rating.line for rating in ratings.ratings] == [1, 7]
    assert [problem.split(":")[0] for problem in ratings.problems] == [f"line {n}" for n in range(2, 7)]
    assert "rating" in ratings.problems[2] and "release_id" in ratings.problems[3]
    assert not Path("pwned").exists()


def test_an_unreadable_file_says_what_to_do(tmp_path: Path):
    with pytest.raises(FeedbackFileError, match="assistant serve"):
        load_ratings(tmp_path / "missing.jsonl")
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(FeedbackFileError, match="not UTF-8"):
        load_ratings(tmp_path / "bin.jsonl")


def test_shown_text_is_inert_in_the_terminal():
    shown = terminal_text("\x1b[31m[bold]red[/bold]\x07 ok")
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\[bold]" in shown


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_HOME": str(home), "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_commands_list_and_propose(tmp_path: Path):
    feedback = write(tmp_path / "feedback.jsonl", HELPFUL, "garbage", {**MISS, "question": "\x1b[2J<script>x</script>"})
    listed = run_cli("feedback", "list", "--file", str(feedback), home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "Helpful" in listed.stdout and "Not helpful" in listed.stdout and "000_83b26767b1992471" in listed.stdout
    assert "line 2" in listed.stderr
    assert "\x1b[2J" not in listed.stdout
    out = tmp_path / "candidates.jsonl"
    proposed = run_cli("feedback", "propose-golden", "--file", str(feedback), "--out", str(out), home=tmp_path)
    assert proposed.returncode == 0, proposed.stderr
    assert len(out.read_text().splitlines()) == 1
    assert "1 miss" in proposed.stdout
    missing = run_cli("feedback", "list", "--file", str(tmp_path / "nope.jsonl"), home=tmp_path)
    assert missing.returncode != 0 and "assistant serve" in missing.stderr
