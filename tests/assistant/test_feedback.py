from __future__ import annotations

import datetime as dt
import errno
import json
import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from assistant.feedback import FeedbackError, append_feedback, make_record, read_feedback


def _record(question: str, rating: str = "helpful"):
    return make_record(
        question=question,
        rating=rating,
        chunk_ids=["11", "22"],
        index_generation="gen-1",
        model_id="fake:64",
        previous_question="What did the EU donate?",
        status="answered",
    )


def test_a_record_is_one_json_line_with_every_field(tmp_path: Path):
    path = tmp_path / "feedback" / "feedback.jsonl"
    append_feedback(path, _record("Kada je to bilo?", "not_helpful"))
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 2
    record = json.loads(lines[0])
    assert record["question"] == "Kada je to bilo?"
    assert record["previous_question"] == "What did the EU donate?"
    assert record["rating"] == "not_helpful"
    assert record["chunk_ids"] == ["11", "22"]
    assert record["index_generation"] == "gen-1"
    assert record["model_id"] == "fake:64"
    moment = dt.datetime.fromisoformat(record["time"])
    assert moment.utcoffset() == dt.timedelta(0)


def test_unknown_ratings_are_refused():
    with pytest.raises(FeedbackError, match="helpful, not_helpful"):
        _record("q", "meh")


def test_a_torn_last_line_does_not_swallow_the_next_record(tmp_path: Path):
    path = tmp_path / "feedback.jsonl"
    path.write_bytes(b'{"question": "half')
    append_feedback(path, _record("whole"))
    assert [record["question"] for record in read_feedback(path)] == ["whole"]


def _write_many(path: str, writer: int, count: int) -> None:
    for number in range(count):
        # Long questions make a torn or interleaved write visible as broken JSON.
        append_feedback(Path(path), _record(f"writer {writer} question {number} " + "ž" * 3000))


def test_concurrent_writers_from_several_processes_produce_only_whole_lines(tmp_path: Path):
    path = tmp_path / "feedback.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(str(path), writer, 40)) for writer in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 160
    questions = {json.loads(line)["question"].split(" ž")[0].strip() for line in lines}
    assert questions == {f"writer {w} question {n}" for w in range(4) for n in range(40)}


def test_a_write_failing_half_way_is_cut_back_off_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "feedback.jsonl"
    append_feedback(path, _record("first"))
    before = path.read_bytes()
    real_write = os.write

    def half_then_disk_full(descriptor: int, data: bytes) -> int:
        if len(data) > 100:
            return real_write(descriptor, data[:50])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("assistant.feedback.os.write", half_then_disk_full)
    with pytest.raises(OSError, match="No space"):
        append_feedback(path, _record("second"))
    assert path.read_bytes() == before


def test_the_log_is_readable_by_its_owner_only(tmp_path: Path):
    path = tmp_path / "feedback" / "feedback.jsonl"
    append_feedback(path, _record("first"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)  # e.g. created by hand
    append_feedback(path, _record("second"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
