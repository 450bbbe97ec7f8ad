"""Shared pieces of the fault-injection scripts (crash, corruption, load).

The tests' deterministic trigram encoder registered as ``hash:<dimension>`` so the
scripts run in seconds without the real model, corpus variants that differ from one another, and a
snapshot of the search results for a fixed set of multilingual questions: two
indexes answer "the same" when their snapshots are equal.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from pathlib import Path

from index.encoder import register_encoder
from index.search import Searcher
from index.settings import REPO_CORPUS
from index.store import open_index
from tests.fake_encoder import HASH_PREFIX, TrigramEncoder

DEFAULT_SPEC = f"{HASH_PREFIX}:64"
SNAPSHOT_K = 5
QUERIES = (
    "border police chiefs meeting in Budva",
    "Sastanak šefova graničnih policija Zapadnog Balkana",
    "Европска унија донираше опрема на полицијата",
    "Колико миграната је прошло кроз Западни Балкан",
    "WBJAST krijumčarenje migranata",
)

Snapshot = list[list[tuple[int, str, float]]]


def register_hash_encoder() -> None:
    """Make ``hash:<dimension>`` a model spec ``index.encoder.load_encoder`` understands."""
    register_encoder(HASH_PREFIX, lambda rest: TrigramEncoder(int(rest or 64)))


def snapshot(index_dir: Path, encoder: object, mode: str = "hybrid", queries: Sequence[str] = QUERIES) -> Snapshot:
    """(chunk id, release id, rounded score) of the top hits of every query, from the live generation."""
    index = open_index(index_dir, expected_model_id=encoder.model_id)  # type: ignore[attr-defined]
    try:
        searcher = Searcher(index, encoder, mode=mode)  # type: ignore[arg-type]
        return [
            [(hit.chunk_id, hit.release_id, round(hit.score, 5)) for hit in searcher.search(query, k=SNAPSHOT_K)]
            for query in queries
        ]
    finally:
        index.close()


def base_corpus_files(corpus: Path | None = None) -> list[Path]:
    folder = corpus or REPO_CORPUS
    return sorted(path for path in folder.iterdir() if path.suffix in {".txt", ".md", ".html"})


def write_corpus_variant(target: Path, variant: int, base: Sequence[Path], extra_releases: int = 4) -> None:
    """Fill ``target`` with the base files plus synthetic releases that depend on ``variant``.

    Consecutive variants differ: each adds, changes and drops some synthetic releases,
    so an incremental build has work to do. The synthetic texts are sentences of the
    base releases in a seeded order, so language detection sees real text.
    """
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in base:
        shutil.copyfile(path, target / path.name)
    sentences = _sentences(base)
    chooser = random.Random(variant)
    for number in range(extra_releases):
        if (variant + number) % 3 == 0:
            continue  # this synthetic release is absent in this variant
        picked = chooser.sample(sentences, k=min(6, len(sentences)))
        # A unique prefix keeps every synthetic passage distinct (no tied scores).
        body = "\n\n".join(f"({variant}.{number}.{line}) {sentence}" for line, sentence in enumerate(picked))
        header = f"---\nid: synthetic-{number}\ntitle: Synthetic release {number} (variant {variant})\n---\n"
        (target / f"synthetic-{number}.txt").write_text(header + body + "\n", encoding="utf-8")


def _sentences(base: Sequence[Path]) -> list[str]:
    found: list[str] = []
    for path in base:
        text = path.read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[-1]
        found.extend(line.strip() for line in body.splitlines() if len(line.split()) >= 8)
    return found or ["Synthetic release text about migration in the Western Balkans."]
