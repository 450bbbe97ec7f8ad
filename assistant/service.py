"""The assistant behind the chat and the API: one question in, one :class:`Answer` out.

Loads nothing itself: it is given an encoder and an index directory, opens the live
generation once and moves to a newer generation when ``CURRENT`` changes, rebuilding
the per-generation caches (release texts, same-story alignment) at that moment only.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.asked_years import asked_years, speaks_of
from assistant.answer import (
    DEFAULT_MAX_QUOTES,
    Answer,
    OtherVersion,
    compose_answer,
    relevance_of,
    source_reference,
)
from assistant.followup import Conversation, advance, resolve
from assistant.language_certainty import LanguageCertainty
from assistant.languages import language_name
from assistant.messages import message
from assistant.query_cache import QueryCachingEncoder
from assistant.question_batcher import BatchingEncoder
from assistant.questions import CheckedQuestion, check_question
from assistant.related import RelatedReleases, ReleaseInfo, unit_rows
from index import chunk_db
from index.encoder import Encoder
from index.filters import parse_date_bound
from index.search import DEFAULT_MODE, Filters, Hit, Searcher, usable_mode
from index.store import OpenIndex, open_index, read_current
from index.vector_store import VectorStoreError

log = logging.getLogger(__name__)

# The best sentence's cosine (question with the `query` prompt vs the stored sentence vectors with
# `document`) below which nothing retrieved answers the question. Measured 2026-12-02 with
# `python -m experiments.threshold` (shipped corpus, embeddinggemma-300m, dense, sentence weight 0.8):
# the 44 answerable golden questions scored 0.460-0.803 (median 0.634), the 16 off-topic questions
# 0.064-0.383, the 6 on-topic questions the corpus does not answer 0.341-0.551. At 0.44 every
# answerable question is answered and every off-topic one refused; the score refuses 3 of the 6
# on-topic unanswerable ones, the other three share the answerable range. The year check
# (``assistant.asked_years``) refuses a fourth ("… registered in Serbia in 2023?").
NO_ANSWER_THRESHOLD = 0.44
# Candidates retrieved per question; quotes are chosen among them.
SEARCH_K = 10
MAX_QUOTES_LIMIT = 8
RELEASE_TEXT_CACHE = 64
VECTOR_BATCH = 50_000  # chunk vectors read from the vector store per call
PASSAGE_PAGE = 256


@dataclass(frozen=True)
class SearchOptions:
    """What the user restricted: language tags (index.search.Filters tags), ISO date bounds, quote count."""

    languages: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    max_quotes: int = DEFAULT_MAX_QUOTES


class OptionsError(ValueError):
    """Filters the user set that cannot be used; the message says why.

    ``key`` and ``values`` name the catalogue message (``assistant.messages``) the chat shows
    in its interface language; a value under ``field`` is itself a catalogue key.
    """

    def __init__(self, text: str, key: str = "", values: dict[str, str] | None = None) -> None:
        super().__init__(text)
        self.key = key
        self.values = values or {}


def parse_date(value: str | dt.date | dt.datetime | float | None, name: str, field: str = "") -> dt.date | None:
    """``index.filters.parse_date_bound``, failing with :class:`OptionsError` (shown to the user)."""
    try:
        return parse_date_bound(value, name)
    except ValueError as error:
        raise OptionsError(str(error), "bad_date" if field else "", {"field": field, "value": str(value)}) from None


def build_filters(options: SearchOptions) -> Filters | None:
    date_from = parse_date(options.date_from, "From date", "date_from")
    date_to = parse_date(options.date_to, "To date", "date_to")
    try:
        filters = Filters(languages=frozenset(options.languages), date_from=date_from, date_to=date_to)
    except ValueError as error:
        reversed_dates = date_from is not None and date_to is not None and date_from > date_to
        values = {"start": str(date_from), "end": str(date_to)} if reversed_dates else {}
        raise OptionsError(str(error), "dates_reversed" if reversed_dates else "", values) from None
    return filters if filters.restricts else None


class IndexReleases:
    """Release texts and metadata of one open generation (the ``ReleaseTexts`` protocol)."""

    def __init__(self, index: OpenIndex) -> None:
        self.index = index
        self._texts: OrderedDict[str, tuple[str, str] | None] = OrderedDict()
        self._lock = threading.Lock()

    def _row(self, release_id: str) -> tuple[str, str] | None:
        with self._lock:
            if release_id in self._texts:
                self._texts.move_to_end(release_id)
                return self._texts[release_id]
            row = self.index.db.execute("SELECT text, path FROM releases WHERE id = ?", (release_id,)).fetchone()
            self._texts[release_id] = (row[0], row[1]) if row else None
            while len(self._texts) > RELEASE_TEXT_CACHE:
                self._texts.popitem(last=False)
            return self._texts[release_id]

    def release_text(self, release_id: str) -> str | None:
        row = self._row(release_id)
        return row[0] if row else None

    def release_path(self, release_id: str) -> str:
        row = self._row(release_id)
        return row[1] if row else ""

    def page_starts(self, release_id: str) -> tuple[int, ...]:
        """Where each page of a PDF release begins in its text; () for releases without pages."""
        with self._lock:
            return chunk_db.page_starts_of(self.index.db, release_id)

    def infos(self) -> list[ReleaseInfo]:
        rows = self.index.db.execute("SELECT id, title, date, source, path, languages FROM releases ORDER BY id")
        return [
            ReleaseInfo(
                release_id=release_id,
                title=title,
                date=dt.date.fromisoformat(date) if date else None,
                source=source,
                path=path,
                languages=tuple(_json_list(languages)),
            )
            for release_id, title, date, source, path, languages in rows
        ]

    def means(self) -> tuple[list[str], np.ndarray]:
        """Every release's unit mean chunk vector, summed batch by batch from the vector store
        (no resident copy of the vectors)."""
        rows = chunk_db.chunk_release_ids(self.index.db)
        ids = list(dict.fromkeys(release_id for _, release_id in rows))
        position = {release_id: row for row, release_id in enumerate(ids)}
        sums = np.zeros((len(ids), self.index.manifest.dimension), dtype=np.float32)
        for start in range(0, len(rows), VECTOR_BATCH):
            batch = rows[start : start + VECTOR_BATCH]
            stored = self.index.vectors.vectors_of([chunk_id for chunk_id, _ in batch])
            for chunk_id, release_id in batch:
                if chunk_id in stored:
                    sums[position[release_id]] += stored[chunk_id]
        kept = np.linalg.norm(sums, axis=1) > 0
        return [release_id for release_id, present in zip(ids, kept, strict=True) if present], unit_rows(sums[kept])

    def sentences(self, release_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Each release's sentence vectors, one per distinct sentence (overlapping chunks share some);
        chunk vectors for a generation without sentence vectors."""
        store = self.index.sentences
        if store is None:
            spans = [(release, chunk, 0, chunk) for chunk, release in chunk_db.chunk_ids_by_release(
                self.index.db, release_ids)]
            store = self.index.vectors
        else:
            spans = chunk_db.sentence_spans_of(self.index.db, release_ids)
        unique: dict[tuple[str, int, int], int] = {}
        for release_id, item, start, end in spans:
            unique.setdefault((release_id, start, end), item)
        stored = store.vectors_of(list(unique.values()))
        found: dict[str, list[np.ndarray]] = {}
        for (release_id, _, _), item in unique.items():
            if item in stored:
                found.setdefault(release_id, []).append(stored[item])
        return {release_id: np.stack(rows) for release_id, rows in found.items()}


