"""Build and update the index incrementally.

Releases are compared with the live generation by a hash of their content:
only new or changed releases are chunked and embedded (and the embedding
cache makes re-embedding unchanged text free); the new generation starts as a
copy of the live one, from which removed or changed releases are deleted.

The corpus's boilerplate model (``corpus.boilerplate.BoilerplateModel``) is
stored with each generation, so a release added later on its own
(``add_release_file``) is cleaned of the same cross-release boilerplate as the
releases loaded with the whole corpus.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.boilerplate import BoilerplateModel
from corpus.loader import build_release
from corpus.release import Release
from corpus.source_file import read_source
from index import chunk_db
from index.chunking import Chunk, ChunkingParams, chunk_release
from index.embedding_cache import EmbeddingCache, EmbeddingStats, embed_with_cache
from index.encoder import DOCUMENT_PROMPT, Encoder
from index.sentence_views import with_views
from index.sentences import Sentence, chunk_sentences
from index.settings import Settings
from index.vector_store import round_to_half
from index.store import (
    IndexModelMismatchError,
    IndexStoreError,
    IndexWriter,
    OpenIndex,
    open_index,
    read_current,
    writer_lock,
)


class ReleaseNotFoundError(IndexStoreError):
    """The release to remove is not in the index."""


@dataclass
class BuildReport:
    index_dir: Path
    generation: str
    model_id: str
    written: bool  # False when nothing changed and the live generation was kept
    added: int = 0
    replaced: int = 0
    removed: int = 0
    unchanged: int = 0
    releases: int = 0  # in the index afterwards
    chunks: int = 0  # in the index afterwards
    chunks_indexed: int = 0  # chunks of added or replaced releases
    chunks_embedded: int = 0  # distinct chunk texts that went through the model
    cache_hits: int = 0  # distinct chunk texts found in the embedding cache
    sentences_indexed: int = 0  # sentences of the chunks of added or replaced releases
    sentences_embedded: int = 0  # distinct sentence texts that went through the model
    sentence_cache_hits: int = 0  # distinct sentence texts found in the embedding cache
    embed_seconds: float = 0.0
    seconds: float = 0.0
    full_rebuild_reason: str | None = None

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_indexed / self.seconds if self.seconds > 0 else 0.0


@dataclass
class UpdatePlan:
    """What one write changes: releases to (re)index with their hashes, ids to drop, and why.

    ``boilerplate`` is the model to store; None keeps the base's (without removed releases).
    """

    changed: Sequence[Release] = ()
    removed: Sequence[str] = ()
    hashes: dict[str, str] = field(default_factory=dict)
    full_rebuild_reason: str | None = None
    boilerplate: BoilerplateModel | None = None


def release_content_hash(release: Release) -> str:
    """sha256 over everything stored for a release (text, metadata, declared languages, paragraph labels)."""
    payload = {
        "id": release.id,
        "title": release.title,
        "date": release.date.isoformat() if release.date else None,
        "source": release.source,
        "path": release.path,
        "text": release.text,
        "paragraphs": [
            [p.start, p.end, p.language, p.script, p.family, p.detected, round(p.confidence, 6)]
            for p in release.paragraphs
        ],
    }
    if release.declared_languages:  # left out when empty, so older hashes of such releases still match
        payload["declared_languages"] = list(release.declared_languages)
    if release.page_starts:  # likewise: releases without pages keep their hashes
        payload["page_starts"] = list(release.page_starts)
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def build_index(
    settings: Settings,
    encoder: Encoder,
    releases: Sequence[Release],
    progress: bool = True,
    rebuild: bool = False,
    chunking: ChunkingParams | None = None,
    boilerplate: BoilerplateModel | None = None,
) -> BuildReport:
    """Make the index hold exactly ``releases``, re-embedding only what changed.

    ``boilerplate`` (``CorpusLoad.boilerplate`` of the load that gave ``releases``)
    is stored for releases added later; None keeps the live generation's model
    (without removed releases) when that generation is updated.
    A full rebuild happens when asked, on the first build, or when the model or
    the chunking parameters differ from the live generation's.
    """
    started = time.perf_counter()
    params = chunking or ChunkingParams()
    _require_unique_ids(releases)
    index_dir = settings.index_dir
    with writer_lock(index_dir):
        base, reason = _base_for_build(settings, encoder, params, rebuild)
        try:
            old = _hashes(base)
            new = {release.id: release_content_hash(release) for release in releases}
            changed = [release for release in releases if old.get(release.id) != new[release.id]]
            removed = sorted(set(old) - set(new))
            plan = UpdatePlan(changed, removed, new, reason, boilerplate)
            report = _apply(settings, encoder, base, params, plan, progress, started)
            report.unchanged = len(releases) - len(changed)
            return report
        finally:
            if base is not None:
                base.close()


def add_or_replace_release(
    settings: Settings,
    encoder: Encoder,
    release: Release,
    progress: bool = True,
    chunking: ChunkingParams | None = None,
) -> BuildReport:
    """Add one release, or replace the release with the same id; keeps the index's chunking."""
    started = time.perf_counter()
    with writer_lock(settings.index_dir):
        base = _open_live(settings)
        try:
            return _add_or_replace(settings, encoder, base, release, None, progress, chunking, started)
        finally:
            if base is not None:
                base.close()


