"""NTREX evaluation end to end on two real articles, with the fake encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.cached_encoder import CachedEncoder
from evaluation.ntrex_eval import ntrex_index_name, run_ntrex_evaluation
from index.search import Filters, Searcher
from index.store import open_index
from tests.fake_encoder import HashingEncoder

TASKS = ["headline", "passage", "mixed"]


@pytest.fixture
def first_run(eval_settings, cached_fake, ntrex_dir: Path, tmp_path: Path):
    return run_ntrex_evaluation(
        eval_settings, cached_fake, ntrex_dir, 2, TASKS, ["dense", "lexical"], tmp_path / "out", progress=False
    )


def test_every_task_and_mode_is_scored_with_expected_query_counts(first_run) -> None:
    counts = {"headline": 2 * 30, "passage": 2 * 3 * 30, "mixed": 2 * 6}
    for task, results in first_run.results.items():
        assert [result.mode for result in results] == ["dense", "lexical"]
        for result in results:
            assert result.n == counts[task]
            for values in result.scores.values():
                assert all(0.0 <= value <= 1.0 for value in values.values())
    headline = first_run.results["headline"][0]
    assert len(set(headline.groups["pair"].values())) == 30
    assert set(first_run.results["mixed"][0].scores) == {"ndcg@10", "recall@10", "own_language@10"}


def test_report_has_pair_matrices_and_heatmaps(first_run) -> None:
    markdown = first_run.report.markdown.read_text(encoding="utf-8")
    assert "R@1 matrix — dense" in markdown and "MRR@10 matrix — lexical" in markdown
    assert "same-language pairs would be trivial" in markdown
    assert "| mk | 0" in markdown or "| mk | 1" in markdown
    assert {path.name.split("-ntrex-")[1] for path in first_run.report.images} == {
        "headline-recall_at_1.png",
        "headline-mrr_at_10.png",
        "passage-hit_rate_at_10.png",
        "passage-mrr_at_10.png",
    }


def test_headline_run_is_the_searchers_own_ranking(first_run, eval_settings, cached_fake) -> None:
    settings = eval_settings.with_overrides(index_name=ntrex_index_name(2))
    searcher = Searcher(open_index(settings.index_dir), cached_fake, "dense")
    hits = searcher.search("Welsh AMs worried about 'looking like muppets'", k=50, filters=Filters(languages={"hr"}))
    expected: list[str] = []
    for hit in hits:
        if hit.release_id not in expected:
            expected.append(hit.release_id)
    result = first_run.results["headline"][0]
    assert list(result.run["headline|bbc.381790|en>hr"]) == expected[:10]


def test_second_run_reuses_index_and_query_vectors(first_run, eval_settings, ntrex_dir: Path, tmp_path: Path) -> None:
    assert first_run.build.written and first_run.build.releases == 12
    inner = HashingEncoder(64)
    encoder = CachedEncoder(inner, eval_settings.embedding_cache_path)
    second = run_ntrex_evaluation(
        eval_settings, encoder, ntrex_dir, 2, TASKS, ["dense", "lexical"], tmp_path / "out", progress=False
    )
    assert not second.build.written
    assert inner.calls == []
    for task in TASKS:
        for before, after in zip(first_run.results[task], second.results[task]):
            assert after.scores == before.scores and after.config.hash == before.config.hash
    encoder.close()


def test_unknown_task_is_refused(eval_settings, cached_fake, ntrex_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown NTREX task"):
        run_ntrex_evaluation(eval_settings, cached_fake, ntrex_dir, 1, ["titles"], ["dense"], tmp_path, progress=False)