@dataclass
class Generation:
    """Everything derived from one index generation; replaced as a whole, never mutated."""

    name: str
    searcher: Searcher
    releases: IndexReleases
    related: RelatedReleases
    infos: dict[str, ReleaseInfo] = field(default_factory=dict)
    certainty: LanguageCertainty = field(init=False)

    def __post_init__(self) -> None:
        # Bound to this generation's chunks.sqlite: a newer generation gets its own.
        self.certainty = LanguageCertainty(self.releases.index.db)


class Assistant:
    """Answers questions from the live index generation with one shared encoder."""

    def __init__(
        self,
        index_dir: Path,
        encoder: Encoder,
        *,
        mode: str = DEFAULT_MODE,
        threshold: float = NO_ANSWER_THRESHOLD,
        milvus_token: str = "",
    ) -> None:
        self.index_dir = index_dir
        self.milvus_token = milvus_token
        # Repeated questions come from the cache; new ones asked together share one model call.
        self.encoder = encoder if isinstance(encoder, QueryCachingEncoder) else QueryCachingEncoder(BatchingEncoder(encoder))
        self.threshold = threshold
        self.mode = mode
        self._reloading = threading.Lock()
        self._active = 0  # questions being answered right now
        self._active_lock = threading.Lock()
        self.generation = self._load_generation()

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def searcher(self) -> Searcher:
        return self.generation.searcher

    def refresh(self) -> bool:
        """Move to a newer index generation if one was committed; True when it did.

        Questions already running keep the generation they started with; while one
        thread loads a new generation, the others go on answering from the current one.
        """
        if not self._reloading.acquire(blocking=False):
            return False
        try:
            pointer = read_current(self.index_dir)
            if pointer is None or pointer.generation == self.generation.name:
                return False
            self.generation = self._load_generation()
            log.info("now answering from index generation %s", self.generation.name)
            return True
        finally:
            self._reloading.release()

    @property
    def busy(self) -> bool:
        return self._active > 0

    def ask(
        self,
        question: str,
        conversation: Conversation | None = None,
        options: SearchOptions | None = None,
    ) -> tuple[Answer, Conversation]:
        """The answer to ``question`` and the conversation to pass with the next question."""
        with self._active_lock:
            self._active += 1
        try:
            return self._ask(question, conversation, options)
        finally:
            with self._active_lock:
                self._active -= 1

    def _ask(
        self, question: str, conversation: Conversation | None, options: SearchOptions | None
    ) -> tuple[Answer, Conversation]:
        conversation = conversation or Conversation()
        options = options or SearchOptions()
        checked = check_question(question)
        if not checked.ok:
            invalid = Answer(question=question or "", status="invalid", message=checked.message)
            invalid.message_key, invalid.message_values = checked.message_key or checked.problem, dict(checked.values)
            return invalid, conversation
        try:
            filters = build_filters(options)
        except OptionsError as error:
            invalid = Answer(question=checked.text, status="invalid", message=str(error))
            invalid.message_key, invalid.message_values = error.key, dict(error.values)
            return invalid, conversation
        try:
            return self._answer(checked, conversation, options, filters)
        except VectorStoreError as error:  # the vector store server is down or unreachable: say so, keep serving
            log.warning("search backend unavailable: %s", error)
            unavailable = message("backend_unavailable", checked.reply_language)
            failed = Answer(question=checked.text, status="error", message=unavailable)
            failed.message_key = "backend_unavailable"
            return failed, conversation

    def _answer(
        self, checked: CheckedQuestion, conversation: Conversation, options: SearchOptions, filters: Filters | None
    ) -> tuple[Answer, Conversation]:
        self.refresh()
        generation = self.generation
        resolved = resolve(checked.text, conversation)
        hits = generation.searcher.search(resolved.search_text, k=SEARCH_K, filters=filters)
        years = asked_years(resolved.search_text)
        if years:  # release texts are read only for questions that name a year
            hits = [hit for hit in hits if speaks_of(years, generation.releases.release_text(hit.release_id), hit.date)]
        # A follow-up asks for something new about the topic: retrieval needs the topic,
        # the sentence to mark is the one answering the follow-up itself ("when?").
        follow_up = resolved.question != resolved.search_text
        answer = compose_answer(
            checked.text,
            hits,
            releases=generation.releases,
            threshold=self.threshold,
            relevance=relevance(hits),
            max_quotes=max(1, min(int(options.max_quotes), MAX_QUOTES_LIMIT)),
            sentence_scores=(
                generation.searcher.sentence_scores(resolved.question, [hit.chunk_id for hit in hits])
                if follow_up
                else None
            ),
            reply_language=checked.reply_language,
            uncertain_language=self._uncertain(hits, generation),
        )
        answer.notice = checked.notice
        answer.search_text = resolved.search_text
        answer.previous_question = resolved.previous_question
        answer.other_versions = self.other_versions(answer, generation)
        answer.index_generation = generation.name
        return answer, advance(conversation, resolved)

    def other_versions(self, answer: Answer, generation: Generation) -> list[OtherVersion]:
        cited = [source.release_id for source in answer.sources]
        found: dict[str, OtherVersion] = {}
        for release_id in cited:
            for related in generation.related.other_versions(release_id, exclude=cited):
                info = related.release
                if info.release_id in found:
                    continue
                shown, link = source_reference(info.source, info.path)
                found[info.release_id] = OtherVersion(
                    release_id=info.release_id,
                    title=info.title,
                    date=info.date.isoformat() if info.date else "",
                    language=self._release_language(info, generation),
                    source=shown,
                    link=link,
                    similarity=round(related.similarity, 4),
                    same_story_as=release_id,
                )
        return list(found.values())

    def release_view(self, release_id: str) -> tuple[ReleaseInfo, str] | None:
        """Metadata and full cleaned text of a release, for the viewer."""
        generation = self.generation
        info = generation.infos.get(release_id)
        text = generation.releases.release_text(release_id)
        if info is None or text is None:
            return None
        return info, text

    def release_pages(self, release_id: str) -> tuple[int, ...]:
        """Page starts of a release for the viewer's page breaks; () without pages."""
        return self.generation.releases.page_starts(release_id)

    def _release_language(self, info: ReleaseInfo, generation: Generation) -> str:
        """Display name of a release's main language, the family name when the label is a guess."""
        tag = info.main_language
        language, _, script = tag.partition("-")
        script = script or ("Cyrl" if tag == "mk" else "Latn")
        uncertain = language in {"bs", "hr", "sr"} and script == "Latn"
        uncertain = uncertain and generation.certainty.uncertain(info.release_id)
        return language_name(language, script, uncertain)

    def _uncertain(self, hits: Sequence[Hit], generation: Generation) -> set[str]:
        """Releases among ``hits`` whose Latin Bosnian/Croatian/Serbian label is a guess."""
        return {
            hit.release_id
            for hit in hits
            if hit.language in {"bs", "hr", "sr"}
            and hit.script == "Latn"
            and generation.certainty.uncertain(hit.release_id)
        }

    def _load_generation(self) -> Generation:
        index = open_index(self.index_dir, expected_model_id=self.encoder.model_id, milvus_token=self.milvus_token)
        mode = usable_mode(index, self.mode)
        if mode != self.mode:
            log.warning("index generation %s has no lexical leg; using dense search", index.generation)
        releases = IndexReleases(index)
        infos = releases.infos()
        related = RelatedReleases(infos, releases)
        searcher = Searcher(index, self.encoder, mode)
        return Generation(index.generation, searcher, releases, related, {info.release_id: info for info in infos})


def _json_list(text: str) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


def error_answer(question: str) -> Answer:
    """What the user sees when answering failed unexpectedly (details go to the log)."""
    return Answer(question=question or "", status="error", message=message("error"), message_key="error")


def relevance(hits: Sequence[Hit]) -> dict[int, float]:
    """Each hit's best sentence cosine with the question (``answer.relevance_of``), from the search itself."""
    return {hit.chunk_id: relevance_of(hit) for hit in hits}
