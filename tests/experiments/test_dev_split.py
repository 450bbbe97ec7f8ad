"""The fixed NTREX dev/test split, and indexing and scoring a fold slice (fake encoder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.dev_split import (
    DEV_ARTICLES,
    FoldError,
    evaluate_fold_task,
    fold_articles,
    fold_bounds,
    fold_index_name,
    prepare_fold,
)
from evaluation.ntrex import Article, load_articles
from evaluation.ntrex_eval import task_queries
from evaluation.results import load_saved_run
from index.fusion import FusionConfig


def articles(count: int) -> list[Article]:
    return [Article(f"doc{i}", i + 1, i, {"en": ("headline",)}) for i in range(count)]


def test_the_split_is_the_first_forty_articles_then_the_rest() -> None:
    assert DEV_ARTICLES == 40
    assert fold_bounds("dev", 123) == (0, 40)
    assert fold_bounds("test", 123) == (40, 123)
    pool = articles(50)
    assert [a.doc_id for a in fold_articles(pool, "dev")] == [f"doc{i}" for i in range(40)]
    assert [a.doc_id for a in fold_articles(pool, "test")] == [f"doc{i}" for i in range(40, 50)]


def test_a_slice_is_the_first_articles_of_its_fold() -> None:
    pool = articles(50)
    assert [a.doc_id for a in fold_articles(pool, "dev", limit=3)] == ["doc0", "doc1", "doc2"]
    assert [a.doc_id for a in fold_articles(pool, "test", limit=2)] == ["doc40", "doc41"]
    # A slice never crosses into the other fold.
    assert len(fold_articles(pool, "dev", limit=45)) == 40
    assert len(fold_articles(pool, "test", limit=99)) == 10


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fold_bounds("train", 123), "unknown fold 'train'"),
        (lambda: fold_bounds("dev", 40), "needs more than 40"),
        (lambda: fold_articles(articles(50), "dev", limit=0), "at least one article"),
        (lambda: fold_index_name("val", 3), "unknown fold 'val'"),
    ],
)
def test_bad_folds_and_slices_are_refused(call, message: str) -> None:
    with pytest.raises(FoldError, match=message):
        call()


def test_index_names_say_fold_and_slice() -> None:
    assert fold_index_name("dev", 20) == "ntrex-dev-20"
    assert fold_index_name("test", None) == "ntrex-test-all"


def test_the_real_data_splits_into_40_and_83_articles(ntrex_dir: Path) -> None:
    loaded = load_articles(ntrex_dir)
    dev, test = fold_articles(loaded, "dev"), fold_articles(loaded, "test")
    assert (len(dev), len(test)) == (40, 83)
    assert dev[-1].ordinal == 40 and test[0].ordinal == 41
    assert not {a.doc_id for a in dev} & {a.doc_id for a in test}


def test_a_test_slice_is_indexed_and_scored_with_its_fusion_recorded(
    eval_settings, cached_fake, ntrex_dir: Path, tmp_path: Path
) -> None:
    setup = prepare_fold(eval_settings, cached_fake, ntrex_dir, "test", limit=1, progress=False)
    try:
        assert setup.settings.index_name == "ntrex-test-1"
        assert [a.ordinal for a in setup.articles] == [41]
        doc_id = setup.articles[0].doc_id
        tags = ("en", "bs", "hr", "sr-Latn", "sr-Cyrl", "mk")
        assert {item.release.id for item in setup.releases} == {f"ntrex-{doc_id}-{tag}" for tag in tags}
        queries = task_queries(setup, "headline")
        config = FusionConfig(k=20, rule="exact")
        hybrid = evaluate_fold_task(
            setup, cached_fake, "test", "headline", "hybrid", queries, tmp_path / "runs", config, "hybrid-x", False
        )
        dense = evaluate_fold_task(
            setup, cached_fake, "test", "headline", "dense", queries, tmp_path / "runs", progress=False
        )
    finally:
        setup.index.close()
    assert hybrid.n == dense.n == 30  # one article, 30 ordered language pairs
    assert hybrid.mode == "hybrid-x" and dense.mode == "dense"
    assert hybrid.config.data["fold"] == "test" and hybrid.config.data["fusion"] == config.as_dict()
    assert "fusion" not in dense.config.data
    saved = load_saved_run(Path(hybrid.run_file))
    assert saved.meta["config"]["data"]["fusion"]["rule"] == "exact"
    assert saved.qrels == hybrid.qrels
