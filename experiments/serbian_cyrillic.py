"""Two ways to lift Serbian Cyrillic, measured on the NTREX dev fold with the shipped dense rule.

- ``views``: every sentence of a Serbian Cyrillic passage also gets a vector of its Latin
  transliteration (cyrtranslit), and the passage's best sentence is the better of the two views;
- ``question``: a Serbian Cyrillic question is also searched in Latin script, and each passage
  keeps the better of its two combined scores.

Since the index stores Latin views itself (index/sentence_views.py), ``shipped`` on an index built
after that change already includes them; the README's "neither" row was measured on an older index.
Both are replayed over the candidates the shipped search finds (``dense_scores``), so a view can
only re-rank those, never add new ones. Prints the headline MRR@10 and passage R@10 means over the
pairs with Serbian Cyrillic on either side, over the Macedonian pairs, and the worst pair:

    python -m experiments.serbian_cyrillic [--fold dev|test] [--whole-index]

``--whole-index`` searches the index of all 123 articles (as ``assistant eval ntrex`` does) and scores
only the fold's questions; the column "into sr-Cyrl" is the mean over the five pairs whose searched
language is Serbian Cyrillic, the weak column of the test fold.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cyrtranslit
import numpy as np

from evaluation.cached_encoder import CachedEncoder
from evaluation.ntrex_eval import task_queries, warm_queries
from evaluation.ntrex_eval import prepare_ntrex
from experiments.dev_split import fold_articles, prepare_fold
from experiments.sentence_weight import RankedChunk, pair_means
from index import chunk_db
from index.encoder import DOCUMENT_PROMPT, QUERY_PROMPT, load_encoder
from index.search import normalize_question
from index.sentence_ranking import combine, passage_scores, sentence_scores, dense_scores
from index.sentences import chunk_sentences
from index.settings import load_settings
from index.vector_store import round_to_half

TASKS = {"headline": "mrr@10", "passage": "hit_rate@10"}
VARIANTS = ("shipped", "views", "question", "views+question")


def latin(text: str) -> str:
    return cyrtranslit.to_latin(text, "sr")


class VariantSearcher:
    def __init__(self, setup, encoder: CachedEncoder, languages: dict[str, str]) -> None:  # noqa: ANN001
        self.index, self.encoder, self.languages = setup.index, encoder, languages
        records = {chunk.id: chunk for chunks in setup.chunks_by_release.values() for chunk in chunks}
        self.release_of = {chunk_id: chunk.release_id for chunk_id, chunk in records.items()}
        self.cyrillic_serbian = {chunk_id for chunk_id, chunk in records.items() if (chunk.language, chunk.script) == ("sr", "Cyrl")}
        self.texts = {item.release.id: item.release.text for item in setup.releases}
        self.variant = "shipped"

    def _query(self, text: str) -> np.ndarray:
        return self.encoder.encode([normalize_question(text)], QUERY_PROMPT)[0]

    def _scores(self, query: np.ndarray, candidates: list[int], views: bool) -> dict[int, float]:
        index = self.index
        passages = passage_scores(index.vectors, query, candidates, {})
        sentences = sentence_scores(index.db, index.sentences, query, candidates)
        result = {}
        for chunk in candidates:
            best = max((s.score for s in sentences[chunk]), default=passages[chunk])
            if views and chunk in self.cyrillic_serbian and sentences[chunk]:
                text = self.texts[self.release_of[chunk]]
                latin_texts = [latin(text[s.start : s.end]) for s in sentences[chunk]]
                vectors = round_to_half(self.encoder.encode(latin_texts, DOCUMENT_PROMPT))
                best = max(best, float(np.max(vectors @ query)))
            result[chunk] = combine(best, passages[chunk])
        return result

    def search(self, question: str, k: int = 10, filters=None) -> list[RankedChunk]:  # noqa: ANN001
        views = "views" in self.variant
        queries = [self._query(question)]
        if "question" in self.variant and self.languages.get(question) == "sr-Cyrl":
            queries.append(self._query(latin(question)))
        candidates: list[int] = []
        for query in queries:
            candidates += dense_scores(self.index.db, self.index.vectors, self.index.sentences, query, k, filters).passage
        candidates = list(dict.fromkeys(candidates))
        best: dict[int, float] = {}
        for query in queries:
            for chunk, score in self._scores(query, candidates, views).items():
                best[chunk] = max(score, best.get(chunk, -2.0))
        ranking = sorted(best, key=lambda chunk: (-best[chunk], chunk))[:k]
        return [RankedChunk(chunk, self.release_of[chunk]) for chunk in ranking]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/ntrex"))
    parser.add_argument("--fold", default="dev", choices=("dev", "test"))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--whole-index", action="store_true", help="search the index of all 123 articles")
    args = parser.parse_args(argv)
    settings = load_settings()
    encoder = CachedEncoder(load_encoder(settings.model, settings), settings.embedding_cache_path)
    if args.whole_index:
        setup = prepare_ntrex(settings, encoder, args.data, None)
        articles = {article.doc_id for article in fold_articles(setup.articles, args.fold, args.limit)}
    else:
        setup = prepare_fold(settings, encoder, args.data, args.fold, args.limit, progress=False)
        articles = {article.doc_id for article in setup.articles}
    queries = {
        task: [query for query in task_queries(setup, task) if query.id.split("|")[1] in articles] for task in TASKS
    }
    languages = {query.text: query.lang for items in queries.values() for query in items}
    for items in queries.values():
        warm_queries(encoder, items, progress=False)
        encoder.warm([latin(query.text) for query in items if query.lang == "sr-Cyrl"], QUERY_PROMPT, progress=False)
    views = [latin(sentence.text) for chunk in chunk_db.iter_chunks(setup.index.db)
             if (chunk.language, chunk.script) == ("sr", "Cyrl") for sentence in chunk_sentences(chunk)]  # fmt: skip
    encoder.warm(views, DOCUMENT_PROMPT, progress=False)
    searcher = VariantSearcher(setup, encoder, languages)
    print(f"fold {args.fold}: {len(articles)} articles", flush=True)
    for variant in VARIANTS:
        searcher.variant = variant
        cells = []
        for task, metric in TASKS.items():
            overall, pairs = pair_means(searcher, queries[task], task, metric)
            cyrillic = [value for label, value in pairs.items() if "sr-Cyrl" in label]
            into = [value for label, value in pairs.items() if label.endswith(">sr-Cyrl")]
            macedonian = [value for label, value in pairs.items() if "mk" in label]
            worst = min(pairs, key=pairs.get)
            cells.append(
                f"{task}: all {overall:.3f}, sr-Cyrl pairs {np.mean(cyrillic):.3f} "
                f"(min {min(cyrillic):.3f}), into sr-Cyrl {np.mean(into):.3f} (min {min(into):.3f}), mk pairs {np.mean(macedonian):.3f} (min {min(macedonian):.3f}), "
                f"worst {worst} {pairs[worst]:.3f}"
            )
        print(f"{variant:15s} " + " | ".join(cells), flush=True)
    setup.index.close()


if __name__ == "__main__":
    main()
