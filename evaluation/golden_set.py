"""The golden question set: hand-written questions about the shipped corpus, with answer spans.

Each line of ``golden/questions.jsonl`` is one question: ``id``, ``text``, ``lang`` (corpus tag),
``script``, ``kind`` (exact-term, paraphrase or unanswerable), ``relevant`` (release id -> grade:
2 = answers it, 1 = same story without the answer), ``answer`` (a short span copied verbatim from
``answer_release``'s cleaned text) and optional ``alternatives`` (other verbatim spans that also
answer, each with its release). Unanswerable questions have no relevant release and no answer;
they serve the no-answer threshold.

A question is *cross-lingual* when no answer span sits in a paragraph of the question's own
language family and script (e.g. Serbian Cyrillic asking, Bosnian Latin answering counts; Croatian
asking, Bosnian answering does not). *Other-language* is the looser test on the language tag.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.release import Release, language_tag
from evaluation.formats import read_jsonl

GOLDEN_FILE = Path(__file__).resolve().parent / "golden" / "questions.jsonl"
QUESTION_TAGS = ("en", "bs", "hr", "sr-Latn", "sr-Cyrl", "mk")
KINDS = ("exact-term", "paraphrase", "unanswerable")
_SCRIPTS = {"en": "Latn", "bs": "Latn", "hr": "Latn", "sr-Latn": "Latn", "sr-Cyrl": "Cyrl", "mk": "Cyrl"}


class GoldenSetError(ValueError):
    """The golden file is malformed or does not fit the corpus."""


@dataclass(frozen=True)
class AnswerSpan:
    release: str
    text: str


@dataclass(frozen=True)
class GoldenQuestion:
    id: str
    text: str
    lang: str
    script: str
    kind: str
    relevant: dict[str, int]
    answers: tuple[AnswerSpan, ...]  # the primary ``answer`` first, then the alternatives

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)

    @property
    def answer(self) -> str | None:
        return self.answers[0].text if self.answers else None

    @property
    def family(self) -> str:
        return tag_family(self.lang)


@dataclass(frozen=True)
class AnswerLocation:
    """Where an answer span sits: its release, offsets and the labels of its paragraph."""

    release: str
    start: int
    end: int
    tag: str
    family: str
    script: str


def tag_family(tag: str) -> str:
    return "sh" if tag in {"bs", "hr", "sr", "sr-Latn", "sr-Cyrl", "cnr"} else tag


def load_golden(path: Path = GOLDEN_FILE) -> list[GoldenQuestion]:
    """Parse and check the golden file (schema only; :func:`locate_answers` checks the corpus)."""
    questions: list[GoldenQuestion] = []
    seen: set[str] = set()
    for number, row in enumerate(read_jsonl(path), start=1):
        where = f"{path}: line {number}"
        question = _parse_question(row, where)
        if question.id in seen:
            raise GoldenSetError(f"{where}: duplicate question id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    return questions


def load_golden_files(paths: Sequence[Path]) -> list[GoldenQuestion]:
    """The questions of several golden files (the shipped set plus reviewed extras); ids must stay unique."""
    questions: list[GoldenQuestion] = []
    origin: dict[str, Path] = {}
    for path in paths:
        for question in load_golden(path):
            if question.id in origin:
                raise GoldenSetError(f"{path}: question id {question.id!r} is already used in {origin[question.id]}")
            origin[question.id] = path
            questions.append(question)
    return questions


def _parse_question(row: Mapping[str, object], where: str) -> GoldenQuestion:
    missing = [key for key in ("id", "text", "lang", "script", "kind", "relevant") if key not in row]
    if missing:
        raise GoldenSetError(f"{where}: missing field(s) {', '.join(missing)}")
    lang, script, kind = str(row["lang"]), str(row["script"]), str(row["kind"])
    if lang not in QUESTION_TAGS:
        raise GoldenSetError(f"{where}: lang {lang!r} is not one of {', '.join(QUESTION_TAGS)}")
    if script != _SCRIPTS[lang]:
        raise GoldenSetError(f"{where}: script {script!r} does not fit lang {lang!r} (expected {_SCRIPTS[lang]})")
    if kind not in KINDS:
        raise GoldenSetError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    relevant = row["relevant"]
    if not isinstance(relevant, dict) or not all(isinstance(grade, int) and grade > 0 for grade in relevant.values()):
        raise GoldenSetError(f"{where}: relevant must map release ids to positive integer grades")
    answers = _parse_answers(row, where)
    if kind == "unanswerable":
        if relevant or answers:
            raise GoldenSetError(f"{where}: an unanswerable question has no relevant release and no answer")
    else:
        if not answers:
            raise GoldenSetError(f"{where}: an answerable question needs 'answer' and 'answer_release'")
        for span in answers:
            if relevant.get(span.release, 0) < 2:
                raise GoldenSetError(f"{where}: answer release {span.release} must be relevant with grade 2")
    return GoldenQuestion(
        id=str(row["id"]),
        text=str(row["text"]),
        lang=lang,
        script=script,
        kind=kind,
        relevant={str(release): int(grade) for release, grade in relevant.items()},
        answers=answers,
    )


def _parse_answers(row: Mapping[str, object], where: str) -> tuple[AnswerSpan, ...]:
    answer, release = row.get("answer"), row.get("answer_release")
    if answer is None and release is None:
        spans: list[AnswerSpan] = []
    elif isinstance(answer, str) and answer.strip() and isinstance(release, str) and release:
        spans = [AnswerSpan(release, answer)]
    else:
        raise GoldenSetError(f"{where}: 'answer' and 'answer_release' must both be non-empty strings")
    for item in row.get("alternatives") or ():
        if not (isinstance(item, dict) and isinstance(item.get("release"), str) and isinstance(item.get("text"), str)):
            raise GoldenSetError(f"{where}: each alternative needs 'release' and 'text' strings")
        spans.append(AnswerSpan(item["release"], item["text"]))
    return tuple(spans)


def locate_answers(question: GoldenQuestion, releases: Mapping[str, Release]) -> list[AnswerLocation]:
    """Every answer span found verbatim in its release's cleaned text; raises if one is not."""
    locations = []
    for span in question.answers:
        release = releases.get(span.release)
        if release is None:
            raise GoldenSetError(f"question {question.id}: release {span.release} is not in the corpus")
        start = release.text.find(span.text)
        if start < 0:
            raise GoldenSetError(f"question {question.id}: answer {span.text!r} does not occur in {span.release}")
        paragraph = next((p for p in release.paragraphs if p.start <= start < p.end), None)
        if paragraph is None:
            raise GoldenSetError(f"question {question.id}: answer {span.text!r} lies outside every paragraph")
        locations.append(
            AnswerLocation(
                release=span.release,
                start=start,
                end=start + len(span.text),
                tag=language_tag(paragraph.language, paragraph.script),
                family=tag_family(paragraph.language),
                script=paragraph.script,
            )
        )
    return locations


