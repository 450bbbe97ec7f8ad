"""The assistant behind the chat and the API: one question in, one :class:`Answer` out.

Loads nothing itself: it is given an encoder and an index directory, opens the live
generation once and moves to a newer generation when ``CURRENT`` changes, rebuilding
the per-generation caches (release texts, same-story alignment) at that moment only.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.answer import DEFAULT_MAX_QUOTES, Answer, OtherVersion, compose_answer, source_reference
from assistant.followup import Conversation, advance, resolve
from assistant.highlight import SentenceScorer
from assistant.language_certainty import LanguageCertainty
from assistant.languages import language_name
from assistant.messages import message
from assistant.query_cache import QueryCachingEncoder
from assistant.questions import check_question
from assistant.warmup import SentenceWarmer
from assistant.related import ChunkAlignment, RelatedReleases, ReleaseInfo
from index import chunk_db
from index.embedding_cache import EmbeddingCache
from index.encoder import QUERY_PROMPT, Encoder
from index.search import DEFAULT_MODE, Filters, Hit, Searcher
from index.store import OpenIndex, open_index, read_current

log = logging.getLogger(__name__)

# Cosine (question with the `query` prompt vs passage with `document`) below which the best
# retrieved passage does not answer the question. Measured with `python -m evaluation.threshold`
# (shipped corpus, embeddinggemma-300m, hybrid retrieval): the 44 answerable golden questions
# scored 0.413-0.802 (median 0.587), the 16 off-topic questions listed in that script
# 0.012-0.380 (median 0.232); 0.40 sits in the gap (midpoint 0.396). On-topic questions the
# corpus does not answer (the 6 golden "unanswerable", 0.328-0.600) overlap the answerable
# ones: passage similarity cannot tell them apart, so 3 of those 6 still get related quotes.
NO_ANSWER_THRESHOLD = 0.40
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
    """Filters the user set that cannot be used; the message says why."""


def parse_date(value: str | dt.date | dt.datetime | float | None, name: str) -> dt.date | None:
    """``YYYY-MM-DD`` (or a date/datetime/timestamp from a date picker) to a date; blank is None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc).date()
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise OptionsError(f"{name} must be a date written YYYY-MM-DD, e.g. 2022-06-14 (got {text!r})") from None


def build_filters(options: SearchOptions) -> Filters | None:
    date_from = parse_date(options.date_from, "From date")
    date_to = parse_date(options.date_to, "To date")
    try:
        filters = Filters(languages=frozenset(options.languages), date_from=date_from, date_to=date_to)
    except ValueError as error:
        raise OptionsError(str(error)) from None
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

    def chunk_alignment(self) -> ChunkAlignment:
        """Every chunk vector, in release order (chunk order within a release), read from the vector store.

        One matrix is filled batch by batch, so memory peaks at about one copy of the vectors.
        """
        rows = chunk_db.chunk_release_ids(self.index.db)
        matrix = np.zeros((len(rows), self.index.manifest.dimension), dtype=np.float32)
        kept = np.zeros(len(rows), dtype=bool)
        for start in range(0, len(rows), VECTOR_BATCH):
            batch = rows[start : start + VECTOR_BATCH]
            stored = self.index.vectors.vectors_of([chunk_id for chunk_id, _ in batch])
            for offset, (chunk_id, _) in enumerate(batch):
                if chunk_id in stored:
                    matrix[start + offset] = stored[chunk_id]
                    kept[start + offset] = True
        release_ids = [release_id for (_, release_id), present in zip(rows, kept, strict=True) if present]
        return ChunkAlignment.from_rows(release_ids, matrix[kept] if not kept.all() else matrix)

    def chunk_vector(self, chunk_id: int) -> np.ndarray:
        stored = self.index.vectors.vectors_of([int(chunk_id)])
        if int(chunk_id) not in stored:
            raise KeyError(f"chunk {chunk_id} has no vector in the index's vector store")
        return stored[int(chunk_id)]


@dataclass
class Generation:
    """Everything derived from one index generation; replaced as a whole, never mutated."""

    name: str
    searcher: Searcher
    releases: IndexReleases
    related: RelatedReleases
    infos: dict[str, ReleaseInfo] = field(default_factory=dict)
    certainty: LanguageCertainty = field(default_factory=LanguageCertainty)


