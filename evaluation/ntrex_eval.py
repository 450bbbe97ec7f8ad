"""Run the NTREX-128 tasks: build (or reuse) the NTREX index, search every query, score it.

The index is an ordinary assistant index under its own name (``ntrex-<limit>``) in the user's
home; unchanged releases are not re-embedded and passage vectors come from the embedding cache,
so repeating a run costs only the searches. Query vectors are cached the same way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.config_hash import (
    RunConfig,
    backend_suffix,
    config_hash,
    fusion_setting,
    sentence_setting,
    vector_store_setting,
)
from evaluation.metrics import per_query_scores
from evaluation.ntrex import LANGUAGE_TAGS, Article, load_articles
from evaluation.ntrex_releases import NtrexRelease, ntrex_releases
from evaluation.ntrex_tasks import (
    SENTENCE_SEED,
    SENTENCES_PER_ARTICLE,
    headline_queries,
    mixed_queries,
    passage_queries,
)
from evaluation.cached_encoder import CachedEncoder
from evaluation.results import TaskResult, save_task_run
from evaluation.retrieval import EvalQuery, hit_release_id, qrels_of, run_queries
from index import chunk_db
from index.build import BuildReport, build_index, release_content_hash
from index.embedding_cache import EmbeddingStats
from index.encoder import QUERY_PROMPT
from index.fusion import FusionConfig
from index.search import Searcher, normalize_question
from index.settings import Settings
from index.store import OpenIndex, open_index

DEPTH = 10
RELEASE_FETCH_K = 50  # chunk hits fetched to fill a top-10 of distinct releases
PASSAGE_FETCH_K = 10
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "headline": ("recall@1", "recall@10", "mrr@10", "ndcg@10"),
    "passage": ("hit_rate@10", "mrr@10"),
    "mixed": ("ndcg@10", "recall@10", "own_language@10"),
}
TASK_GROUPINGS: dict[str, tuple[str, ...]] = {
    "headline": ("pair", "query language", "target language"),
    "passage": ("pair", "query language", "target language"),
    "mixed": ("query language",),
}


@dataclass
class NtrexSetup:
    """The articles, their releases and the open index they were indexed in."""

    articles: list[Article]
    releases: list[NtrexRelease]
    settings: Settings
    index: OpenIndex
    build: BuildReport
    chunks_by_release: dict[str, list[Any]] = field(default_factory=dict)


def ntrex_index_name(limit: int | None, suffix: str = "") -> str:
    """``ntrex-<limit>`` or ``ntrex-all``, plus a backend ``suffix`` (see ``backend_suffix``)."""
    return (f"ntrex-{limit}" if limit else "ntrex-all") + suffix


def prepare_ntrex(
    settings: Settings, encoder: Any, data_dir: Path, limit: int | None, progress: bool = True
) -> NtrexSetup:
    """Load the articles, make one release per article and language, build/update their index."""
    articles = load_articles(data_dir, limit)
    releases = ntrex_releases(articles, LANGUAGE_TAGS)
    index_settings = settings.with_overrides(index_name=ntrex_index_name(limit, backend_suffix(settings)))
    report = build_index(index_settings, encoder, [item.release for item in releases], progress=progress)
    index = open_index(
        index_settings.index_dir, expected_model_id=encoder.model_id, milvus_token=settings.store_location.token
    )
    chunks: dict[str, list[Any]] = {}
    for chunk in chunk_db.iter_chunks(index.db):
        chunks.setdefault(chunk.release_id, []).append(chunk)
    return NtrexSetup(articles, releases, index_settings, index, report, chunks)


def task_queries(setup: NtrexSetup, task: str) -> list[EvalQuery]:
    if task == "headline":
        return headline_queries(setup.articles, LANGUAGE_TAGS)
    if task == "mixed":
        return mixed_queries(setup.articles, LANGUAGE_TAGS)
    if task == "passage":
        spans = {item.release.id: item.line_spans for item in setup.releases}
        return passage_queries(setup.articles, LANGUAGE_TAGS, spans, setup.chunks_by_release)
    raise ValueError(f"unknown NTREX task {task!r}; use headline, passage or mixed")


def data_slice(setup: NtrexSetup) -> dict[str, Any]:
    content = config_hash({item.release.id: release_content_hash(item.release) for item in setup.releases})
    return {
        "dataset": "ntrex-128",
        "articles": len(setup.articles),
        "languages": list(LANGUAGE_TAGS),
        "content": content,
        "sentences_per_article": SENTENCES_PER_ARTICLE,
        "sentence_seed": SENTENCE_SEED,
    }


def own_language_share(queries: Sequence[EvalQuery], hits: dict[str, list[Any]], tag_of: dict[str, str]) -> dict[str, float]:
    """Per query: share of its top-10 distinct releases written in the query's language."""
    shares: dict[str, float] = {}
    for query in queries:
        releases: list[str] = []
        for hit in hits[query.id]:
            release = hit_release_id(hit)
            if release not in releases:
                releases.append(release)
        top = releases[:DEPTH]
        shares[query.id] = sum(1 for release in top if tag_of[release] == query.lang) / len(top) if top else 0.0
    return shares


