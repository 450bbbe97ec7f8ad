"""Quotes worth reading, counted on the golden set with the real model.

Every answered golden question goes through ``Assistant.ask``; across all of them no quote may be
only a title or headline line (every sentence of it a headline of its release, the test of
``index.sentences.is_headline``) or lack a full sentence, and no answer may quote the same text twice.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.service import Assistant
from corpus.loader import load_corpus
from evaluation.golden_set import load_golden
from index.build import build_index
from index.sentences import is_headline, split_sentences
from index.settings import REPO_CORPUS, Settings
from tests.conftest import REAL_MODEL_HOME

pytestmark = pytest.mark.model


def title_only(quote, release_text: str) -> bool:
    spans = split_sentences(quote.text)
    return all(is_headline(release_text, quote.start + start, quote.start + end) for start, end in spans)


def normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def test_golden_answers_quote_no_title_lines_and_no_repeats(real_encoder, tmp_path: Path):
    settings = Settings(home=tmp_path / "home", model="embeddinggemma-300m", corpus_dir=REPO_CORPUS, index_name="q")
    cache = REAL_MODEL_HOME / "cache" / "embeddings.sqlite"
    if cache.is_file():  # vectors the model made before: the index builds in seconds
        settings.embedding_cache_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(cache, settings.embedding_cache_path)
    build_index(settings, real_encoder, load_corpus(REPO_CORPUS).releases, progress=False)
    assistant = Assistant(settings.index_dir, real_encoder, mode=settings.retrieval_mode)
    texts = assistant.generation.releases
    answered, quotes, titles, repeats = 0, 0, [], []
    for question in load_golden():
        answer, _ = assistant.ask(question.text)
        if answer.status != "answered":
            continue
        answered += 1
        quotes += len(answer.quotes)
        for quote in answer.quotes:
            if title_only(quote, texts.release_text(quote.release_id)):
                titles.append((question.id, quote.text))
        seen = [normalised(quote.text) for quote in answer.quotes]
        repeats += [(question.id, text) for index, text in enumerate(seen) if text in seen[:index]]
    assert answered >= 40  # the set's answerable questions (44) are nearly all answered
    print(f"{answered} answered golden questions, {quotes} quotes")
    assert titles == []
    assert repeats == []
