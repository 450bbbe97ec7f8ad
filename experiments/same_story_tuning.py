"""Choose the same-story alignment rule on the NTREX dev fold; report it on the test fold.

Every pair of NTREX releases in different written languages (the index of all 123 articles,
as ``assistant eval ntrex`` builds it, and the shipped seed corpus) is aligned sentence by
sentence, as ``assistant.related.align`` does, for a grid of minimum cosines and margins. A rule
then links a pair when its aligned share reaches ``share``, or when at least ``count`` sentences
align with a share of at least ``count_share``. A second grid keeps the shipped margin rule and adds
the in-order rule: mutual best matches of cosine at least ``order_cosine`` within ``order_gap`` of the
same relative position, making a link from a share of ``order_share``. For each rule the script counts, per fold
(dev: both articles in 1-40; test: both in 41-123), the translation pairs linked and the pairs
of different articles linked (any fold), and whether the seed pair 000/001 stays linked:

    python -m experiments.same_story_tuning [--output report.json]

The rule kept is the one with no wrong link on the dev fold and the seeds linked that links the
most dev translation pairs (ties: the stricter thresholds).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from tqdm import tqdm

from assistant.related import best_matches, language_key
from evaluation.cli import default_ntrex_dir
from evaluation.ntrex_eval import prepare_ntrex
from index import chunk_db
from index.encoder import load_encoder
from index.settings import load_settings

DEV_ARTICLES = 40
COSINES = (0.25, 0.30, 0.35, 0.40)
MARGINS = (0.05, 0.10, 0.15)
SHARES = (0.30, 0.35, 0.40, 0.45, 0.50)
COUNTS = ((4, 0.25), (4, 0.30), (5, 0.25), (5, 0.30), (6, 0.25), (99, 1.0))
ORDER_COSINES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
ORDER_GAPS = (0.1, 0.2)
ORDER_SHARES = (0.3, 0.4, 0.5, 0.6)

app = typer.Typer(add_completion=False)


def release_sentences(index) -> dict[str, np.ndarray]:  # noqa: ANN001
    """Each release's distinct sentence vectors, as the chat's same-story step reads them."""
    from assistant.service import IndexReleases

    releases = IndexReleases(index)
    ids = [release_id for _, release_id in chunk_db.chunk_release_ids(index.db)]
    return releases.sentences(list(dict.fromkeys(ids)))


def aligned_counts(first: np.ndarray, second: np.ndarray) -> dict[tuple[float, float], int]:
    """Aligned sentence counts of one pair for every (minimum cosine, margin) of the grid."""
    matches = best_matches(first, second)
    counts = {
        (cosine, gap): int(np.count_nonzero(matches.mutual & (matches.cosine >= cosine) & (matches.margin >= gap)))
        for cosine, gap in itertools.product(COSINES, MARGINS)
    }
    for cosine, gap in itertools.product(ORDER_COSINES, ORDER_GAPS):
        counts[("order", cosine, gap)] = int(
            np.count_nonzero(matches.mutual & (matches.cosine >= cosine) & (matches.drift <= gap))
        )
    return counts


def pair_features(sentences: dict[str, np.ndarray], languages: dict[str, str]) -> list[dict]:
    ids = sorted(sentences)
    pairs = []
    for i, first in enumerate(tqdm(ids, desc="pairs", unit="release")):
        for second in ids[i + 1 :]:
            if language_key(languages[first]) == language_key(languages[second]):
                continue
            counts = aligned_counts(sentences[first], sentences[second])
            pairs.append({"pair": (first, second), "sizes": (len(sentences[first]), len(sentences[second])), "counts": counts})
    return pairs


def links(
    pair: dict, cosine: float, gap: float, share: float, count: int, count_share: float, order: tuple | None = None
) -> bool:
    aligned = pair["counts"][(cosine, gap)]
    first, second = pair["sizes"]
    fraction = (aligned / first + aligned / second) / 2
    if fraction >= share or (aligned >= count and fraction >= count_share):
        return True
    if order is None:
        return False
    order_cosine, order_gap, order_share = order
    in_order = pair["counts"][("order", order_cosine, order_gap)]
    return (in_order / first + in_order / second) / 2 >= order_share


def tally(pairs: list[dict], article_of: dict, fold, rule: tuple, order: tuple | None) -> dict:  # noqa: ANN001
    """Translation pairs, linked ones and wrong links per fold under one rule."""
    figures = {"dev": [0, 0, 0], "test": [0, 0, 0]}  # translations, linked, wrong
    wrong_pairs = []
    for pair in pairs:
        first, second = (article_of[release] for release in pair["pair"])
        linked = links(pair, *rule, order)
        if first == second:
            figures[fold(first)][0] += 1
            figures[fold(first)][1] += linked
        elif linked:
            figures[fold(first) if fold(first) == fold(second) else "test"][2] += 1
            wrong_pairs.append(pair["pair"])
    row = {f"{name}_{what}": value for name, values in figures.items()
           for what, value in zip(("translations", "linked", "wrong"), values, strict=True)}  # fmt: skip
    return {**row, "wrong_pairs": wrong_pairs[:10]}


def line(row: dict) -> str:
    order = f" order {row['order']}" if row.get("order") else ""
    linked = (row["dev_linked"] + row["test_linked"]) / max(1, row["dev_translations"] + row["test_translations"])
    return (
        f"cos {row['min_cosine']:.2f} margin {row['margin']:.2f} share {row['share']:.2f} "
        f"count {row['count']}/{row['count_share']:.2f}{order} seeds {row['seeds_linked']!s:5} | "
        f"dev {row['dev_linked']}/{row['dev_translations']} wrong {row['dev_wrong']} | "
        f"test {row['test_linked']}/{row['test_translations']} wrong {row['test_wrong']} | all {linked:.4f}"
    )


@app.command()
def main(output: Annotated[Path | None, typer.Option(help="Write the grid as JSON here.")] = None) -> None:
    """Print the chosen rule with its dev and test figures."""
    settings = load_settings()
    encoder = load_encoder(settings.model, settings)
    setup = prepare_ntrex(settings, encoder, default_ntrex_dir(), None)
    article_of = {item.release.id: int(item.article.doc_id) if str(item.article.doc_id).isdigit() else item.article.doc_id for item in setup.releases}
    languages = {item.release.id: item.tag for item in setup.releases}
    pairs = pair_features(release_sentences(setup.index), languages)
    from assistant.service import Assistant
    from evaluation.golden_eval import golden_index_settings

    seeds = Assistant(golden_index_settings(settings).index_dir, encoder).generation
    seed_sentences = release_sentences(seeds.searcher.index)
    seed_ids = sorted(seed_sentences)[:2]  # 000 and 001: one meeting, Bosnian and Macedonian
    seed = {"sizes": tuple(len(seed_sentences[i]) for i in seed_ids), "counts": aligned_counts(*(seed_sentences[i] for i in seed_ids))}
    order = sorted(set(article_of.values()), key=str)
    rank = {article: position + 1 for position, article in enumerate(order)}
    fold = lambda article: "dev" if rank[article] <= DEV_ARTICLES else "test"  # noqa: E731
    grid = []
    for cosine, gap, share, (count, count_share) in itertools.product(COSINES, MARGINS, SHARES, COUNTS):
        rule = (cosine, gap, share, count, count_share)
        grid.append({
            "min_cosine": cosine, "margin": gap, "share": share, "count": count, "count_share": count_share,
            "order": None, "seeds_linked": links(seed, *rule), **tally(pairs, article_of, fold, rule, None),
        })  # fmt: skip
    eligible = [row for row in grid if row["dev_wrong"] == 0 and row["seeds_linked"]]
    best = max(eligible, key=lambda row: (row["dev_linked"], row["min_cosine"], row["margin"], row["share"]))
    print("margin rule only, best 10 by dev links, then the chosen one:")
    for row in sorted(grid, key=lambda row: -row["dev_linked"])[:10] + [best]:
        print(line(row))
    shipped = (0.30, 0.10, 0.40, 4, 0.25)
    ordered = []
    for order in itertools.product(ORDER_COSINES, ORDER_GAPS, ORDER_SHARES):
        ordered.append({
            "min_cosine": shipped[0], "margin": shipped[1], "share": shipped[2], "count": shipped[3],
            "count_share": shipped[4], "order": order, "seeds_linked": links(seed, *shipped, order),
            **tally(pairs, article_of, fold, shipped, order),
        })  # fmt: skip
    eligible = [row for row in ordered if row["dev_wrong"] == 0 and row["seeds_linked"]]
    chosen = max(eligible, key=lambda row: (row["dev_linked"], row["order"][0], -row["order"][1], row["order"][2]))
    print("shipped margin rule plus the in-order rule (cosine, position gap, share):")
    for row in sorted(ordered, key=lambda row: (row["dev_wrong"], -row["dev_linked"]))[:12] + [chosen]:
        print(line(row))
    print("chosen:", line(chosen))
    grid += ordered
    if output is not None:
        output.write_text(json.dumps(grid, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    app()