def evaluate_task(
    setup: NtrexSetup,
    encoder: CachedEncoder,
    task: str,
    mode: str,
    queries: Sequence[EvalQuery],
    runs_dir: Path,
    progress: bool = True,
    fusion_config: FusionConfig | None = None,
    label: str | None = None,
    extra_data: dict[str, Any] | None = None,
) -> TaskResult:
    """Search and score one NTREX task in one mode and save its run.

    ``fusion_config`` sets hybrid fusion (recorded in the configuration); ``label`` names the
    result's mode in reports and run files (default: ``mode``); ``extra_data`` joins the data slice.
    """
    searcher = Searcher(setup.index, encoder, mode, fusion_config=fusion_config)
    name = label or mode
    fetch_k = PASSAGE_FETCH_K if task == "passage" else RELEASE_FETCH_K
    started = time.perf_counter()
    retrieved = run_queries(
        searcher, queries, fetch_k=fetch_k, depth=DEPTH, description=f"{task} ({name})", progress=progress
    )
    seconds = time.perf_counter() - started
    qrels = qrels_of(queries)
    metrics = TASK_METRICS[task]
    scores = per_query_scores(qrels, retrieved.run, [metric for metric in metrics if metric != "own_language@10"])
    if "own_language@10" in metrics:
        tag_of = {item.release.id: item.tag for item in setup.releases}
        scores["own_language@10"] = own_language_share(queries, retrieved.hits, tag_of)
    groups = {
        "pair": {query.id: query.group for query in queries},
        "query language": {query.id: query.lang for query in queries},
        "target language": {query.id: (query.languages[0] if query.languages else "any") for query in queries},
    }
    config = RunConfig(
        task=f"ntrex-{task}",
        model_id=encoder.model_id,
        mode=name,
        k=DEPTH,
        chunking=setup.index.manifest.chunking,
        data={
            **data_slice(setup),
            **(extra_data or {}),
            "fetch_k": fetch_k,
            **fusion_setting(searcher),
            **sentence_setting(searcher),
            **vector_store_setting(setup.index.vectors),
        },
    )
    result = TaskResult(
        task=f"ntrex-{task}",
        mode=name,
        config=config,
        metrics=metrics,
        scores=scores,
        groups={name: groups[name] for name in TASK_GROUPINGS[task]},
        extra={"queries": len(queries), "seconds": round(seconds, 2)},
    )
    save_task_run(runs_dir, result, retrieved.run, qrels)
    return result


def warm_queries(encoder: CachedEncoder, queries: Sequence[EvalQuery], progress: bool = True) -> None:
    """Encode every distinct question once, in batches, before searching."""
    encoder.warm([normalize_question(query.text) for query in queries], QUERY_PROMPT, progress=progress)



