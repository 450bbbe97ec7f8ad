"""The shipped golden set is valid against the shipped corpus, and bad files are refused clearly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from corpus.loader import load_corpus
from evaluation.golden_set import (
    QUESTION_TAGS,
    GoldenSetError,
    check_against_corpus,
    composition,
    is_cross_lingual,
    is_other_language,
    load_golden,
    locate_answers,
)
from index.settings import REPO_CORPUS


@pytest.fixture(scope="module")
def releases():
    loaded = load_corpus(REPO_CORPUS)
    assert not loaded.problems
    return loaded.releases


@pytest.fixture(scope="module")
def questions():
    return load_golden()


def test_at_least_forty_answerable_questions_six_per_language(questions) -> None:
    answerable = [question for question in questions if question.answerable]
    assert len(answerable) >= 40
    counts = Counter(question.lang for question in answerable)
    assert set(counts) == set(QUESTION_TAGS)
    assert min(counts.values()) >= 6


def test_about_five_unanswerable_questions(questions) -> None:
    unanswerable = [question for question in questions if not question.answerable]
    assert 4 <= len(unanswerable) <= 8
    assert all(question.kind == "unanswerable" and question.answer is None for question in unanswerable)


def test_every_relevant_release_exists_and_every_answer_is_verbatim(questions, releases) -> None:
    check_against_corpus(questions, releases)  # raises on the first problem
    ids = {release.id for release in releases}
    texts = {release.id: release.text for release in releases}
    for question in questions:
        assert set(question.relevant) <= ids
        for span in question.answers:
            assert span.text in texts[span.release], question.id


def test_more_than_half_are_cross_lingual(questions, releases) -> None:
    mix = composition(questions, releases)
    assert mix["cross_lingual_share"] > 0.5
    assert mix["other_language_share"] >= mix["cross_lingual_share"]


def test_exact_terms_are_asked(questions) -> None:
    texts = " ".join(question.text for question in questions)
    for term in ("WBJAST", "WBCAP", "170.900 KM", "Enes Kari", "Карић"):
        assert term in texts, term


def test_cross_lingual_means_other_family_or_script(questions, releases) -> None:
    by_id = {release.id: release for release in releases}
    by_question = {question.id: question for question in questions}
    # Macedonian asking, English release answering: cross-lingual.
    mk = by_question["mk-01"]
    assert is_cross_lingual(mk, locate_answers(mk, by_id))
    # Croatian asking, Bosnian answering: another language tag, but the same family and script.
    hr = by_question["hr-06"]
    locations = locate_answers(hr, by_id)
    assert locations[0].tag == "bs"
    assert not is_cross_lingual(hr, locations) and is_other_language(hr, locations)
    # Serbian Cyrillic asking, Bosnian Latin answering: another script counts.
    sr = by_question["sr-Cyrl-02"]
    assert is_cross_lingual(sr, locate_answers(sr, by_id))


def _write(tmp_path: Path, **changes: object) -> Path:
    row = {
        "id": "x-1",
        "text": "Question?",
        "lang": "en",
        "script": "Latn",
        "kind": "paraphrase",
        "relevant": {"003_66eed8faacc8aaff": 2},
        "answer": "170,900 KM",
        "answer_release": "003_66eed8faacc8aaff",
    }
    row.update(changes)
    path = tmp_path / "golden.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lang": "de"}, "lang 'de' is not one of"),
        ({"lang": "mk"}, "script 'Latn' does not fit lang 'mk'"),
        ({"kind": "other"}, "kind 'other' is not one of"),
        ({"answer_release": "000_83b26767b1992471"}, "must be relevant with grade 2"),
        ({"relevant": {"003_66eed8faacc8aaff": 0}}, "positive integer grades"),
        ({"answer": ""}, "must both be non-empty strings"),
        ({"kind": "unanswerable"}, "has no relevant release and no answer"),
    ],
)
def test_malformed_questions_are_refused(tmp_path: Path, changes: dict, message: str) -> None:
    with pytest.raises(GoldenSetError, match=message):
        load_golden(_write(tmp_path, **changes))


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") * 2, encoding="utf-8")
    with pytest.raises(GoldenSetError, match="duplicate question id 'x-1'"):
        load_golden(path)


def test_answer_not_in_release_text_is_reported(tmp_path: Path, releases) -> None:
    question = load_golden(_write(tmp_path, answer="171,000 KM"))
    with pytest.raises(GoldenSetError, match="'171,000 KM' does not occur in 003_66eed8faacc8aaff"):
        check_against_corpus(question, releases)


def test_unknown_release_is_reported(tmp_path: Path, releases) -> None:
    question = load_golden(_write(tmp_path, relevant={"999_missing": 2}, answer_release="999_missing"))
    with pytest.raises(GoldenSetError, match="999_missing not in the corpus"):
        check_against_corpus(question, releases)
