"""Ratings turned into work: list them, and propose golden-set questions from the helpful ones.

``load_ratings`` reads ``feedback.jsonl`` as data only (``json.loads``, fields checked by type);
a line that is not a rating is reported with its number and skipped, nothing else is lost.
A "Helpful" answer becomes a candidate golden line: the question, its language (the corpus
language detector), the quoted release as relevant (grade 2) and the highlighted sentence of its
best quote as the answer span, which the review may shorten. "Not helpful" answers are misses to
review. Candidates are written atomically (``index.durable``); shown text is made inert by the
command that prints it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.feedback import RATINGS
from corpus.release import language_tag
from index.durable import atomic_write_text

GOLDEN_TAGS = ("en", "bs", "hr", "sr-Latn", "sr-Cyrl", "mk")


class FeedbackFileError(ValueError):
    """The feedback file cannot be read at all (missing, not UTF-8 text)."""


@dataclass(frozen=True)
class RatedQuote:
    release_id: str
    title: str
    score: float
    highlight: str


@dataclass(frozen=True)
class Rating:
    line: int
    time: str
    question: str
    rating: str
    status: str
    quotes: tuple[RatedQuote, ...]
    chunk_ids: tuple[str, ...] = ()

    @property
    def releases(self) -> list[str]:
        return list(dict.fromkeys(quote.release_id for quote in self.quotes))


@dataclass
class Ratings:
    ratings: list[Rating] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line N: reason"


def load_ratings(path: Path) -> Ratings:
    """Every rating in ``path``; lines that are not ratings become problems naming the line."""
    if not path.is_file():
        raise FeedbackFileError(f"{path} does not exist: rate answers in the chat (`assistant serve`) first")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise FeedbackFileError(f"{path} is not UTF-8 text (byte {error.start}); restore it from a backup") from None
    found = Ratings()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            found.ratings.append(parse_rating(json.loads(line), number))
        except (json.JSONDecodeError, RecursionError):
            found.problems.append(f"line {number}: not a JSON object (a torn or edited line)")
        except ValueError as error:
            found.problems.append(f"line {number}: {error}")
    return found


def parse_rating(row: object, number: int) -> Rating:
    """One rating from a decoded JSON line; ``ValueError`` says which field is wrong."""
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    question, rating = row.get("question"), row.get("rating")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' must be a non-empty string")
    if rating not in RATINGS:
        raise ValueError(f"'rating' must be one of {', '.join(RATINGS)}")
    quotes = row.get("quotes", [])
    if not isinstance(quotes, list):
        raise ValueError("'quotes' must be a list")
    chunk_ids = row.get("chunk_ids", [])
    return Rating(
        line=number,
        time=str(row.get("time", "")),
        question=question,
        rating=rating,
        status=str(row.get("status", "")),
        quotes=tuple(_quote(item) for item in quotes),
        chunk_ids=tuple(str(item) for item in chunk_ids) if isinstance(chunk_ids, list) else (),
    )


def _quote(item: object) -> RatedQuote:
    if not isinstance(item, dict) or not isinstance(item.get("release_id"), str):
        raise ValueError("each quote needs a 'release_id' string")
    score = item.get("score", 0.0)
    highlight = item.get("highlight", "")
    if not isinstance(score, (int, float)) or not isinstance(highlight, str):
        raise ValueError("a quote's 'score' must be a number and 'highlight' a string")
    return RatedQuote(item["release_id"], str(item.get("title", "")), float(score), highlight)


@dataclass
class Proposal:
    candidates: list[dict] = field(default_factory=list)
    misses: list[Rating] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "line N: reason"


def question_language(question: str) -> tuple[str, str]:
    """(golden tag, script) of a question by the corpus language detector; English when unsure."""
    from corpus.language import detect_languages

    guess = detect_languages([question])[0]
    tag = language_tag(guess.language, guess.script)
    if tag == "sr" or tag not in GOLDEN_TAGS:
        return "en", "Latn"
    return tag, "Cyrl" if tag in {"sr-Cyrl", "mk"} else "Latn"


def propose(ratings: Iterable[Rating], known_questions: Sequence[str] = ()) -> Proposal:
    """Candidate golden lines from helpful ratings (one per question), misses from unhelpful ones."""
    proposal = Proposal()
    seen = {" ".join(text.split()).casefold() for text in known_questions}
    for rating in ratings:
        if rating.rating == "not_helpful":
            proposal.misses.append(rating)
            continue
        key = " ".join(rating.question.split()).casefold()
        best = max((quote for quote in rating.quotes if quote.highlight.strip()), key=lambda q: q.score, default=None)
        if key in seen:
            proposal.skipped.append(f"line {rating.line}: the question is already proposed (or known)")
            continue
        if best is None:
            proposal.skipped.append(f"line {rating.line}: no highlighted quote recorded (a rating older than quotes)")
            continue
        seen.add(key)
        lang, script = question_language(rating.question)
        proposal.candidates.append(
            {
                "id": "fb-" + hashlib.sha256(rating.question.encode("utf-8")).hexdigest()[:10],
                "text": rating.question,
                "lang": lang,
                "script": script,
                "kind": "paraphrase",
                "relevant": {best.release_id: 2},
                "answer": best.highlight.strip(),
                "answer_release": best.release_id,
                "from_feedback": {"line": rating.line, "time": rating.time},
            }
        )
    return proposal


def write_candidates(path: Path, candidates: Sequence[dict]) -> None:
    text = "".join(json.dumps(candidate, ensure_ascii=False, sort_keys=True) + "\n" for candidate in candidates)
    atomic_write_text(path, text)
