"""Indexing cost: a full build against the raw encode throughput of the same model, and re-indexing.

The ratio ``raw encode seconds / build seconds`` (= build chunks/s over raw chunks/s) says how
much the pipeline around the model (chunking, embedding cache, SQLite, BM25, FAISS, checksums,
fsync) costs; 1.0 means the build is as fast as encoding alone. Raw encodes run before and after
each build in the same process (the CPU is shared, so load drifts) and are averaged.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus.release import Release
from evaluation.bench.stats import load_average
from evaluation.bench.synthetic import RandomEncoder, copied_releases, with_appended_paragraph
from index.build import BuildReport, build_index
from index.chunking import ChunkingParams, chunk_release
from index.sentences import chunk_sentences
from index.embedding_cache import DEFAULT_ENCODE_BATCH
from index.encoder import DOCUMENT_PROMPT, Encoder
from index.settings import Settings

CHANGED_SENTENCE = "This paragraph was added to measure re-indexing after one release changes."


@dataclass
class ReindexResult:
    """Re-indexing after one release changed (appended paragraph)."""

    corpus_releases: int
    corpus_chunks: int
    release_id: str
    release_chunks: int  # chunks of the changed release (all re-inserted)
    chunks_embedded: int  # chunk texts that went through the model (the rest came from the cache)
    cache_hits: int
    seconds: float
    embed_seconds: float
    full_build_seconds: float = 0.0
    sentences_embedded: int = 0  # sentence texts of the changed release that went through the model


@dataclass
class IndexingResult:
    model_id: str
    releases: int
    chunks: int
    distinct_texts: int
    build_seconds: list[float]
    build_embed_seconds: list[float]
    raw_encode_seconds: list[float]
    reindex: ReindexResult | None = None
    load_average: list[float] = field(default_factory=list)
    index_dir: str = ""  # the index left behind, holding ``releases`` as given

    @property
    def build_chunks_per_second(self) -> float:
        return self.chunks / statistics.median(self.build_seconds)

    @property
    def raw_chunks_per_second(self) -> float:
        return self.distinct_texts / statistics.mean(self.raw_encode_seconds)

    @property
    def ratio(self) -> float:
        """Build throughput over raw encode throughput (target ≥ 0.95)."""
        return statistics.mean(self.raw_encode_seconds) / statistics.median(self.build_seconds)

    @property
    def in_build_ratio(self) -> float:
        """Model seconds inside the build over its wall time: the pipeline's own overhead, free of load drift."""
        return statistics.median(self.build_embed_seconds) / statistics.median(self.build_seconds)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(
            build_chunks_per_second=round(self.build_chunks_per_second, 3),
            raw_chunks_per_second=round(self.raw_chunks_per_second, 3),
            ratio=round(self.ratio, 4),
            in_build_ratio=round(self.in_build_ratio, 4),
        )
        return data


def distinct_chunk_texts(releases: Sequence[Release], params: ChunkingParams | None = None) -> list[str]:
    """The texts a first build sends to the model, in its order: the distinct chunk texts shortest first,
    then the distinct sentence texts that are not also a whole chunk, shortest first (as ``embed_with_cache``
    is called for chunks, then for sentences)."""
    chunked = [(release, chunk_release(release, params)) for release in releases]
    chunk_texts = dict.fromkeys(chunk.text for _, chunks in chunked for chunk in chunks)
    sentences = dict.fromkeys(
        sentence.text
        for release, chunks in chunked
        for chunk in chunks
        for sentence in chunk_sentences(chunk, release.text)
        if sentence.text not in chunk_texts
    )
    return sorted(chunk_texts, key=len) + sorted(sentences, key=len)


def raw_encode_seconds(encoder: Encoder, texts: Sequence[str], batch: int = DEFAULT_ENCODE_BATCH) -> float:
    """Seconds to encode ``texts`` with the document prompt in the build's call sizes, nothing else."""
    started = time.perf_counter()
    for offset in range(0, len(texts), batch):
        encoder.encode(list(texts[offset : offset + batch]), DOCUMENT_PROMPT)
    return time.perf_counter() - started


