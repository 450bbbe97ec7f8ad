"""Evaluate the chat on the golden questions: exactly what a user would get, per retrieval mode.

Each question goes through ``assistant.service.Assistant.ask`` (question check, search with the
chat's k, quote selection, no-answer threshold). The search the chat ran is repeated with the
same text and k to get the ranked hits for the release-level metrics.

- ``answer@1``: the answer span (or an alternative) occurs verbatim in the highest-scoring quote,
  and that quote comes from the span's release; ``answer@3``: in any of the three best quotes.
- ``highlight@1``: the best-scoring highlighted sentence of the highest-scoring quote holds the
  answer span (quote from the span's release); a declined answerable question counts as a miss.
- ``recall@5``, ``mrr@10``, ``ndcg@10``: release level (chunk hits mapped to releases, first
  occurrence kept), graded qrels (2 = answers, 1 = same story).
Unanswerable questions are not scored by ranx; the report gives how often the chat declined them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from corpus.release import Release
from evaluation.config_hash import (
    RunConfig,
    backend_suffix,
    config_hash,
    fusion_setting,
    sentence_setting,
    vector_store_setting,
)
from evaluation.golden_set import (
    GOLDEN_FILE,
    AnswerLocation,
    GoldenQuestion,
    check_against_corpus,
    is_cross_lingual,
    locate_answers,
)
from evaluation.metrics import per_query_scores, ranking_to_run_entry
from evaluation.results import TaskResult, save_task_run
from evaluation.retrieval import RELEASE_LEVEL, ranked_items
from index.build import BuildReport, build_index, release_content_hash
from index.settings import Settings

GOLDEN_INDEX_NAME = "eval-golden"
RANX_METRICS = ("recall@5", "mrr@10", "ndcg@10")
ANSWER_METRICS = ("answer@1", "answer@3", "highlight@1")
GOLDEN_METRICS = (*ANSWER_METRICS, *RANX_METRICS)
RELEASE_DEPTH = 10
GROUPINGS = ("query language", "document language", "cross-lingual", "kind")


@dataclass
class GoldenRun:
    result: TaskResult
    answers: dict[str, Any] = field(default_factory=dict)  # question id -> Answer


def golden_index_settings(settings: Settings) -> Settings:
    """The evaluation's own index; one per vector-store backend, so switching does not rebuild."""
    return settings.with_overrides(index_name=GOLDEN_INDEX_NAME + backend_suffix(settings))


def build_golden_index(settings: Settings, encoder: Any, releases: Sequence[Release], progress: bool) -> BuildReport:
    """Index the shipped corpus under its own name (the user's own index is never touched)."""
    return build_index(golden_index_settings(settings), encoder, releases, progress=progress)


def answer_found(question: GoldenQuestion, quotes: Sequence[Any], k: int) -> bool:
    """Whether one of the ``k`` best-scoring quotes holds an answer span of its own release."""
    best = sorted(quotes, key=lambda quote: -quote.score)[:k]
    return any(
        quote.release_id == span.release and span.text in quote.text for quote in best for span in question.answers
    )


def highlight_found(question: GoldenQuestion, quotes: Sequence[Any]) -> bool:
    """Whether the best highlighted sentence of the best-scoring quote holds an answer span of its release."""
    if not quotes:
        return False
    quote = max(quotes, key=lambda item: item.score)
    if not quote.highlights:
        return False
    best = max(quote.highlights, key=lambda span: span.score)
    sentence = quote.text[best.start - quote.start : best.end - quote.start]
    return any(quote.release_id == span.release and span.text in sentence for span in question.answers)


def question_groups(
    questions: Sequence[GoldenQuestion], locations: dict[str, list[AnswerLocation]]
) -> dict[str, dict[str, str]]:
    return {
        "query language": {q.id: q.lang for q in questions},
        "document language": {q.id: locations[q.id][0].tag for q in questions},
        "cross-lingual": {q.id: "yes" if is_cross_lingual(q, locations[q.id]) else "no" for q in questions},
        "kind": {q.id: q.kind for q in questions},
    }


def data_slice(questions_path: Path | Sequence[Path], releases: Sequence[Release]) -> dict[str, str]:
    """Identity of the evaluated data: the golden files' and the corpus's content hashes."""
    corpus = config_hash({release.id: release_content_hash(release) for release in releases})
    paths = [questions_path] if isinstance(questions_path, (str, Path)) else list(questions_path)
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return {"golden": digest.hexdigest()[:12], "corpus": corpus}


