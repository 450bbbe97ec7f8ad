"""Retrieval metrics through ranx, grouped summaries with bootstrap confidence intervals, A/B tests.

Definitions (ranx, binary hits unless stated; ``k`` cuts the ranking after k entries):
- ``recall@k``: relevant items in the top k / all relevant items of the query;
- ``hit_rate@k``: 1 if any relevant item is in the top k, else 0 (reported as "R@k (any)");
- ``mrr@k``: 1 / rank of the first relevant item in the top k, 0 if none;
- ``ndcg@k``: DCG with gain = grade and discount 1/log2(rank + 1), divided by the DCG of the ideal
  ranking of the judged items (so graded qrels reward putting the grade-2 release first).
Means are over queries; the confidence interval is a percentile bootstrap over queries.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from ranx import Qrels, Run, compare, evaluate

from evaluation.formats import Qrels as QrelsDict
from evaluation.formats import RunDict

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20240607
CONFIDENCE = 0.95

# metric name -> Scores[query id -> value]
Scores = dict[str, dict[str, float]]

_LABELS = {"recall": "R", "hit_rate": "R", "mrr": "MRR", "ndcg": "nDCG", "precision": "P", "answer": "Answer", "highlight": "Highlight", "own_language": "Own-language share"}


@dataclass(frozen=True)
class Summary:
    """Mean of a metric over ``n`` queries with its bootstrap confidence interval."""

    mean: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def metric_label(metric: str) -> str:
    """``ndcg@10`` -> ``nDCG@10``; ``hit_rate@10`` -> ``R@10 (any)``; unknown names stay."""
    name, _, cutoff = metric.partition("@")
    label = _LABELS.get(name, name)
    text = f"{label}@{cutoff}" if cutoff else label
    return f"{text} (any)" if name == "hit_rate" else text


def comparable_run(qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, Mapping[str, float]]) -> RunDict:
    """The run restricted to judged queries, with an empty ranking for every judged query it lacks."""
    return {query: dict(run.get(query, {})) for query in qrels}


def per_query_scores(qrels: QrelsDict, run: RunDict, metrics: Sequence[str]) -> Scores:
    """ranx scores of every judged query: ``{metric: {query: value}}``."""
    if not qrels:
        return {metric: {} for metric in metrics}
    judged = {query: docs for query, docs in qrels.items() if any(grade > 0 for grade in docs.values())}
    if len(judged) != len(qrels):
        missing = sorted(set(qrels) - set(judged))[:5]
        raise ValueError(f"queries without any relevant item cannot be scored: {missing}")
    ranx_run = Run(comparable_run(qrels, run))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's uint64 -> int64 cast notice inside ranx
        evaluate(Qrels(qrels), ranx_run, list(metrics), save_results_in_run=True)
    return {metric: {query: float(value) for query, value in ranx_run.scores[metric].items()} for metric in metrics}


def bootstrap_ci(
    values: Sequence[float],
    resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (resampling queries with replacement)."""
    sample = np.asarray(values, dtype=float)
    if sample.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = sample[rng.integers(0, sample.size, size=(resamples, sample.size))].mean(axis=1)
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return (float(low), float(high))


def summarize(values: Iterable[float], seed: int = BOOTSTRAP_SEED) -> Summary:
    sample = [float(value) for value in values]
    if not sample:
        return Summary(mean=float("nan"), low=float("nan"), high=float("nan"), n=0)
    low, high = bootstrap_ci(sample, seed=seed)
    return Summary(mean=float(np.mean(sample)), low=low, high=high, n=len(sample))


def summarize_groups(scores: Scores, groups: Mapping[str, str]) -> dict[str, dict[str, Summary]]:
    """``{group: {metric: Summary}}`` plus an ``all`` group; ``groups`` maps query id -> label."""
    members: dict[str, list[str]] = {"all": []}
    for query in next(iter(scores.values()), {}):
        members["all"].append(query)
        if query in groups:
            members.setdefault(groups[query], []).append(query)
    return {
        group: {metric: summarize(values[query] for query in queries) for metric, values in scores.items()}
        for group, queries in members.items()
    }


@dataclass(frozen=True)
class Comparison:
    """Result of comparing run B against run A on the same queries."""

    metric: str
    mean_a: float
    mean_b: float
    difference: Summary  # B - A with its paired bootstrap interval
    p_value: float
    significant: bool
    wins_b: int
    ties: int
    wins_a: int

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["difference"] = self.difference.as_dict()
        return data


def compare_runs(
    qrels: QrelsDict,
    run_a: RunDict,
    run_b: RunDict,
    metrics: Sequence[str],
    stat_test: str = "fisher",
    max_p: float = 0.05,
    names: tuple[str, str] = ("A", "B"),
) -> list[Comparison]:
    """Paired comparison: ranx.compare for the test (``fisher`` randomization or ``student`` t-test)
    and a paired bootstrap interval on the mean difference."""
    if stat_test not in {"fisher", "student"}:
        raise ValueError(f"unknown significance test {stat_test!r}; use 'fisher' or 'student'")
    if names[0] == names[1]:
        names = (f"{names[0]} (A)", f"{names[1]} (B)")
    scores_a = per_query_scores(qrels, run_a, metrics)
    scores_b = per_query_scores(qrels, run_b, metrics)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = compare(
            Qrels(qrels),
            [Run(comparable_run(qrels, run_a), name=names[0]), Run(comparable_run(qrels, run_b), name=names[1])],
            list(metrics),
            stat_test=stat_test,
            max_p=max_p,
            random_seed=BOOTSTRAP_SEED % (2**31),
            rounding_digits=6,
        ).to_dict()
    results = []
    for metric in metrics:
        queries = sorted(scores_a[metric])
        difference = [scores_b[metric][query] - scores_a[metric][query] for query in queries]
        p_value = float(report[names[0]]["comparisons"][names[1]][metric])
        results.append(
            Comparison(
                metric=metric,
                mean_a=float(np.mean([scores_a[metric][query] for query in queries])),
                mean_b=float(np.mean([scores_b[metric][query] for query in queries])),
                difference=summarize(difference),
                p_value=p_value,
                significant=p_value <= max_p,
                wins_b=sum(1 for value in difference if value > 0),
                ties=sum(1 for value in difference if value == 0),
                wins_a=sum(1 for value in difference if value < 0),
            )
        )
    return results


def runs_to_releases(ranked_items: Sequence[str], release_of: Mapping[str, str], depth: int) -> list[str]:
    """Map a ranked list of chunk ids to release ids, keeping each release's first occurrence."""
    releases: list[str] = []
    for item in ranked_items:
        release = release_of[item]
        if release not in releases:
            releases.append(release)
            if len(releases) == depth:
                break
    return releases


def ranking_to_run_entry(ranked: Sequence[str]) -> dict[str, float]:
    """Strictly decreasing scores (1/rank) so ranx keeps the exact order, ties impossible."""
    return {item: 1.0 / rank for rank, item in enumerate(ranked, start=1)}