def fresh_settings(work_dir: Path, name: str) -> Settings:
    """Settings whose home (index and embedding cache) is a new empty folder."""
    home = work_dir / name
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return Settings(home=home)


def measure_indexing(
    encoder: Encoder, releases: Sequence[Release], work_dir: Path, rounds: int = 1, closing_raw: bool = True
) -> IndexingResult:
    """``rounds`` × (raw encode, full build in an empty home), a closing raw encode, then one re-index."""
    if not releases:
        raise ValueError("no releases to index")
    texts = distinct_chunk_texts(releases)
    encoder.encode(texts[:2], DOCUMENT_PROMPT)  # first call allocates; keep it out of both timings
    result = IndexingResult(
        model_id=encoder.model_id,
        releases=len(releases),
        chunks=0,
        distinct_texts=len(texts),
        build_seconds=[],
        build_embed_seconds=[],
        raw_encode_seconds=[],
    )
    settings = None
    for round_number in range(rounds):
        result.load_average.append(load_average())
        result.raw_encode_seconds.append(raw_encode_seconds(encoder, texts))
        settings = fresh_settings(work_dir, f"indexing-{round_number}")
        report = build_index(settings, encoder, releases, progress=False, rebuild=True)
        result.chunks = report.chunks
        result.build_seconds.append(report.seconds)
        result.build_embed_seconds.append(report.embed_seconds)
    if closing_raw:
        result.raw_encode_seconds.append(raw_encode_seconds(encoder, texts))
    result.load_average.append(load_average())
    assert settings is not None
    result.reindex = reindex_one(settings, encoder, releases)
    result.reindex.full_build_seconds = statistics.median(result.build_seconds)
    build_index(settings, encoder, releases, progress=False)  # back to the corpus as loaded (cache hits only)
    result.index_dir = str(settings.index_dir)
    return result


def reindex_one(settings: Settings, encoder: Encoder, releases: Sequence[Release], which: int = 0) -> ReindexResult:
    """Append a paragraph to ``releases[which]`` and update the index built from ``releases``."""
    changed = with_appended_paragraph(releases[which], CHANGED_SENTENCE)
    updated = [changed if release.id == changed.id else release for release in releases]
    report: BuildReport = build_index(settings, encoder, updated, progress=False)
    if report.replaced != 1 or report.added or report.removed:
        raise RuntimeError(f"expected one replaced release, got {report.replaced} replaced, {report.added} added")
    return ReindexResult(
        corpus_releases=report.releases,
        corpus_chunks=report.chunks,
        release_id=changed.id,
        release_chunks=report.chunks_indexed,
        chunks_embedded=report.chunks_embedded,
        cache_hits=report.cache_hits,
        sentences_embedded=report.sentences_embedded,
        seconds=round(report.seconds, 4),
        embed_seconds=round(report.embed_seconds, 4),
    )


def measure_reindex_at_scale(seeds: Sequence[Release], sizes: Sequence[int], work_dir: Path) -> list[ReindexResult]:
    """Re-index after one release changes in corpora of ``sizes`` releases, with a model-free encoder.

    Shows the per-generation costs that grow with the corpus rather than with the change
    (copying the chunk database and vectors, rebuilding BM25, checksums, fsync).
    """
    encoder = RandomEncoder()
    results = []
    for size in sizes:
        releases = copied_releases(seeds, size)
        settings = fresh_settings(work_dir, f"reindex-{size}")
        full = build_index(settings, encoder, releases, progress=False, rebuild=True)
        outcome = reindex_one(settings, encoder, releases, which=len(releases) // 2)
        outcome.full_build_seconds = round(full.seconds, 4)
        results.append(outcome)
        shutil.rmtree(settings.home, ignore_errors=True)
    return results
