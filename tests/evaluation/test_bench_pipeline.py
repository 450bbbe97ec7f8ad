"""Indexing, re-indexing, latency split and the serving probe with the deterministic fake encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.release import Release
from evaluation.bench.indexing import distinct_chunk_texts, measure_indexing, measure_reindex_at_scale
from evaluation.bench.latency import TimedEncoder, measure_latency
from index.build import build_index
from index.settings import Settings
from tests.fake_encoder import HashingEncoder


def test_indexing_counts_chunks_and_reindexes_only_the_changed_release(
    tmp_path: Path, shipped_releases: list[Release]
) -> None:
    encoder = HashingEncoder(64)
    result = measure_indexing(encoder, shipped_releases, tmp_path, rounds=1)
    assert result.distinct_texts == len(distinct_chunk_texts(shipped_releases)) > result.chunks  # chunks + sentences
    assert len(result.build_seconds) == 1 and len(result.raw_encode_seconds) == 2
    assert result.ratio > 0
    reindex = result.reindex
    assert reindex is not None and reindex.corpus_releases == len(shipped_releases)
    # a paragraph appended at the end changes the last chunk only; the others come from the cache
    assert 1 <= reindex.chunks_embedded < reindex.release_chunks
    assert reindex.chunks_embedded + reindex.cache_hits == reindex.release_chunks
    # the index left for the latency section holds the corpus as given again
    from index.store import open_index

    left = open_index(Path(result.index_dir))
    assert left.manifest.chunks == result.chunks
    left.close()


def test_raw_encode_sees_the_same_texts_the_build_embeds(tmp_path: Path, shipped_releases: list[Release]) -> None:
    encoder = HashingEncoder(64)
    result = measure_indexing(encoder, shipped_releases, tmp_path, rounds=1)
    documents = [count for prompt, count in encoder.calls if prompt == "document"]
    distinct = len(distinct_chunk_texts(shipped_releases))
    # warm-up (2 texts), raw encode, build, raw encode, then the re-index's new texts
    assert documents[0] == 2
    reindexed = result.reindex.chunks_embedded + result.reindex.sentences_embedded
    assert sum(documents) == 2 + 3 * distinct + reindexed  # restoring hits the cache


def test_reindex_at_scale_reports_one_replaced_release_per_size(
    tmp_path: Path, shipped_releases: list[Release]
) -> None:
    results = measure_reindex_at_scale(shipped_releases, [5, 15], tmp_path)
    assert [item.corpus_releases for item in results] == [5, 15]
    assert all(item.chunks_embedded >= 1 for item in results)
    assert results[1].corpus_chunks > results[0].corpus_chunks


def test_timed_encoder_adds_up_per_prompt() -> None:
    timed = TimedEncoder(HashingEncoder(16))
    vectors = timed.encode(["one", "two"], "document")
    timed.encode(["three"], "query")
    assert vectors.shape == (2, 16)
    assert timed.texts == {"query": 1, "document": 2}
    assert timed.seconds["query"] >= 0 and timed.seconds["document"] >= 0


@pytest.fixture
def fake_index(tmp_path: Path, shipped_releases: list[Release]) -> Path:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, HashingEncoder(64), shipped_releases, progress=False)
    return settings.index_dir


def test_latency_parts_add_up_to_the_total(fake_index: Path) -> None:
    questions = ["What did IOM discuss in Budva?", "Koliko migranata je prošlo?", "Што е WBJAST?"]
    result = measure_latency(fake_index, HashingEncoder(64), questions, mode="hybrid")
    assert [item.name for item in result.passes] == ["first ask", "new wording", "repeated question"]
    for item in result.passes:
        assert len(item.timings) == 3
        for timing in item.timings:
            assert timing.encode + timing.search + timing.compose == pytest.approx(timing.total)
            assert timing.encode >= 0 and timing.search >= 0
    # reworded questions go through the model, repeated ones come from the query cache
    assert all(timing.encode > 0 for timing in result.passes[1].timings)
    assert all(timing.encode == 0 for timing in result.passes[2].timings)
    assert result.passes[0].to_dict()["summary"]["total"]["n"] == 3


def test_latency_needs_questions(fake_index: Path) -> None:
    with pytest.raises(ValueError, match="no questions"):
        measure_latency(fake_index, HashingEncoder(64), [])


def test_quick_subset_is_the_shortest_releases_in_corpus_order(shipped_releases: list[Release]) -> None:
    from evaluation.bench.run import shortest_releases

    shortest = min(shipped_releases, key=lambda release: len(release.text))
    assert shortest_releases(shipped_releases, 1) == [shortest]
    chosen = shortest_releases(shipped_releases, 2)
    lengths = sorted(len(release.text) for release in shipped_releases)
    assert sorted(len(release.text) for release in chosen) == lengths[:2]
    assert [release.id for release in chosen] == sorted(release.id for release in chosen)  # corpus order kept
    assert shortest_releases(shipped_releases, None) == shipped_releases
    with pytest.raises(ValueError, match="at least one release"):
        shortest_releases(shipped_releases, 0)


def test_golden_questions_answered_by_the_subset_come_first_one_language_after_another() -> None:
    import json

    from evaluation.bench.run import _golden_questions
    from evaluation.golden_set import GOLDEN_FILE

    items = [json.loads(line) for line in GOLDEN_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    target = next(item["answer_release"] for item in reversed(items) if item["answer_release"])  # not first in file
    answered = [item for item in items if item["answer_release"] == target]
    languages = list(dict.fromkeys(item["lang"] for item in answered))
    chosen = _golden_questions(len(languages), {target})
    first_per_language = [next(item["text"] for item in answered if item["lang"] == lang) for lang in languages]
    assert chosen == first_per_language
    assert _golden_questions(3, set()) == [item["text"] for item in items[:3]]  # no subset: file order


def test_in_process_memory_opens_the_index_and_answers(fake_index: Path) -> None:
    from evaluation.bench.footprint import in_process_memory

    facts = in_process_memory(fake_index, HashingEncoder(64), ["What did IOM discuss in Budva?"], 100.0, 900.0)
    assert facts["method"] == "in-process"
    assert (facts["baseline_rss_mib"], facts["encoder_rss_mib"]) == (100.0, 900.0)
    assert facts["answer_latency"]["n"] == 1 and sum(facts["statuses"].values()) == 1
    assert facts["peak_rss_mib"] >= facts["open_rss_mib"] > 0  # the process's peak so far: never below now
