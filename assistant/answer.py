"""Compose a reply from search hits: verbatim quotes, citations, highlights.

Hits are grouped by release; the best passages are quoted word for word, each
checked against the stored release text (``text[start:end] == quote``) before it
is shown. The sentence(s) of each quote that best answer the question are marked
using the model's own similarity between the question and the sentence vectors
stored at build time, so highlighting works across languages. When the best
sentence is too weak the reply says plainly that nothing answers it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import PurePath
from typing import Protocol

from assistant.highlight import best_sentences
from assistant.languages import language_name
from assistant.messages import message
from corpus.pages import page_label
from corpus.release import language_tag
from index.search import Hit
from index.sentences import ScoredSentence

log = logging.getLogger(__name__)

DEFAULT_MAX_QUOTES = 3
# At most this many quotes from one release, so other releases get a voice.
MAX_QUOTES_PER_RELEASE = 2
# Quotes after the first must score at least this share of the best hit's score.
RELATIVE_QUOTE_FLOOR = 0.8

# invalid: the question or filters were refused; error: answering failed unexpectedly.
STATUSES = ("answered", "no_answer", "invalid", "error")
# A full sentence ends with one of these marks, maybe followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…:][\"'”’»“)\]]*(?:\s|$)")


class ReleaseTexts(Protocol):
    """Access to stored releases: the cleaned text every offset indexes into, and the file path."""

    def release_text(self, release_id: str) -> str | None: ...

    def release_path(self, release_id: str) -> str: ...


@dataclass(frozen=True)
class Span:
    start: int  # offsets into the release text
    end: int
    score: float


@dataclass(frozen=True)
class Citation:
    title: str
    date: str  # ISO date or "" when unknown
    language: str  # display name, e.g. "Serbian (Cyrillic)"
    source: str  # URL or file name
    link: str  # the URL when the source is one, else ""
    start: int
    end: int
    pages: tuple[int, int] | None = None  # (first, last) page for a PDF release, else None
    page: str = ""  # the pages as cited: "p. 2" or "pp. 2–3" ("" without pages)


@dataclass(frozen=True)
class Quote:
    chunk_id: str
    release_id: str
    text: str
    start: int
    end: int
    score: float
    language_tag: str  # en, bs, hr, sr-Latn, sr-Cyrl, mk, other
    highlights: list[Span]
    citation: Citation


@dataclass(frozen=True)
class Source:
    release_id: str
    title: str
    date: str
    language: str
    source: str
    link: str
    quote_count: int


@dataclass(frozen=True)
class OtherVersion:
    """Another release covering the same story in another language."""

    release_id: str
    title: str
    date: str
    language: str
    source: str
    link: str
    similarity: float
    same_story_as: str  # the cited release it matches


@dataclass
class Answer:
    question: str
    status: str  # one of STATUSES
    message: str
    quotes: list[Quote] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    other_versions: list[OtherVersion] = field(default_factory=list)
    notice: str = ""
    search_text: str = ""  # what was searched (differs for follow-ups)
    previous_question: str | None = None
    best_score: float | None = None
    index_generation: str = ""  # the index generation the quotes come from
    # The catalogue key of ``message`` (assistant.messages) and its values, so the chat can
    # show the same reply in its interface language; "" for a message outside the catalogue.
    message_key: str = ""
    message_values: dict[str, str | int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @property
    def chunk_ids(self) -> list[str]:
        return [quote.chunk_id for quote in self.quotes]


def source_reference(source: str, path: str = "") -> tuple[str, str]:
    """``(shown source, link)``: URLs are links; otherwise the file name only."""
    source = (source or "").strip()
    if source.lower().startswith(("http://", "https://")):
        return source, source
    if source:
        return PurePath(source).name or source, ""
    return PurePath(path).name if path else "", ""


def select_hits(
    hits: Sequence[Hit],
    relevance: Mapping[int, float],
    max_quotes: int,
    threshold: float,
) -> list[Hit]:
    """Hits to quote, in retrieval order: worth reading, relevant enough, few per release, no repeats.

    ``relevance`` maps chunk ids to the model's question–passage cosine. Only passages holding at
    least one full body sentence can be quoted (a title or headline line alone is not a quote, see
    :func:`quotable`); among them a hit is quoted only if it reaches ``threshold`` and
    ``RELATIVE_QUOTE_FLOOR`` of the best relevance. A passage overlapping a chosen one of the
    same release, or whose text repeats a chosen quote (the same paragraph in two releases), is
    left out.
    """
    candidates = [hit for hit in hits if quotable(hit)]
    if not candidates:
        return []
    best = max(relevance.get(hit.chunk_id, float("-inf")) for hit in candidates)
    if best < threshold:
        return []
    floor = max(threshold, best * RELATIVE_QUOTE_FLOOR)
    chosen: list[Hit] = []
    per_release: dict[str, int] = {}
    for hit in sorted(candidates, key=lambda hit: hit.rank):
        if len(chosen) >= max_quotes:
            break
        if relevance.get(hit.chunk_id, float("-inf")) < floor:
            continue
        if per_release.get(hit.release_id, 0) >= MAX_QUOTES_PER_RELEASE:
            continue
        if any(_overlaps(hit, other) or _repeats(hit, other) for other in chosen):
            continue
        chosen.append(hit)
        per_release[hit.release_id] = per_release.get(hit.release_id, 0) + 1
    return chosen


def group_by_release(hits: Sequence[Hit]) -> list[list[Hit]]:
    """Hits grouped by release; groups in the order of their best-ranked hit, hits by position."""
    groups: dict[str, list[Hit]] = {}
    for hit in sorted(hits, key=lambda hit: hit.rank):
        groups.setdefault(hit.release_id, []).append(hit)
    return [sorted(group, key=lambda hit: hit.start) for group in groups.values()]


def verify_quote(hit: Hit, releases: ReleaseTexts) -> bool:
    """Whether the quote is exactly the stored release text at its offsets; logs mismatches."""
    text = releases.release_text(hit.release_id)
    if text is None:
        log.warning("dropped quote %s: release %s is not in the index", hit.chunk_id, hit.release_id)
        return False
    if not 0 <= hit.start < hit.end <= len(text) or text[hit.start : hit.end] != hit.text:
        log.warning(
            "dropped quote %s: its text differs from release %s at %d-%d",
            hit.chunk_id,
            hit.release_id,
            hit.start,
            hit.end,
        )
        return False
    return True


def body_sentences(sentences: Sequence[ScoredSentence]) -> list[ScoredSentence]:
    """The sentences that are not headlines, or all of them when every one is a headline.

    A title resembles every question about its release, so it would win highlights and
    quote scores over the sentence that actually answers.
    """
    body = [sentence for sentence in sentences if not sentence.headline]
    return body or list(sentences)


def relevance_of(hit: Hit) -> float:
    """How well a hit answers: its best body sentence's cosine, else its passage's, else its rank score."""
    if hit.sentences:
        return max(sentence.score for sentence in body_sentences(hit.sentences))
    return hit.passage_score if hit.passage_score is not None else hit.score


def headline_only(hit: Hit) -> bool:
    return bool(hit.sentences) and all(sentence.headline for sentence in hit.sentences)


def quotable(hit: Hit) -> bool:
    """Whether a passage holds at least one full sentence of body text.

    A headline or title line is not one, nor is a fragment without an end mark (a passage cut
    after a heading). Passages of a generation without sentence offsets are judged on their text.
    """
    inside = [s for s in hit.sentences if hit.start <= s.start and s.end <= hit.end]
    body = [sentence for sentence in inside if not sentence.headline]
    if inside and not body:
        return False
    texts = [hit.text[s.start - hit.start : s.end - hit.start] for s in body] if body else [hit.text]
    return any(_SENTENCE_END.search(text) for text in texts)


def compose_answer(
    question: str,
    hits: Sequence[Hit],
    *,
    releases: ReleaseTexts,
    threshold: float,
    relevance: Mapping[int, float] | None = None,
    max_quotes: int = DEFAULT_MAX_QUOTES,
    sentence_scores: Mapping[int, Sequence[ScoredSentence]] | None = None,
    reply_language: str = "en",
    uncertain_language: Collection[str] = (),
) -> Answer:
    """The reply for ``question`` from ``hits``.

    ``relevance`` (chunk id -> cosine, default ``relevance_of`` each hit) decides between an
    answer and ``no_answer`` via ``threshold``. ``sentence_scores`` (chunk id -> scored
    sentences, default: each hit's own) chooses the highlights; a follow-up passes the
    scores against the follow-up itself. Releases in ``uncertain_language`` get the
    family name of their language ("Bosnian/Croatian/Serbian (Latin)").
    """
    relevance = relevance if relevance is not None else {hit.chunk_id: relevance_of(hit) for hit in hits}
    best = max((relevance[hit.chunk_id] for hit in hits if hit.chunk_id in relevance), default=None)
    chosen = select_hits(hits, relevance, max_quotes, threshold)
    verified = [hit for hit in chosen if verify_quote(hit, releases)]
    if not verified:
        return Answer(
            question=question,
            status="no_answer",
            message=message("no_answer", reply_language),
            best_score=best,
            message_key="no_answer",
        )
    scores = sentence_scores if sentence_scores is not None else {hit.chunk_id: hit.sentences for hit in verified}
    quotes = [
        _quote(hit, relevance[hit.chunk_id], releases, scores.get(hit.chunk_id, ()), hit.release_id in uncertain_language)
        for group in group_by_release(verified)
        for hit in group
    ]
    sources = _sources(quotes)
    return Answer(
        question=question,
        status="answered",
        message=_summary(len(quotes), len(sources)),
        quotes=quotes,
        sources=sources,
        best_score=best,
    )


def _quote(
    hit: Hit,
    relevance: float,
    releases: ReleaseTexts,
    sentences: Sequence[ScoredSentence],
    uncertain: bool,
) -> Quote:
    inside = [s for s in sentences if hit.start <= s.start and s.end <= hit.end]
    highlights = [Span(s.start, s.end, s.score) for s in best_sentences(body_sentences(inside))]
    shown, link = source_reference(hit.source, releases.release_path(hit.release_id))
    citation = Citation(
        title=hit.title,
        date=hit.date.isoformat() if hit.date else "",
        language=language_name(hit.language, hit.script, uncertain),
        source=shown,
        link=link,
        start=hit.start,
        end=hit.end,
        pages=hit.pages,
        page=page_label(hit.pages),
    )
    return Quote(
        chunk_id=str(hit.chunk_id),
        release_id=hit.release_id,
        text=hit.text,
        start=hit.start,
        end=hit.end,
        score=float(relevance),
        language_tag=language_tag(hit.language, hit.script),
        highlights=highlights,
        citation=citation,
    )


def _sources(quotes: Sequence[Quote]) -> list[Source]:
    """One source per cited release, in quote order; languages of all its quotes listed."""
    sources: dict[str, Source] = {}
    for quote in quotes:
        citation = quote.citation
        known = sources.get(quote.release_id)
        if known is None:
            sources[quote.release_id] = Source(
                release_id=quote.release_id,
                title=citation.title,
                date=citation.date,
                language=citation.language,
                source=citation.source,
                link=citation.link,
                quote_count=1,
            )
            continue
        languages = known.language.split(", ")
        if citation.language not in languages:
            languages.append(citation.language)
        sources[quote.release_id] = replace(known, language=", ".join(languages), quote_count=known.quote_count + 1)
    return list(sources.values())


def _summary(quote_count: int, release_count: int) -> str:
    passages = "passage" if quote_count == 1 else "passages"
    releases = "release" if release_count == 1 else "releases"
    return f"{quote_count} {passages} from {release_count} {releases}, quoted verbatim."


def _repeats(first: Hit, second: Hit) -> bool:
    """Whether one passage's text (spacing and case aside) is the other's or lies inside it."""
    one, two = " ".join(first.text.split()).casefold(), " ".join(second.text.split()).casefold()
    return one in two or two in one


def _overlaps(first: Hit, second: Hit) -> bool:
    return first.release_id == second.release_id and first.start < second.end and second.start < first.end