def add_release_file(
    settings: Settings,
    encoder: Encoder,
    path: Path,
    progress: bool = True,
    chunking: ChunkingParams | None = None,
) -> BuildReport:
    """Load a release file with the index's boilerplate model as corpus context, then add or replace it.

    The file's lines join the stored model, as if it had been loaded with the corpus.
    Raises ``corpus.reading.CorpusFileError`` when the file cannot be used.
    """
    started = time.perf_counter()
    with writer_lock(settings.index_dir):
        base = _open_live(settings)
        try:
            stored = base.boilerplate() if base is not None else None
            source = read_source(path)
            release = build_release(source, stored)
            model = stored if stored is not None else BoilerplateModel()
            model.add(source.id, source.body)
            return _add_or_replace(settings, encoder, base, release, model, progress, chunking, started)
        finally:
            if base is not None:
                base.close()


def _add_or_replace(
    settings: Settings,
    encoder: Encoder,
    base: OpenIndex | None,
    release: Release,
    boilerplate: BoilerplateModel | None,
    progress: bool,
    chunking: ChunkingParams | None,
    started: float,
) -> BuildReport:
    if base is not None and base.model_id != encoder.model_id:
        raise IndexModelMismatchError(
            f"the index in {settings.index_dir} was built with model {base.model_id}, not {encoder.model_id}; "
            "rebuild it with `assistant index build --rebuild` or use --model to pick its model"
        )
    params = ChunkingParams.from_dict(base.manifest.chunking) if base else (chunking or ChunkingParams())
    digest = release_content_hash(release)
    changed = [] if _hashes(base).get(release.id) == digest else [release]
    plan = UpdatePlan(changed=changed, hashes={release.id: digest}, boilerplate=boilerplate)
    report = _apply(settings, encoder, base, params, plan, progress, started)
    report.unchanged = 1 - len(changed)
    return report


def delete_release(settings: Settings, release_id: str) -> BuildReport:
    """Remove one release and its chunks (no model needed)."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    with writer_lock(index_dir):
        base = open_index(index_dir, milvus_token=settings.store_location.token)
        try:
            if release_id not in _hashes(base):
                raise ReleaseNotFoundError(f"no release {release_id!r} in the index in {index_dir}")
            params = ChunkingParams.from_dict(base.manifest.chunking)
            return _apply(settings, None, base, params, UpdatePlan(removed=[release_id]), False, started)
        finally:
            base.close()


def _apply(
    settings: Settings,
    encoder: Encoder | None,
    base: OpenIndex | None,
    params: ChunkingParams,
    plan: UpdatePlan,
    progress: bool,
    started: float,
) -> BuildReport:
    """Write a generation: ``base`` minus removed and changed releases, plus the changed ones.

    Without an encoder (removals only) the base's model and dimension are kept.
    """
    if encoder is None and (base is None or plan.changed):
        raise ValueError("adding releases needs an encoder")
    index_dir = settings.index_dir
    model_id = encoder.model_id if encoder is not None else base.model_id  # type: ignore[union-attr]
    dimension = encoder.dimension if encoder is not None else base.manifest.dimension  # type: ignore[union-attr]
    changed, removed, reason = plan.changed, plan.removed, plan.full_rebuild_reason
    old = _hashes(base)
    replaced = [release.id for release in changed if release.id in old]
    report = BuildReport(
        index_dir=index_dir,
        generation=base.generation if base else "",
        model_id=model_id,
        written=False,
        added=len(changed) - len(replaced),
        replaced=len(replaced),
        removed=len(removed),
        full_rebuild_reason=reason,
    )
    stored = base.boilerplate() if base is not None else None
    boilerplate = _boilerplate_to_store(stored, plan)
    unchanged_boilerplate = _json_or_none(boilerplate) == _json_or_none(stored)
    if base is not None and not changed and not removed and base.has_lexical and unchanged_boilerplate:
        report.releases, report.chunks = base.manifest.releases, base.manifest.chunks
        report.seconds = time.perf_counter() - started
        return report

    location = settings.store_location
    with IndexWriter(index_dir, model_id, dimension, params.to_dict(), base, location, settings.index_name) as writer:
        writer.boilerplate = boilerplate
        writer.remove_releases([*removed, *replaced])
        if changed and encoder is not None:
            stats, sentence_stats = _add_releases(writer, encoder, changed, plan.hashes, params, settings, progress)
            report.chunks_indexed = stats.requested
            report.chunks_embedded, report.cache_hits = stats.encoded, stats.cache_hits
            report.sentences_indexed = sentence_stats.requested
            report.sentences_embedded = sentence_stats.encoded
            report.sentence_cache_hits = sentence_stats.cache_hits
            report.embed_seconds = stats.encode_seconds + sentence_stats.encode_seconds
        report.generation = writer.commit(extra={"full_rebuild_reason": reason}, progress=progress)
        report.written = True
        report.releases, report.chunks = writer.counts
    report.seconds = time.perf_counter() - started
    return report


def _boilerplate_to_store(stored: BoilerplateModel | None, plan: UpdatePlan) -> BoilerplateModel | None:
    """The plan's model, else the stored one without the removed releases."""
    if plan.boilerplate is not None:
        return plan.boilerplate
    if stored is None or not plan.removed:
        return stored
    removed = set(plan.removed)
    return BoilerplateModel({key: lines for key, lines in stored.documents.items() if key not in removed})