TASK_TITLES = {
    "headline": "Headline → article (release level, language filter = target)",
    "passage": "Sentence → passage (chunk level, language filter = target)",
    "mixed": "Headline → all six versions (no language filter)",
}
TASK_NOTES = {
    "headline": "The headline is also the first line of its own release, so same-language pairs would be trivial; "
    "only the 30 pairs with query language ≠ target language are scored.",
    "passage": "R@10 (any) = a chunk of the target version containing the aligned sentence is in the top 10 "
    f"({SENTENCES_PER_ARTICLE} body sentences per article, seed {SENTENCE_SEED}).",
    "mixed": "own_language@10 = share of the top-10 distinct releases written in the query's language "
    "(1/6 when the six versions fill the top 6 evenly; higher means a bias toward the query's language).",
}


@dataclass
class NtrexEvaluation:
    results: dict[str, list[TaskResult]]
    report: Any  # evaluation.reports.ReportFiles
    build: BuildReport
    query_stats: Any


def run_ntrex_evaluation(
    settings: Settings,
    encoder: CachedEncoder,
    data_dir: Path,
    limit: int | None,
    tasks: Sequence[str],
    modes: Sequence[str],
    out_dir: Path,
    progress: bool = True,
) -> NtrexEvaluation:
    """Build/reuse the NTREX index, run every task in every mode, write one report."""
    from evaluation.mode_comparison import compare_modes
    from evaluation.reports import ReportSection, build_summary, write_report

    unknown = [task for task in tasks if task not in TASK_METRICS]
    if unknown:
        raise ValueError(f"unknown NTREX task(s) {', '.join(unknown)}; use headline, passage or mixed")
    started = time.perf_counter()
    setup = prepare_ntrex(settings, encoder, data_dir, limit, progress)
    runs_dir = out_dir / "runs"
    results: dict[str, list[TaskResult]] = {}
    sections = []
    for task in tasks:
        queries = task_queries(setup, task)
        warm_queries(encoder, queries, progress)
        results[task] = [evaluate_task(setup, encoder, task, mode, queries, runs_dir, progress) for mode in modes]
        ranx_metrics = [metric for metric in TASK_METRICS[task] if metric != "own_language@10"]
        sections.append(
            ReportSection(
                task=f"ntrex-{task}",
                title=TASK_TITLES[task],
                results=results[task],
                groupings=[name for name in TASK_GROUPINGS[task] if name != "pair"],
                matrix_metrics=[TASK_METRICS[task][0], "mrr@10"] if task != "mixed" else [],
                tags=LANGUAGE_TAGS,
                comparisons=compare_modes(results[task], ranx_metrics, default_mode=settings.retrieval_mode),
                notes=[TASK_NOTES[task]],
            )
        )
    build = setup.build
    stats = encoder.stats.get(QUERY_PROMPT, EmbeddingStats())
    facts = {
        "model": encoder.model_id,
        "data": f"NTREX-128, {len(setup.articles)} articles × {len(LANGUAGE_TAGS)} languages = "
        f"{len(setup.releases)} releases (index {setup.settings.index_name})",
        "index build": build_summary(build),
        "query vectors": f"{stats.unique} distinct questions; encoded {stats.encoded}, cache hits {stats.cache_hits}, "
        f"{stats.encode_seconds:.1f} s encoding",
        "seconds per task and mode": {
            task: {result.mode: result.extra["seconds"] for result in items} for task, items in results.items()
        },
        "total seconds": round(time.perf_counter() - started, 1),
    }
    hashes = [result.config.hash for items in results.values() for result in items]
    name = f"ntrex-{len(setup.articles)}-{config_hash({'runs': hashes})}"
    report = write_report(out_dir, name, "NTREX-128 cross-lingual retrieval", sections, facts)
    setup.index.close()
    return NtrexEvaluation(results=results, report=report, build=build, query_stats=stats)
