"""Experiment: Serbian Cyrillic sent to the dense model in Latin script.

EmbeddingGemma ranks Serbian Cyrillic passages lower against the other languages than Latin
Serbian ones. Serbian has two exactly equivalent scripts, so a Serbian Cyrillic text can be
embedded as its Latin transliteration (cyrtranslit's Serbian table, č ć š ž đ kept; no case
or diacritic folding as in ``index.folding``). Macedonian stays Cyrillic.

``SerbianLatinEncoder`` wraps an encoder and transliterates the texts it is asked to encode
(chunks and questions), so the index keeps the original text and offsets; its ``model_id``
gets a ``+sr-latin`` suffix, so its vectors are cached and indexed apart from the plain
model's. The experiment indexes NTREX fold slices under their own names
(``ntrex-<fold>-<n>-sr-latin``) and compares dense retrieval with and without it, per group
of language pairs: headline MRR@10 and passage R@10 (any), paired Fisher randomization tests.

    python -m experiments.script_folding_experiment --fold test --limit 16 --fold-dev-limit 10
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import cyrtranslit
import numpy as np
import typer
from rich.console import Console
from rich.markup import escape

from corpus.language import detect_languages, script_of
from evaluation.config_hash import config_hash
from evaluation.metrics import compare_runs, metric_label
from evaluation.results import TaskResult
from index.durable import atomic_write_text

MODEL_SUFFIX = "+sr-latin"
# Task -> metric compared (the issue's: headline MRR@10, passage R@10 (any)).
EXPERIMENT_METRICS = {"headline": "mrr@10", "passage": "hit_rate@10"}
# Groups of language pairs; a pair may be in two (sr-Cyrl>mk is in both sr-Cyrl groups).
PAIR_GROUPS = ("sr-Cyrl pairs", "sr-Cyrl and mk pairs", "mk pairs (no sr-Cyrl)", "other pairs")
SERBIAN_CYRILLIC = "sr-Cyrl"
_CYRILLIC_WORD = re.compile(r"[\u0400-\u052f]+")

console = Console()


def is_serbian_cyrillic(text: str) -> bool:
    """Cyrillic text that ``corpus.language`` labels Serbian (ђ ћ mean Serbian, ѓ ќ ѕ Macedonian)."""
    if script_of(text) != "Cyrl":
        return False
    guess = detect_languages([text])[0]
    return guess.language == "sr"


def serbian_to_latin(text: str) -> str:
    """Serbian Cyrillic letters to Latin (Љубав → Ljubav, ђ → đ, ЉУБАВ → LJUBAV); the rest kept."""
    return _CYRILLIC_WORD.sub(_word_to_latin, text)


def _word_to_latin(match: re.Match[str]) -> str:
    word = match.group(0)
    latin = cyrtranslit.to_latin(word, "sr")
    return latin.upper() if len(word) > 1 and word.isupper() else latin  # cyrtranslit writes ЉУ as "LjU"


def encoder_text(text: str) -> str:
    """What the model is given for ``text``: its Latin form when it is Serbian Cyrillic."""
    return serbian_to_latin(text) if is_serbian_cyrillic(text) else text


class SerbianLatinEncoder:
    """An ``index.encoder.Encoder`` giving ``inner`` Serbian Cyrillic texts in Latin script."""

    def __init__(self, inner: Any, transform: Callable[[str], str] = encoder_text) -> None:
        self.inner = inner
        self.transform = transform
        self.model_id = f"{inner.model_id}{MODEL_SUFFIX}"
        self.dimension = inner.dimension
        self.transliterated: set[str] = set()  # distinct texts the transform changed so far

    def _texts(self, texts: Sequence[str]) -> list[str]:
        changed = [self.transform(text) for text in texts]
        self.transliterated.update(old for old, new in zip(texts, changed) if old != new)
        return changed

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        return self.inner.encode(self._texts(texts), prompt_name, progress)

    def warm(self, texts: Sequence[str], prompt_name: str, progress: bool = True) -> None:
        """Pass a batch warm-up on to ``inner`` (an ``evaluation.cached_encoder.CachedEncoder``)."""
        if hasattr(self.inner, "warm"):
            self.inner.warm(self._texts(texts), prompt_name, progress=progress)


def pair_groups(pair: str) -> list[str]:
    """The ``PAIR_GROUPS`` of a ``source>target`` pair: ``en>sr-Cyrl`` → sr-Cyrl pairs;
    ``sr-Cyrl>mk`` → sr-Cyrl pairs and sr-Cyrl and mk pairs; ``mk>hr`` → mk pairs (no sr-Cyrl)."""
    tags = set(pair.split(">"))
    if SERBIAN_CYRILLIC in tags:
        return [PAIR_GROUPS[0], PAIR_GROUPS[1]] if "mk" in tags else [PAIR_GROUPS[0]]
    return [PAIR_GROUPS[2]] if "mk" in tags else [PAIR_GROUPS[3]]


def subset(mapping: Mapping[str, Any], queries: Sequence[str]) -> dict[str, Any]:
    return {query: mapping[query] for query in queries if query in mapping}


@dataclass
class GroupComparison:
    fold: str
    task: str
    group: str
    n: int
    plain: float
    latin: float
    difference_low: float
    difference_high: float
    p_value: float


def compare_groups(fold: str, task: str, plain: TaskResult, latin: TaskResult) -> list[GroupComparison]:
    """Plain vs Latin-Serbian dense runs on each pair group (and all pairs), paired by query."""
    metric = EXPERIMENT_METRICS[task]
    pairs = plain.groups["pair"]
    members: dict[str, list[str]] = {"all pairs": sorted(plain.qrels)}
    for query in sorted(plain.qrels):
        for group in pair_groups(pairs[query]):
            members.setdefault(group, []).append(query)
    rows = []
    for group in ("all pairs", *PAIR_GROUPS):
        queries = members.get(group, [])
        if not queries:
            continue
        qrels = subset(plain.qrels, queries)
        plain_run, latin_run = subset(plain.run, queries), subset(latin.run, queries)
        item = compare_runs(qrels, plain_run, latin_run, [metric], names=("plain", "sr-latin"))[0]
        rows.append(
            GroupComparison(
                fold, task, group, len(queries), item.mean_a, item.mean_b,
                item.difference.low, item.difference.high, item.p_value,
            )
        )
    return rows


def run_experiment(
    settings: Any,
    encoder: Any,
    data_dir: Path,
    slices: Sequence[tuple[str, int | None]],
    out_dir: Path,
    progress: bool = True,
) -> tuple[Path, list[GroupComparison], dict[str, Any]]:
    """Dense retrieval with the plain and the Latin-Serbian encoder on each fold slice; one report."""
    from experiments.dev_split import evaluate_fold_task, fold_index_name, prepare_fold
    from evaluation.ntrex_eval import task_queries, warm_queries

    latin_encoder = SerbianLatinEncoder(encoder)
    runs_dir = out_dir / "runs"
    comparisons: list[GroupComparison] = []
    facts: dict[str, Any] = {"model": encoder.model_id, "slices": {}}
    started = time.perf_counter()
    for fold, limit in slices:
        plain_setup = prepare_fold(settings, encoder, data_dir, fold, limit, progress)
        latin_name = f"{fold_index_name(fold, limit)}-sr-latin"
        before = len(latin_encoder.transliterated)
        model_calls_before = _documents_encoded(encoder)
        latin_setup = prepare_fold(settings, latin_encoder, data_dir, fold, limit, progress, index_name=latin_name)
        hashes: dict[str, dict[str, str]] = {}
        try:
            for task in EXPERIMENT_METRICS:
                queries = task_queries(plain_setup, task)
                warm_queries(encoder, queries, progress)
                warm_queries(latin_encoder, queries, progress)  # type: ignore[arg-type]
                plain = evaluate_fold_task(
                    plain_setup, encoder, fold, task, "dense", queries, runs_dir, progress=progress
                )
                latin = evaluate_fold_task(
                    latin_setup, latin_encoder, fold, task, "dense", queries, runs_dir,
                    label="dense-sr-latin", progress=progress,
                )
                hashes[task] = {"plain": plain.config.hash, "sr-latin": latin.config.hash}
                comparisons += compare_groups(fold, task, plain, latin)
        finally:
            plain_setup.index.close()
            latin_setup.index.close()
        facts["slices"][f"{fold} {len(plain_setup.articles)} articles"] = {
            "indexes": [plain_setup.settings.index_name, latin_name],
            "chunks": plain_setup.build.chunks,
            # Only transliterated chunks and sentences that no plain text already is go through the model.
            "texts of the sr-latin index through the model": _documents_encoded(encoder) - model_calls_before,
            "distinct texts transliterated (chunks and questions)": len(latin_encoder.transliterated) - before,
            "run config hashes": hashes,
        }
    facts["seconds"] = round(time.perf_counter() - started, 1)
    return write_experiment_report(out_dir, comparisons, facts), comparisons, facts


def _documents_encoded(encoder: Any) -> int:
    """Passages ``encoder`` (a ``CachedEncoder``) has sent to its model so far."""
    stats = getattr(encoder, "stats", {}).get("document")
    return stats.encoded if stats is not None else 0


def write_experiment_report(out_dir: Path, comparisons: Sequence[GroupComparison], facts: Mapping[str, Any]) -> Path:
    lines = ["# Serbian Cyrillic embedded in Latin script (dense leg), NTREX-128", ""]
    lines += [f"- **{key}**: `{json.dumps(value, ensure_ascii=False)}`" for key, value in facts.items()]
    lines += [
        "",
        "Dense mode, same queries and judgements; B − A interval: paired bootstrap; p: Fisher randomization test.",
        "",
        "| fold | task | metric | pairs | n | plain (A) | sr-latin (B) | B − A [95% CI] | p |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in comparisons:
        lines.append(
            f"| {row.fold} | {row.task} | {metric_label(EXPERIMENT_METRICS[row.task])} | {row.group} | {row.n} | "
            f"{row.plain:.3f} | {row.latin:.3f} | {row.latin - row.plain:+.3f} [{row.difference_low:+.3f}, "
            f"{row.difference_high:+.3f}] | {row.p_value:.4f}{' *' if row.p_value <= 0.05 else ''} |"
        )
    name = f"script-folding-{config_hash({'facts': dict(facts), 'rows': [vars(r) for r in comparisons]})}"
    path = out_dir / f"{name}.md"
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\n".join(lines) + "\n")
    atomic_write_text(
        out_dir / f"{name}.json",
        json.dumps({"facts": dict(facts), "rows": [vars(row) for row in comparisons]}, ensure_ascii=False, indent=1)
        + "\n",
    )
    return path


def main(
    fold: Annotated[str, typer.Option("--fold", help="Fold of the main slice: dev or test.")] = "test",
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="First N articles of --fold.")] = None,
    dev_limit: Annotated[
        int, typer.Option("--fold-dev-limit", min=0, help="Also run the first N dev articles (0: no dev slice).")
    ] = 0,
    data: Annotated[Path | None, typer.Option("--data", help="NTREX-128 folder.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Report folder (default: <home>/reports).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bars.")] = False,
) -> None:
    """Compare dense retrieval with and without Serbian Cyrillic → Latin before embedding."""
    from evaluation.cached_encoder import CachedEncoder
    from evaluation.cli import default_ntrex_dir
    from index.encoder import load_encoder
    from index.settings import load_settings

    settings = load_settings()
    encoder = CachedEncoder(load_encoder(settings.model, settings), settings.embedding_cache_path)
    slices = ([("dev", dev_limit)] if dev_limit else []) + [(fold, limit)]
    out_dir = out or settings.home / "reports"
    path, rows, _ = run_experiment(settings, encoder, data or default_ntrex_dir(), slices, out_dir, not quiet)
    for row in rows:
        console.print(
            f"{row.fold:4} {row.task:8} {row.group:22} n={row.n:4} plain {row.plain:.3f} → sr-latin {row.latin:.3f} "
            f"(p={row.p_value:.4f})"
        )
    console.print(f"Report: {escape(str(path))}")


if __name__ == "__main__":
    typer.run(main)
