"""Golden evaluation end to end through the chat's Assistant, with the fake encoder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from evaluation.golden_eval import (
    ANSWER_METRICS,
    GOLDEN_METRICS,
    answer_found,
    golden_index_settings,
    run_golden_evaluation,
)
from evaluation.golden_set import AnswerSpan, GoldenQuestion, load_golden
from evaluation.results import load_saved_run
from index.search import Searcher
from index.store import open_index

QUESTION = GoldenQuestion(
    id="q",
    text="value?",
    lang="mk",
    script="Cyrl",
    kind="paraphrase",
    relevant={"003": 2, "004": 2},
    answers=(AnswerSpan("003", "170,900 KM"), AnswerSpan("004", "ninth meeting")),
)


@dataclass(frozen=True)
class FakeQuote:
    release_id: str
    text: str
    score: float


def test_answer_found_looks_at_the_best_scoring_quotes_of_the_right_release() -> None:
    quotes = [
        FakeQuote("001", "nothing here", 0.9),
        FakeQuote("003", "equipment worth 170,900 KM to the Directorate", 0.7),
        FakeQuote("002", "170,900 KM quoted from another release", 0.95),
    ]
    assert not answer_found(QUESTION, quotes, 1)  # the best quote is from 002, not the span's release
    assert not answer_found(QUESTION, quotes, 2)
    assert answer_found(QUESTION, quotes, 3)
    assert answer_found(QUESTION, [FakeQuote("004", "the ninth meeting of directors", 0.1)], 1)  # an alternative
    assert not answer_found(QUESTION, [], 3)


def test_golden_evaluation_runs_every_mode_and_writes_report(
    eval_settings, cached_fake, shipped_releases, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    evaluation = run_golden_evaluation(
        eval_settings, cached_fake, ["lexical", "dense"], out, shipped_releases, progress=False
    )
    questions = load_golden()
    answerable = [question for question in questions if question.answerable]
    assert [result.mode for result in evaluation.results] == ["lexical", "dense"]
    for result in evaluation.results:
        assert result.metrics == GOLDEN_METRICS
        assert result.n == len(answerable)
        assert set(result.scores["answer@1"]) == {question.id for question in answerable}
        for metric in ANSWER_METRICS:
            assert set(result.scores[metric].values()) <= {0.0, 1.0}
        # answer@1 can only be reached when answer@3 is
        assert all(result.scores["answer@1"][q] <= result.scores["answer@3"][q] for q in result.scores["answer@1"])
        assert result.extra["unanswerable_declined"].endswith(f"/{len(questions) - len(answerable)}")
        assert Path(result.run_file).is_file()
    assert evaluation.composition["cross_lingual_share"] > 0.5

    markdown = evaluation.report.markdown.read_text(encoding="utf-8")
    assert "### By query language — dense" in markdown and "### By document language — lexical" in markdown
    data = json.loads(evaluation.report.json.read_text(encoding="utf-8"))
    assert [item["mode"] for item in data["sections"][0]["results"]] == ["lexical", "dense"]


def test_golden_run_is_the_chats_own_search(eval_settings, cached_fake, shipped_releases, tmp_path: Path) -> None:
    evaluation = run_golden_evaluation(eval_settings, cached_fake, ["dense"], tmp_path, shipped_releases, progress=False)
    saved = load_saved_run(Path(evaluation.results[0].run_file))
    index = open_index(golden_index_settings(eval_settings).index_dir)
    searcher = Searcher(index, cached_fake, "dense")
    question = next(q for q in load_golden() if q.id == "mk-01")
    expected: list[str] = []
    for hit in searcher.search(question.text, k=10):
        if hit.release_id not in expected:
            expected.append(hit.release_id)
    assert list(saved.run["mk-01"]) == expected


def test_second_run_reuses_index_and_vectors(eval_settings, cached_fake, shipped_releases, tmp_path: Path) -> None:
    first = run_golden_evaluation(eval_settings, cached_fake, ["dense"], tmp_path, shipped_releases, progress=False)
    assert first.build.written and first.build.chunks_embedded == first.build.chunks
    from evaluation.cached_encoder import CachedEncoder
    from tests.fake_encoder import HashingEncoder

    inner = HashingEncoder(64)
    again = CachedEncoder(inner, eval_settings.embedding_cache_path)
    second = run_golden_evaluation(eval_settings, again, ["dense"], tmp_path, shipped_releases, progress=False)
    assert not second.build.written
    assert inner.calls == []  # questions, passages and highlighted sentences all came from the cache
    assert second.results[0].scores == first.results[0].scores
    assert second.results[0].config.hash == first.results[0].config.hash
    again.close()


def test_unknown_mode_is_refused(eval_settings, cached_fake, shipped_releases, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown search mode"):
        run_golden_evaluation(eval_settings, cached_fake, ["sparse"], tmp_path, shipped_releases, progress=False)


def test_extra_golden_lines_are_scored_with_the_shipped_set(
    eval_settings, cached_fake, shipped_releases, tmp_path: Path
) -> None:
    from evaluation.golden_set import GOLDEN_FILE, GoldenSetError, load_golden

    release = next(r for r in shipped_releases if r.id == "000_83b26767b1992471")
    sentence = release.text.split("\n")[1].strip()
    extra = tmp_path / "candidates.jsonl"
    extra.write_text(
        json.dumps({"id": "fb-1", "text": "Ko je organizovao sastanak u Budvi?", "lang": "bs", "script": "Latn",
                    "kind": "paraphrase", "relevant": {release.id: 2}, "answer": sentence,
                    "answer_release": release.id, "from_feedback": {"line": 1}}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    evaluation = run_golden_evaluation(
        eval_settings, cached_fake, ["dense"], tmp_path / "out", shipped_releases, progress=False, extra_paths=[extra]
    )
    (result,) = evaluation.results
    shipped = [question for question in load_golden(GOLDEN_FILE) if question.answerable]
    assert result.n == len(shipped) + 1
    assert "fb-1" in result.scores["answer@3"]
    assert "fb-1" in result.scores["mrr@10"]

    clash = tmp_path / "clash.jsonl"
    clash.write_text(GOLDEN_FILE.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(GoldenSetError, match="already used"):
        run_golden_evaluation(
            eval_settings, cached_fake, ["dense"], tmp_path / "out2", shipped_releases, progress=False,
            extra_paths=[clash],
        )