def is_cross_lingual(question: GoldenQuestion, locations: Sequence[AnswerLocation]) -> bool:
    """No answer in the question's language family and script."""
    return bool(locations) and all(
        (location.family, location.script) != (question.family, question.script) for location in locations
    )


def is_other_language(question: GoldenQuestion, locations: Sequence[AnswerLocation]) -> bool:
    """No answer carrying the question's own language tag."""
    return bool(locations) and all(location.tag != question.lang for location in locations)


def check_against_corpus(questions: Sequence[GoldenQuestion], releases: Sequence[Release]) -> None:
    """Every relevant id exists and every answer span occurs verbatim; raises GoldenSetError."""
    by_id = {release.id: release for release in releases}
    for question in questions:
        unknown = sorted(set(question.relevant) - set(by_id))
        if unknown:
            raise GoldenSetError(f"question {question.id}: relevant release(s) {', '.join(unknown)} not in the corpus")
        locate_answers(question, by_id)


def composition(questions: Sequence[GoldenQuestion], releases: Sequence[Release]) -> dict[str, object]:
    """Counts per question language and kind, and the cross-lingual shares of answerable questions."""
    by_id = {release.id: release for release in releases}
    answerable = [question for question in questions if question.answerable]
    located = {question.id: locate_answers(question, by_id) for question in answerable}
    cross = [question.id for question in answerable if is_cross_lingual(question, located[question.id])]
    other = [question.id for question in answerable if is_other_language(question, located[question.id])]
    return {
        "questions": len(questions),
        "answerable": len(answerable),
        "unanswerable": len(questions) - len(answerable),
        "per_language": dict(Counter(question.lang for question in answerable)),
        "unanswerable_per_language": dict(Counter(q.lang for q in questions if not q.answerable)),
        "per_kind": dict(Counter(question.kind for question in questions)),
        "per_answer_language": dict(Counter(located[q.id][0].tag for q in answerable)),
        "cross_lingual": len(cross),
        "cross_lingual_share": len(cross) / len(answerable) if answerable else 0.0,
        "other_language": len(other),
        "other_language_share": len(other) / len(answerable) if answerable else 0.0,
    }