def evaluate_golden_mode(
    settings: Settings,
    encoder: Any,
    mode: str,
    questions: Sequence[GoldenQuestion],
    releases: Sequence[Release],
    runs_dir: Path,
    questions_path: Path | Sequence[Path] = GOLDEN_FILE,
    progress: bool = True,
) -> GoldenRun:
    """Ask every golden question through the chat's Assistant in ``mode`` and score it."""
    from assistant.service import SEARCH_K, Assistant

    check_against_corpus(questions, releases)
    by_id = {release.id: release for release in releases}
    answerable = [question for question in questions if question.answerable]
    locations = {question.id: locate_answers(question, by_id) for question in answerable}
    index_dir = golden_index_settings(settings).index_dir
    assistant = Assistant(index_dir, encoder, mode=mode, milvus_token=settings.store_location.token)
    chunking = assistant.searcher.index.manifest.chunking
    run: dict[str, dict[str, float]] = {}
    found: dict[str, dict[str, float]] = {metric: {} for metric in ANSWER_METRICS}
    answers: dict[str, Any] = {}
    started = time.perf_counter()
    for question in tqdm(questions, desc=f"golden ({mode})", unit="question", disable=not progress, leave=False):
        answer, _ = assistant.ask(question.text)
        answers[question.id] = answer
        if not question.answerable:
            continue
        hits = assistant.searcher.search(answer.search_text or question.text, k=SEARCH_K)
        run[question.id] = ranking_to_run_entry(ranked_items(hits, RELEASE_LEVEL, RELEASE_DEPTH))
        found["answer@1"][question.id] = float(answer_found(question, answer.quotes, 1))
        found["answer@3"][question.id] = float(answer_found(question, answer.quotes, 3))
        found["highlight@1"][question.id] = float(highlight_found(question, answer.quotes))
    seconds = time.perf_counter() - started
    qrels = {question.id: dict(question.relevant) for question in answerable}
    scores = {**found, **per_query_scores(qrels, run, RANX_METRICS)}
    config = RunConfig(
        task="golden",
        model_id=encoder.model_id,
        mode=assistant.mode,
        k=SEARCH_K,
        chunking=chunking,
        data={
            **data_slice(questions_path, releases),
            **fusion_setting(assistant.searcher),
            **sentence_setting(assistant.searcher),
            **vector_store_setting(assistant.searcher.index.vectors),
        },
    )
    result = TaskResult(
        task="golden",
        mode=assistant.mode,
        config=config,
        metrics=GOLDEN_METRICS,
        scores=scores,
        groups=question_groups(answerable, locations),
        extra={**_no_answer_facts(questions, answers), "seconds": round(seconds, 2)},
    )
    save_task_run(runs_dir, result, run, qrels)
    return GoldenRun(result=result, answers=answers)


def _no_answer_facts(questions: Sequence[GoldenQuestion], answers: dict[str, Any]) -> dict[str, Any]:
    declined = [q.id for q in questions if not q.answerable and answers[q.id].status == "no_answer"]
    unanswerable = [q.id for q in questions if not q.answerable]
    missed = [q.id for q in questions if q.answerable and answers[q.id].status != "answered"]
    answerable = [q.id for q in questions if q.answerable]
    return {
        "unanswerable_declined": f"{len(declined)}/{len(unanswerable)}",
        "answerable_declined": f"{len(missed)}/{len(answerable)}",
        "answerable_declined_ids": missed,
        "unanswerable_best_scores": {qid: _score(answers[qid]) for qid in unanswerable},
    }


def _score(answer: Any) -> float | None:
    return None if answer.best_score is None else round(float(answer.best_score), 4)


@dataclass
class GoldenEvaluation:
    results: list[TaskResult]
    report: Any  # evaluation.reports.ReportFiles
    composition: dict[str, Any]
    build: BuildReport


def run_golden_evaluation(
    settings: Settings,
    encoder: Any,
    modes: Sequence[str],
    out_dir: Path,
    releases: Sequence[Release],
    questions_path: Path = GOLDEN_FILE,
    progress: bool = True,
    extra_paths: Sequence[Path] = (),
) -> GoldenEvaluation:
    """Index the corpus, evaluate every mode, compare them with the default mode, write the report.

    ``extra_paths`` are reviewed golden files (e.g. from ``assistant feedback propose-golden``)
    scored together with ``questions_path``.
    """
    from evaluation.golden_set import composition, load_golden_files
    from evaluation.mode_comparison import compare_modes
    from evaluation.reports import ReportSection, build_summary, write_report

    paths = [questions_path, *extra_paths]
    questions = load_golden_files(paths)
    check_against_corpus(questions, releases)
    build = build_golden_index(settings, encoder, releases, progress)
    runs_dir = out_dir / "runs"
    results = [
        evaluate_golden_mode(settings, encoder, mode, questions, releases, runs_dir, paths, progress).result
        for mode in modes
    ]
    mix = composition(questions, releases)
    section = ReportSection(
        task="golden",
        title="Golden questions (shipped corpus)",
        results=results,
        groupings=list(GROUPINGS),
        comparisons=compare_modes(results, RANX_METRICS, default_mode=settings.retrieval_mode),
        notes=[
            "answer@k: an answer span occurs verbatim in one of the k highest-scoring quotes the chat shows "
            "(quote from the span's release). Release metrics: chunk hits mapped to releases, first occurrence kept.",
            "Declined (no-answer) counts per mode: "
            + "; ".join(
                f"{r.mode}: unanswerable declined {r.extra['unanswerable_declined']}, "
                f"answerable declined {r.extra['answerable_declined']}"
                for r in results
            ),
        ],
    )
    facts = {
        "model": encoder.model_id,
        "questions": f"{mix['questions']} ({mix['answerable']} answerable, {mix['unanswerable']} unanswerable)",
        "golden files": [path.name for path in map(Path, paths)],
        "per language (answerable)": mix["per_language"],
        "answer language": mix["per_answer_language"],
        "cross-lingual (other family or script)": f"{mix['cross_lingual']} ({mix['cross_lingual_share']:.0%})",
        "other language tag": f"{mix['other_language']} ({mix['other_language_share']:.0%})",
        "index": build_summary(build),
        "seconds per mode": {r.mode: r.extra["seconds"] for r in results},
        "vectors (prompt: encoded / from cache)": {
            prompt: f"{stats.encoded} / {stats.cache_hits}" for prompt, stats in getattr(encoder, "stats", {}).items()
        },
    }
    name = f"golden-{config_hash({'runs': [result.config.hash for result in results]})}"
    report = write_report(out_dir, name, "Golden set evaluation", [section], facts)
    return GoldenEvaluation(results=results, report=report, composition=mix, build=build)
