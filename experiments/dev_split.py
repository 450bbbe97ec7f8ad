"""The fixed dev/test split of the NTREX-128 articles, and indexes of fold slices.

Retrieval settings (fusion parameters, thresholds...) are chosen on the dev fold only;
the test fold is touched only to report the chosen setting.

- ``dev``: the first 40 articles in file order (positions 0..39, ordinals 1..40);
- ``test``: the other 83 (positions 40..122, ordinals 41..123).

The boundary is a position in the file order of ``DOCUMENT_IDS.tsv``, fixed here once and
for all (never drawn again), so every run on a fold sees the same articles. Embedding a
whole fold takes long on a CPU, so a run may take a slice: the first ``limit`` articles
of the fold. A slice of a fold is indexed under its own name (``ntrex-dev-20``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evaluation.ntrex import LANGUAGE_TAGS, Article, load_articles
from evaluation.ntrex_eval import (
    NtrexSetup,
    evaluate_task,
)
from evaluation.ntrex_releases import ntrex_releases
from evaluation.results import TaskResult
from evaluation.retrieval import EvalQuery
from index import chunk_db
from index.build import build_index
from index.fusion import FusionConfig
from index.settings import Settings
from index.store import open_index

DEV_ARTICLES = 40  # positions 0..DEV_ARTICLES-1 are the dev fold, the rest the test fold
FOLDS = ("dev", "test")


class FoldError(ValueError):
    """An unknown fold, a bad slice, or NTREX data too short for the split."""


def fold_bounds(fold: str, total: int) -> tuple[int, int]:
    """``(first, end)`` article positions of ``fold`` among ``total`` articles."""
    if total <= DEV_ARTICLES:
        raise FoldError(f"the dev/test split needs more than {DEV_ARTICLES} NTREX articles, the data has {total}")
    if fold == "dev":
        return 0, DEV_ARTICLES
    if fold == "test":
        return DEV_ARTICLES, total
    raise FoldError(f"unknown fold {fold!r}; use {' or '.join(FOLDS)}")


def fold_articles(articles: list[Article], fold: str, limit: int | None = None) -> list[Article]:
    """The articles of ``fold`` in file order; ``limit`` keeps the first N of the fold."""
    if limit is not None and limit < 1:
        raise FoldError(f"a fold slice needs at least one article, got limit {limit}")
    first, end = fold_bounds(fold, len(articles))
    if limit is not None:
        end = min(end, first + limit)
    return articles[first:end]


def fold_index_name(fold: str, limit: int | None) -> str:
    """``ntrex-dev-20`` for the first 20 dev articles, ``ntrex-test-all`` for the whole test fold."""
    if fold not in FOLDS:
        raise FoldError(f"unknown fold {fold!r}; use {' or '.join(FOLDS)}")
    return f"ntrex-{fold}-{limit if limit else 'all'}"


def prepare_fold(
    settings: Settings,
    encoder: Any,
    data_dir: Path,
    fold: str,
    limit: int | None = None,
    progress: bool = True,
    index_name: str | None = None,
) -> NtrexSetup:
    """Index one release per article and language of the fold slice; reuse the index when unchanged.

    ``index_name`` overrides the default name (experiments that index the same articles differently).
    """
    articles = fold_articles(load_articles(data_dir), fold, limit)
    releases = ntrex_releases(articles, LANGUAGE_TAGS)
    index_settings = settings.with_overrides(index_name=index_name or fold_index_name(fold, limit))
    report = build_index(index_settings, encoder, [item.release for item in releases], progress=progress)
    index = open_index(index_settings.index_dir, expected_model_id=encoder.model_id)
    chunks: dict[str, list[Any]] = {}
    for chunk in chunk_db.iter_chunks(index.db):
        chunks.setdefault(chunk.release_id, []).append(chunk)
    return NtrexSetup(articles, releases, index_settings, index, report, chunks)


def evaluate_fold_task(
    setup: NtrexSetup,
    encoder: Any,
    fold: str,
    task: str,
    mode: str,
    queries: Sequence[EvalQuery],
    runs_dir: Path,
    fusion_config: FusionConfig | None = None,
    label: str | None = None,
    progress: bool = True,
) -> TaskResult:
    """Search and score one NTREX task on a fold slice in one mode, as ``ntrex_eval.evaluate_task``
    does, with the hybrid fusion given and recorded in the run's configuration.

    ``label`` names the result's mode in reports and run files (default: ``mode``).
    """
    return evaluate_task(
        setup, encoder, task, mode, queries, runs_dir, progress, fusion_config, label, extra_data={"fold": fold}
    )