def _json_or_none(model: BoilerplateModel | None) -> str | None:
    return model.to_json() if model is not None else None


def _add_releases(
    writer: IndexWriter,
    encoder: Encoder,
    releases: Sequence[Release],
    hashes: dict[str, str],
    params: ChunkingParams,
    settings: Settings,
    progress: bool,
) -> tuple[EmbeddingStats, EmbeddingStats]:
    """Chunk, split and embed ``releases`` (chunks and sentences, through the cache) and stage them."""
    chunked: list[tuple[Release, list[Chunk], list[Sentence]]] = []
    for release in releases:
        chunks = chunk_release(release, params)
        sentences = [sentence for chunk in chunks for sentence in with_views(chunk, chunk_sentences(chunk, release.text))]
        chunked.append((release, chunks, sentences))
    texts = [chunk.text for _, chunks, _ in chunked for chunk in chunks]
    sentence_texts = [sentence.text for _, _, sentences in chunked for sentence in sentences]
    stats, sentence_stats = EmbeddingStats(), EmbeddingStats()
    with EmbeddingCache(settings.embedding_cache_path) as cache:
        vectors = embed_with_cache(encoder, texts, DOCUMENT_PROMPT, cache, progress=progress, stats=stats)
        sentence_vectors = embed_with_cache(
            encoder, sentence_texts, DOCUMENT_PROMPT, cache, progress=progress, stats=sentence_stats, unit="sentence"
        )
    offset = sentence_offset = 0
    for release, chunks, sentences in chunked:
        writer.add_release(
            release,
            hashes[release.id],
            chunks,
            vectors[offset : offset + len(chunks)],
            sentences,
            round_to_half(sentence_vectors[sentence_offset : sentence_offset + len(sentences)]),
        )
        offset += len(chunks)
        sentence_offset += len(sentences)
    return stats, sentence_stats


def _base_for_build(
    settings: Settings, encoder: Encoder, params: ChunkingParams, rebuild: bool
) -> tuple[OpenIndex | None, str | None]:
    """The live generation to update, or None and why everything is rebuilt."""
    if rebuild:
        return None, "rebuild requested"
    base = _open_live(settings)
    if base is None:
        return None, "no index yet"
    if base.model_id != encoder.model_id:
        base.close()
        return None, f"model changed from {base.model_id} to {encoder.model_id}"
    if base.manifest.chunking != params.to_dict():
        base.close()
        return None, "chunking parameters changed"
    if base.sentences is None:
        base.close()
        return None, "the index has no sentence vectors yet"
    if not chunk_db.has_sentence_views(base.db):
        base.close()
        return None, "the index has no Latin views of Serbian Cyrillic sentences yet"
    wanted = settings.store_location
    if base.location != wanted:
        base.close()
        return None, f"vector store changed from {base.location.label()} to {wanted.label()}"
    return base, None


def _open_live(settings: Settings) -> OpenIndex | None:
    if read_current(settings.index_dir) is None:
        return None
    return open_index(settings.index_dir, milvus_token=settings.store_location.token)


def _hashes(base: OpenIndex | None) -> dict[str, str]:
    return chunk_db.release_hashes(base.db) if base is not None else {}


def _require_unique_ids(releases: Sequence[Release]) -> None:
    seen: set[str] = set()
    for release in releases:
        if release.id in seen:
            raise ValueError(f"two releases share the id {release.id!r}; release ids must be unique")
        seen.add(release.id)
