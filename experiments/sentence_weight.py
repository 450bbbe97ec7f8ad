"""Choose the dense rule's sentence weight on the NTREX dev fold (articles 1-40).

A passage's dense score is ``w * best sentence cosine + (1 - w) * passage cosine``
(``index.sentence_ranking``). This indexes the dev fold once (the embedding cache
makes re-runs cheap), then scores the headline, passage and mixed tasks in dense
mode for each weight and prints the means and the worst language pair:

    python -m experiments.sentence_weight --weights 0,0.5,0.6,0.7,0.8,0.9,1
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from evaluation.cached_encoder import CachedEncoder
from evaluation.ntrex_eval import task_queries, warm_queries
from experiments.dev_split import evaluate_fold_task, prepare_fold
from index import sentence_ranking
from index.encoder import load_encoder
from index.settings import load_settings

TASKS = {"headline": "mrr@10", "passage": "hit_rate@10", "mixed": "ndcg@10"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="0,0.5,0.6,0.7,0.8,0.9,1")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "ntrex")
    parser.add_argument("--fold", default="dev", choices=("dev", "test"))
    parser.add_argument("--limit", type=int, default=None, help="first N articles of the fold")
    args = parser.parse_args(argv)
    settings = load_settings()
    encoder = CachedEncoder(load_encoder(settings.model, settings), settings.embedding_cache_path)
    setup = prepare_fold(settings, encoder, args.data, args.fold, args.limit)
    queries = {task: task_queries(setup, task) for task in TASKS}
    for items in queries.values():
        warm_queries(encoder, items)
    print(f"fold {args.fold}: {len(setup.articles)} articles; metric mean / worst pair (pair)")
    default = sentence_ranking.SENTENCE_WEIGHT
    try:
        with tempfile.TemporaryDirectory() as runs:
            for weight in (float(value) for value in args.weights.split(",")):
                sentence_ranking.SENTENCE_WEIGHT = weight
                cells = []
                for task, metric in TASKS.items():
                    result = evaluate_fold_task(
                        setup, encoder, args.fold, task, "dense", queries[task], Path(runs),
                        label=f"dense-w{weight}", progress=False,
                    )  # fmt: skip
                    cells.append(f"{task} {result.overall()[metric].mean:.3f}{_worst(result, metric)}")
                print(f"w={weight:.2f}  " + "  ".join(cells), flush=True)
    finally:
        sentence_ranking.SENTENCE_WEIGHT = default
        setup.index.close()


def _worst(result, metric: str) -> str:  # noqa: ANN001
    if "pair" not in result.groups:
        return ""
    pairs = {label: values[metric].mean for label, values in result.breakdown("pair").items() if label != "all"}
    pair = min(pairs, key=pairs.get)
    return f" / {pairs[pair]:.3f} ({pair})"


if __name__ == "__main__":
    main()
