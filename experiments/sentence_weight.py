"""Choose the dense rule's sentence weight on the NTREX dev fold (articles 1-40).

A passage's dense score is ``w * best sentence cosine + (1 - w) * passage cosine``
(``index.sentence_ranking``). The candidate passages of a question and both of their
scores do not depend on ``w``, so each question is searched once through the product's
``dense_scores`` and re-ranked for every weight, exactly as ``Searcher`` would rank it.
Prints, per weight, each task's mean and its worst language pair:

    python -m experiments.sentence_weight --weights 0,0.5,0.6,0.7,0.8,0.9,1 [--fold dev]

``--compare 0,0.8`` instead reports the second weight against the first (``w = 0`` ranks by passage
vectors alone, exactly as before sentence vectors), with ranx's Fisher randomization test, and
prints the second weight's language-pair matrices; ``--out FILE`` also writes them as JSON:

    python -m experiments.sentence_weight --fold test --compare 0,0.8 --out test.json

``--golden`` scores the golden set through the chat (``Assistant.ask``) for each weight instead:

    python -m experiments.sentence_weight --golden --weights 0,0.7,0.8,0.9
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from evaluation.cached_encoder import CachedEncoder
import json

from evaluation.metrics import compare_runs, per_query_scores, summarize_groups
from evaluation.ntrex import LANGUAGE_TAGS
from evaluation.ntrex_eval import (
    DEPTH,
    PASSAGE_FETCH_K,
    RELEASE_FETCH_K,
    prepare_ntrex,
    task_queries,
    warm_queries,
)
from evaluation.retrieval import qrels_of, run_queries
from experiments.dev_split import fold_articles, prepare_fold
from index.encoder import QUERY_PROMPT, load_encoder
from index.search import normalize_question
from index.sentence_ranking import DenseScores, combine, dense_scores
from index.settings import load_settings

TASKS = {"headline": "mrr@10", "passage": "hit_rate@10", "mixed": "ndcg@10"}


@dataclass(frozen=True)
class RankedChunk:
    chunk_id: int
    release_id: str


class ReplaySearcher:
    """Searches each (question, filter) once with ``dense_scores``; ranks the candidates for ``weight``."""

    def __init__(self, setup, encoder: CachedEncoder) -> None:  # noqa: ANN001
        self.index = setup.index
        self.encoder = encoder
        self.release_of = {chunk.id: chunk.release_id for chunks in setup.chunks_by_release.values() for chunk in chunks}
        self.weight = 0.0
        self._scored: dict[tuple, DenseScores] = {}

    def search(self, question: str, k: int = 10, filters=None) -> list[RankedChunk]:  # noqa: ANN001
        key = (question, filters)
        if key not in self._scored:
            query = self.encoder.encode([normalize_question(question)], QUERY_PROMPT)[0]
            self._scored[key] = dense_scores(self.index.db, self.index.vectors, self.index.sentences, query, k, filters)
        scored = self._scored[key]
        ranking = sorted(
            scored.passage,
            key=lambda chunk: (
                -combine(max((s.score for s in scored.sentences[chunk]), default=scored.passage[chunk]),
                         scored.passage[chunk], self.weight),
                chunk,
            ),
        )  # fmt: skip
        return [RankedChunk(chunk, self.release_of[chunk]) for chunk in ranking[:k]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="0,0.5,0.6,0.7,0.8,0.9,1")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/ntrex"))
    parser.add_argument("--fold", default="dev", choices=("dev", "test"))
    parser.add_argument("--limit", type=int, default=None, help="first N articles of the fold")
    parser.add_argument("--compare", default=None, help="two weights A,B: B against A, with B's pair matrices")
    parser.add_argument("--out", type=Path, default=None, help="with --compare: write the results as JSON")
    parser.add_argument(
        "--whole-index", action="store_true",
        help="search the index of all 123 articles (as `assistant eval ntrex` does), score the fold's questions",
    )  # fmt: skip
    parser.add_argument("--golden", action="store_true", help="score the golden set for each weight")
    parser.add_argument("--chunk-size", type=int, default=None, help="with --golden: passage size (characters)")
    parser.add_argument("--chunk-overlap", type=int, default=None, help="with --golden: passage overlap")
    args = parser.parse_args(argv)
    settings = load_settings()
    encoder = CachedEncoder(load_encoder(settings.model, settings), settings.embedding_cache_path)
    if args.golden:
        chunking = None
        if args.chunk_size:
            from index.chunking import ChunkingParams

            chunking = ChunkingParams(args.chunk_size, args.chunk_overlap or args.chunk_size // 6)
        golden(settings, encoder, [float(value) for value in args.weights.split(",")], chunking)
        return
    if args.whole_index:
        setup = prepare_ntrex(settings, encoder, args.data, None)
        articles = {article.doc_id for article in fold_articles(setup.articles, args.fold, args.limit)}
    else:
        setup = prepare_fold(settings, encoder, args.data, args.fold, args.limit)
        articles = {article.doc_id for article in setup.articles}
    searcher = ReplaySearcher(setup, encoder)
    queries = {
        task: [query for query in task_queries(setup, task) if query.id.split("|")[1] in articles] for task in TASKS
    }
    for items in queries.values():
        warm_queries(encoder, items)
    if args.compare:
        compare(searcher, queries, [float(value) for value in args.compare.split(",")], args.fold, args.out)
        setup.index.close()
        return
    print(f"fold {args.fold}: {len(articles)} articles; metric mean / worst pair (pair)", flush=True)
    for weight in (float(value) for value in args.weights.split(",")):
        searcher.weight = weight
        cells = []
        for task, metric in TASKS.items():
            overall, pairs = pair_means(searcher, queries[task], task, metric)
            worst = min(pairs, key=pairs.get)
            cells.append(f"{task} {overall:.3f} / {pairs[worst]:.3f} ({worst})")
        print(f"w={weight:.2f}  " + "  ".join(cells), flush=True)
    setup.index.close()


def pair_means(searcher, queries, task: str, metric: str) -> tuple[float, dict[str, float]]:  # noqa: ANN001
    """``metric`` of ``task`` over all ``queries`` and per language pair, searched with ``searcher``."""
    fetch_k = PASSAGE_FETCH_K if task == "passage" else RELEASE_FETCH_K
    run = run_queries(searcher, queries, fetch_k=fetch_k, depth=DEPTH, progress=False).run
    scores = per_query_scores(qrels_of(queries), run, [metric])
    summary = summarize_groups(scores, {query.id: query.group for query in queries})
    pairs = {label: values[metric].mean for label, values in summary.items() if label != "all"}
    return summary["all"][metric].mean, pairs


def golden(settings, encoder: CachedEncoder, weights: list[float], chunking=None) -> None:  # noqa: ANN001
    import tempfile

    from corpus.loader import load_corpus
    from evaluation.golden_eval import evaluate_golden_mode, golden_index_settings
    from index.build import build_index
    from evaluation.golden_set import load_golden
    from index import sentence_ranking

    releases = list(load_corpus(settings.corpus_dir).releases)
    questions = load_golden()
    build_index(golden_index_settings(settings), encoder, releases, progress=False, chunking=chunking)
    shipped = sentence_ranking.SENTENCE_WEIGHT
    try:
        with tempfile.TemporaryDirectory() as runs:
            for weight in weights:
                sentence_ranking.SENTENCE_WEIGHT = weight
                run = evaluate_golden_mode(settings, encoder, "dense", questions, releases, Path(runs), progress=False)
                means = {metric: summary.mean for metric, summary in run.result.overall().items()}
                print(f"w={weight:.2f}  " + "  ".join(f"{metric} {value:.3f}" for metric, value in means.items())
                      + f"  declined: {run.result.extra['unanswerable_declined']} unanswerable, "
                      f"{run.result.extra['answerable_declined']} answerable", flush=True)  # fmt: skip
    finally:
        sentence_ranking.SENTENCE_WEIGHT = shipped


COMPARED = {"headline": ("mrr@10", "recall@1"), "passage": ("hit_rate@10", "mrr@10"), "mixed": ("ndcg@10", "recall@10")}


def task_run(searcher: ReplaySearcher, queries: list, task: str, weight: float) -> dict:  # noqa: ANN001
    searcher.weight = weight
    fetch_k = PASSAGE_FETCH_K if task == "passage" else RELEASE_FETCH_K
    return run_queries(searcher, queries, fetch_k=fetch_k, depth=DEPTH, progress=False).run


def compare(searcher: ReplaySearcher, queries: dict, weights: list[float], fold: str, out: Path | None) -> None:
    first, second = weights
    results: dict[str, object] = {"fold": fold, "weights": weights}
    for task, metrics in COMPARED.items():
        qrels = qrels_of(queries[task])
        run_a, run_b = (task_run(searcher, queries[task], task, weight) for weight in (first, second))
        for item in compare_runs(qrels, run_a, run_b, metrics, names=(f"w={first}", f"w={second}")):
            print(f"{task} {item.metric}: w={first} {item.mean_a:.3f}, w={second} {item.mean_b:.3f} "
                  f"[{item.difference.low:+.3f}, {item.difference.high:+.3f}], p = {item.p_value:.4f}")  # fmt: skip
            results[f"{task} {item.metric}"] = {"a": item.mean_a, "b": item.mean_b, "p": item.p_value}
        scores = per_query_scores(qrels, run_b, metrics)
        summary = summarize_groups(scores, {query.id: query.group for query in queries[task]})
        if task != "mixed":
            matrix = {label: round(values[metrics[0]].mean, 3) for label, values in summary.items() if label != "all"}
            results[f"{task} {metrics[0]} pairs"] = matrix
            print(f"{task} {metrics[0]} (rows: question language, columns: language searched), w={second}")
            print("| | " + " | ".join(LANGUAGE_TAGS) + " |")
            for source in LANGUAGE_TAGS:
                cells = [f"{matrix[f'{source}>{target}']:.3f}" if source != target else "–" for target in LANGUAGE_TAGS]
                print(f"| {source} | " + " | ".join(cells) + " |")
            worst = min(matrix, key=matrix.get)
            print(f"worst pair {worst} {matrix[worst]:.3f}; pairs below .95: {sum(v < 0.95 for v in matrix.values())}")
        else:
            by_language = {label: round(values[metrics[0]].mean, 3) for label, values in summary.items() if label != "all"}
            results[f"{task} {metrics[0]} by question language"] = by_language
            print(f"mixed {metrics[0]} by question language, w={second}: {by_language}")
    if out is not None:
        out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
