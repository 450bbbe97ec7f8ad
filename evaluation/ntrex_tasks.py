"""The three NTREX retrieval tasks as lists of judged queries.

- ``headline``: the headline of an article in language X, searched with language filter Y (X != Y);
  relevant: the Y version of the article (release level). Same-language pairs are left out
  because the headline is also the first line of its own release, which would make them trivial.
- ``passage``: one body sentence in X (``SENTENCES_PER_ARTICLE`` per article, fixed seed), filter Y;
  relevant: the chunk(s) of the Y version holding the aligned sentence (passage level).
- ``mixed``: the headline in X without any language filter; relevant: all six versions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from evaluation.ntrex import Article, sample_body_lines
from evaluation.retrieval import CHUNK_LEVEL, RELEASE_LEVEL, EvalQuery

TASKS = ("headline", "passage", "mixed")
SENTENCES_PER_ARTICLE = 3
SENTENCE_SEED = 128


class ChunkSpan(Protocol):
    id: int | str
    start: int
    end: int


def pair_label(source: str, target: str) -> str:
    return f"{source}>{target}"


def ordered_pairs(tags: Sequence[str]) -> list[tuple[str, str]]:
    return [(source, target) for source in tags for target in tags if source != target]


def headline_queries(articles: Sequence[Article], tags: Sequence[str]) -> list[EvalQuery]:
    return [
        EvalQuery(
            id=f"headline|{article.doc_id}|{pair_label(source, target)}",
            text=article.headline(source),
            lang=source,
            relevant={article.release_id(target): 1},
            languages=(target,),
            level=RELEASE_LEVEL,
            group=pair_label(source, target),
        )
        for article in articles
        for source, target in ordered_pairs(tags)
    ]


def mixed_queries(articles: Sequence[Article], tags: Sequence[str]) -> list[EvalQuery]:
    return [
        EvalQuery(
            id=f"mixed|{article.doc_id}|{source}",
            text=article.headline(source),
            lang=source,
            relevant={article.release_id(tag): 1 for tag in tags},
            languages=(),
            level=RELEASE_LEVEL,
            group=source,
        )
        for article in articles
        for source in tags
    ]


def chunks_holding(chunks: Sequence[ChunkSpan], start: int, end: int) -> list[str]:
    """Ids of the chunks that contain ``[start, end)`` whole; if none does, those overlapping it."""
    containing = [str(chunk.id) for chunk in chunks if chunk.start <= start and end <= chunk.end]
    if containing:
        return containing
    return [str(chunk.id) for chunk in chunks if chunk.start < end and start < chunk.end]


def passage_queries(
    articles: Sequence[Article],
    tags: Sequence[str],
    line_spans: Mapping[str, Sequence[tuple[int, int]]],
    chunks_by_release: Mapping[str, Sequence[ChunkSpan]],
    per_article: int = SENTENCES_PER_ARTICLE,
    seed: int = SENTENCE_SEED,
) -> list[EvalQuery]:
    """``line_spans``: release id -> offsets of each line; ``chunks_by_release``: the indexed chunks."""
    queries: list[EvalQuery] = []
    for article in articles:
        for line in sample_body_lines(article, per_article, seed):
            for source, target in ordered_pairs(tags):
                target_release = article.release_id(target)
                start, end = line_spans[target_release][line]
                relevant = chunks_holding(chunks_by_release.get(target_release, ()), start, end)
                if not relevant:
                    raise ValueError(f"no indexed chunk of {target_release} holds line {line} ({start}-{end})")
                queries.append(
                    EvalQuery(
                        id=f"passage|{article.doc_id}|{line}|{pair_label(source, target)}",
                        text=article.lines[source][line],
                        lang=source,
                        relevant={chunk_id: 1 for chunk_id in relevant},
                        languages=(target,),
                        level=CHUNK_LEVEL,
                        group=pair_label(source, target),
                    )
                )
    return queries