class Assistant:
    """Answers questions from the live index generation with one shared encoder."""

    def __init__(
        self,
        index_dir: Path,
        encoder: Encoder,
        *,
        mode: str = DEFAULT_MODE,
        threshold: float = NO_ANSWER_THRESHOLD,
        sentence_store: EmbeddingCache | None = None,
        milvus_token: str = "",
    ) -> None:
        self.index_dir = index_dir
        self.milvus_token = milvus_token
        self.encoder = encoder if isinstance(encoder, QueryCachingEncoder) else QueryCachingEncoder(encoder)
        self.threshold = threshold
        self.mode = _available_mode(mode)
        self.scorer = SentenceScorer(self.encoder, sentence_store)
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

    def start_warmup(self) -> SentenceWarmer:
        """Encode every passage's sentences in the background while no question is running."""
        warmer = SentenceWarmer(self.scorer, self.all_passages, lambda: self.busy)
        warmer.start()
        return warmer

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
            return Answer(question=question or "", status="invalid", message=checked.message), conversation
        try:
            filters = build_filters(options)
        except OptionsError as error:
            return Answer(question=checked.text, status="invalid", message=str(error)), conversation
        self.refresh()
        generation = self.generation
        resolved = resolve(checked.text, conversation)
        hits = generation.searcher.search(resolved.search_text, k=SEARCH_K, filters=filters)
        relevance = self.relevance(resolved.search_text, hits, generation)
        answer = compose_answer(
            checked.text,
            hits,
            releases=generation.releases,
            scorer=self.scorer,
            threshold=self.threshold,
            relevance=relevance,
            max_quotes=max(1, min(int(options.max_quotes), MAX_QUOTES_LIMIT)),
            # A follow-up asks for something new about the topic: retrieval needs the topic,
            # the sentence to mark is the one answering the follow-up itself ("when?").
            highlight_text=resolved.question,
            reply_language=checked.reply_language,
            uncertain_language=self._uncertain(hits, generation),
        )
        answer.notice = checked.notice
        answer.search_text = resolved.search_text
        answer.previous_question = resolved.previous_question
        answer.other_versions = self.other_versions(answer, generation)
        answer.index_generation = generation.name
        return answer, advance(conversation, resolved)

    def relevance(self, text: str, hits: Sequence[Hit], generation: Generation | None = None) -> dict[int, float]:
        """Cosine of the question (``query`` prompt) with each hit's stored passage vector."""
        generation = generation or self.generation
        if not hits:
            return {}
        query = self.encoder.encode([text], QUERY_PROMPT)[0]
        vectors = np.stack([generation.releases.chunk_vector(hit.chunk_id) for hit in hits])
        return {hit.chunk_id: float(score) for hit, score in zip(hits, vectors @ query)}

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

    def _release_language(self, info: ReleaseInfo, generation: Generation) -> str:
        """Display name of a release's main language, the family name when the label is a guess."""
        tag = info.main_language
        language, _, script = tag.partition("-")
        script = script or ("Cyrl" if tag == "mk" else "Latn")
        uncertain = language in {"bs", "hr", "sr"} and script == "Latn"
        uncertain = uncertain and generation.certainty.uncertain(info.release_id, info.path)
        return language_name(language, script, uncertain)

    def _uncertain(self, hits: Sequence[Hit], generation: Generation) -> set[str]:
        """Releases among ``hits`` whose Latin Bosnian/Croatian/Serbian label is a guess."""
        return {
            hit.release_id
            for hit in hits
            if hit.language in {"bs", "hr", "sr"}
            and hit.script == "Latn"
            and generation.certainty.uncertain(hit.release_id, generation.releases.release_path(hit.release_id))
        }

    def all_passages(self) -> Iterator[str]:
        """Chunk texts of the current generation, a page at a time."""
        db = self.generation.releases.index.db
        for offset in itertools.count(0, PASSAGE_PAGE):
            rows = db.execute(
                "SELECT text FROM chunks ORDER BY release_id, ordinal LIMIT ? OFFSET ?", (PASSAGE_PAGE, offset)
            )
            page = [text for (text,) in rows]
            yield from page
            if len(page) < PASSAGE_PAGE:
                return

    def _load_generation(self) -> Generation:
        index = open_index(self.index_dir, expected_model_id=self.encoder.model_id, milvus_token=self.milvus_token)
        mode = self.mode
        if mode != "dense" and not index.has_lexical:
            log.warning("index generation %s has no lexical leg; using dense search", index.generation)
            mode = "dense"
        releases = IndexReleases(index)
        infos = releases.infos()
        related = RelatedReleases(infos, alignment=releases.chunk_alignment())
        searcher = Searcher(index, self.encoder, mode)
        return Generation(index.generation, searcher, releases, related, {info.release_id: info for info in infos})


def _available_mode(mode: str) -> str:
    """``mode``, or dense when hybrid/lexical cannot run in this installation."""
    needed = {"hybrid": ("index.lexical", "index.fusion"), "lexical": ("index.lexical",)}.get(mode, ())
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        log.warning("search mode %s needs %s, which is not installed; using dense search", mode, ", ".join(missing))
        return "dense"
    return mode


def _json_list(text: str) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


def error_answer(question: str) -> Answer:
    """What the user sees when answering failed unexpectedly (details go to the log)."""
    return Answer(question=question or "", status="error", message=message("error"))
