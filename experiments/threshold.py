"""Measure the assistant's two thresholds on the shipped corpus with the real model.

No-answer threshold (``assistant.service.NO_ANSWER_THRESHOLD``): the best question–sentence
cosine among the retrieved hits (``assistant.answer.relevance_of``), for three groups of questions:

* answerable: the golden set's answerable questions (evaluation/golden/questions.jsonl);
* on-topic unanswerable: the golden set's unanswerable questions (migration topics the
  corpus does not answer);
* off-topic: ``OFF_TOPIC_QUESTIONS`` (experiments/measurement.py), in the six supported languages.

Same-story threshold (``assistant.related.SAME_STORY_THRESHOLD``, with ``--related``): the
sentence-alignment score of every release pair of the shipped corpus (000/001 is the one
known cross-language pair), and of NTREX-128 articles: the same article in two languages
(translations) against different articles.

Usage::

    python -m experiments.threshold [--home DIR] [--related] [--ntrex-articles 10] [--output report.json]
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from experiments.measurement import OFF_TOPIC_QUESTIONS, measurement_assistant
from index.settings import REPO_CORPUS

DEFAULT_NTREX_ARTICLES = 10

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def summary(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "min": round(ordered[0], 4),
        "p10": round(ordered[max(0, int(0.1 * (len(ordered) - 1)))], 4),
        "median": round(statistics.median(ordered), 4),
        "max": round(ordered[-1], 4),
    }


def separating_threshold(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Midpoint of the gap when the groups separate, else the cut with the best balanced accuracy."""
    if min(positives) > max(negatives):
        return (min(positives) + max(negatives)) / 2
    candidates = sorted(set(positives) | set(negatives))

    def balanced_accuracy(cut: float) -> float:
        kept = sum(value >= cut for value in positives) / len(positives)
        refused = sum(value < cut for value in negatives) / len(negatives)
        return (kept + refused) / 2

    return max(candidates, key=balanced_accuracy)


def best_relevance(assistant, question: str) -> tuple[float, str]:
    """The best cosine among the hits the chat would retrieve, and the release it is in."""
    from assistant.service import SEARCH_K, relevance as hit_relevance

    hits = assistant.searcher.search(question, k=SEARCH_K)
    relevance = hit_relevance(hits)
    best = max(hits, key=lambda hit: relevance[hit.chunk_id])
    return relevance[best.chunk_id], best.release_id


def measure_no_answer(assistant) -> dict:
    from assistant.service import NO_ANSWER_THRESHOLD
    from evaluation.golden_set import load_golden

    golden = load_golden()
    groups: dict[str, list[tuple[str, float, str]]] = {"answerable": [], "on_topic_unanswerable": [], "off_topic": []}
    answered: dict[str, int] = {name: 0 for name in groups}  # by the chat itself: the score gate and the year check
    asked = [(q.text, "answerable" if q.answerable else "on_topic_unanswerable") for q in golden]
    for text, group in asked + [(text, "off_topic") for text in OFF_TOPIC_QUESTIONS]:
        score, release = best_relevance(assistant, text)
        groups[group].append((text, score, release))
        answered[group] += assistant.ask(text)[0].status == "answered"
    scores = {name: [score for _, score, _ in rows] for name, rows in groups.items()}
    negatives = scores["on_topic_unanswerable"] + scores["off_topic"]
    return {
        "summary": {name: summary(values) for name, values in scores.items()},
        "threshold_vs_off_topic": round(separating_threshold(scores["answerable"], scores["off_topic"]), 4),
        "threshold_vs_all_unanswerable": round(separating_threshold(scores["answerable"], negatives), 4),
        "configured": NO_ANSWER_THRESHOLD,
        "configured_outcome": {
            name: f"{sum(value >= NO_ANSWER_THRESHOLD for value in values)}/{len(values)} answered"
            for name, values in scores.items()
        },
        "chat_outcome": {name: f"{answered[name]}/{len(values)} answered" for name, values in scores.items()},
        "questions": {name: [[text, round(score, 4), release] for text, score, release in rows] for name, rows in groups.items()},
    }


def measure_related(assistant, settings, encoder, articles: int) -> dict:
    """Seed pairs' alignments, and on NTREX: the share of translation pairs linked and the wrong links.

    The NTREX releases are the ones ``assistant eval ntrex`` indexes (all six languages; the first
    ``articles`` articles, or all 123 with 0 < articles >= 123), in the same index, so nothing is
    embedded twice.
    """
    from assistant.related import SAME_STORY_THRESHOLD, language_key
    from assistant.service import Assistant

    infos = assistant.generation.infos
    seed_pairs = [
        {
            "pair": [first, second],
            "languages": [infos[first].main_language, infos[second].main_language],
            "different_language": language_key(infos[first].main_language) != language_key(infos[second].main_language),
            "share": round(alignment.share, 4),
            "aligned_sentences": alignment.aligned,
            "same_story": alignment.same_story(),
        }
        for first, second, alignment in assistant.generation.related.pair_alignments()
    ]
    result: dict = {"configured": SAME_STORY_THRESHOLD, "seed_pairs": seed_pairs}
    if articles <= 0:
        return result

    from evaluation.cli import default_ntrex_dir
    from evaluation.ntrex_eval import prepare_ntrex

    setup = prepare_ntrex(settings, encoder, default_ntrex_dir(), articles if articles < 123 else None)
    setup.index.close()
    tag_of = {item.release.id: (item.article.doc_id, item.tag) for item in setup.releases}
    ntrex = Assistant(setup.settings.index_dir, encoder, mode="dense")
    linked, translations, wrong, wrong_pairs = 0, 0, 0, []
    for first, second, alignment in ntrex.generation.related.pair_alignments():
        (first_doc, first_tag), (second_doc, second_tag) = tag_of[first], tag_of[second]
        if language_key(first_tag) == language_key(second_tag):
            continue  # never linked: same written language
        if first_doc == second_doc:
            translations += 1
            linked += alignment.same_story()
        elif alignment.same_story():
            wrong += 1
            wrong_pairs.append([first, second, round(alignment.share, 4), alignment.aligned])
    result["ntrex"] = {
        "articles": len(setup.articles),
        "translation_pairs": translations,
        "translation_pairs_linked": linked,
        "linked_share": round(linked / translations, 4) if translations else None,
        "different_article_pairs_linked": wrong,
        "wrong_links": wrong_pairs[:20],
    }
    return result


@app.command()
def main(
    home: Annotated[Path | None, typer.Option(help="Assistant home (model and caches); default as configured.")] = None,
    corpus: Annotated[Path, typer.Option(help="Corpus to measure on.")] = REPO_CORPUS,
    related: Annotated[bool, typer.Option("--related", help="Also measure the same-story threshold.")] = False,
    ntrex_articles: Annotated[int, typer.Option(help="NTREX articles for --related (0 skips NTREX, 123 = all).")] = DEFAULT_NTREX_ARTICLES,
    output: Annotated[Path | None, typer.Option(help="Write the full report as JSON here.")] = None,
) -> None:
    """Print score distributions and the thresholds they suggest."""
    settings, encoder, assistant = measurement_assistant(home, corpus)
    report = {"model_id": encoder.model_id, "mode": assistant.mode, "no_answer": measure_no_answer(assistant)}
    if related:
        report["related"] = measure_related(assistant, settings, encoder, ntrex_articles)
    shown = {key: value for key, value in report.items()}
    shown["no_answer"] = {key: value for key, value in report["no_answer"].items() if key != "questions"}
    typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    if output is not None:
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    app()

