"""What sentence vectors add to the cost of building an index: encode time, chunks alone vs chunks + sentences.

The model's encode time is the build's cost (over 99% of a build; see the bench). This
splits the shipped corpus (or the first NTREX articles) into chunks and their sentences
exactly as ``assistant index build`` does and encodes, without any cache, the distinct
chunk texts, then the distinct sentence texts that are not also a whole chunk (those come
from the cache in a build). It alternates the two ``--rounds`` times so that load from other
jobs hits both alike, and reports the minimum of each and their ratio:

    build cost ratio = (chunk time + sentence time) / chunk time

Usage::

    python -m experiments.build_cost [--ntrex-articles 10] [--rounds 2]
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def texts_of(releases: list) -> tuple[list[str], list[str]]:
    """Distinct chunk texts and distinct sentence texts that are not a whole chunk."""
    from index.chunking import chunk_release
    from index.sentences import chunk_sentences

    chunks = [chunk for release in releases for chunk in chunk_release(release)]
    chunk_texts = list(dict.fromkeys(chunk.text for chunk in chunks))
    whole = set(chunk_texts)
    sentences = [s.text for chunk in chunks for s in chunk_sentences(chunk) if s.text not in whole]
    return chunk_texts, list(dict.fromkeys(sentences))


def encode_seconds(encoder, texts: list[str]) -> float:  # noqa: ANN001
    from index.embedding_cache import DEFAULT_ENCODE_BATCH
    from index.encoder import DOCUMENT_PROMPT

    ordered = sorted(texts, key=len)  # as embed_with_cache orders its misses
    started = time.perf_counter()
    for offset in range(0, len(ordered), DEFAULT_ENCODE_BATCH):
        encoder.encode(ordered[offset : offset + DEFAULT_ENCODE_BATCH], DOCUMENT_PROMPT)
    return time.perf_counter() - started


@app.command()
def main(
    ntrex_articles: Annotated[int, typer.Option(help="Use the first N NTREX articles (6 languages) instead of the shipped corpus.")] = 0,
    ntrex_dir: Annotated[Path, typer.Option(help="NTREX-128 folder.")] = Path("../shared/data/ntrex"),
    rounds: Annotated[int, typer.Option(min=1)] = 2,
    output: Annotated[Path | None, typer.Option(help="Write the report as JSON here.")] = None,
) -> None:
    from corpus.loader import load_corpus
    from index.encoder import load_encoder
    from index.settings import REPO_CORPUS, load_settings

    settings = load_settings()
    encoder = load_encoder(settings.model, settings)
    if ntrex_articles:
        from evaluation.ntrex import LANGUAGE_TAGS, load_articles
        from evaluation.ntrex_releases import ntrex_releases

        articles = load_articles(ntrex_dir, limit=ntrex_articles)
        releases = [item.release for item in ntrex_releases(articles, LANGUAGE_TAGS)]
        corpus = f"NTREX-128, first {ntrex_articles} articles × {len(LANGUAGE_TAGS)} languages"
    else:
        releases = list(load_corpus(REPO_CORPUS).releases)
        corpus = "shipped releases"
    chunk_texts, sentence_texts = texts_of(releases)
    encoder.encode(["warm-up"], "document")
    chunk_times, sentence_times = [], []
    load_before = os.getloadavg()
    for _ in range(rounds):
        chunk_times.append(encode_seconds(encoder, chunk_texts))
        sentence_times.append(encode_seconds(encoder, sentence_texts))
    chunks_s, sentences_s = min(chunk_times), min(sentence_times)
    report = {
        "corpus": corpus,
        "model": encoder.model_id,
        "chunks": len(chunk_texts),
        "sentences_embedded": len(sentence_texts),
        "chunk_seconds": round(chunks_s, 2),
        "sentence_seconds": round(sentences_s, 2),
        "build_cost_ratio": round((chunks_s + sentences_s) / chunks_s, 2),
        "rounds": rounds,
        "load_average": [load_before, os.getloadavg()],
    }
    typer.echo(json.dumps(report, indent=2))
    if output is not None:
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    app()
