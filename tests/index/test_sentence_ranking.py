"""Sentence vectors at build time: offsets, stored vectors, the combined dense score, filters."""

from __future__ import annotations

import cyrtranslit
import numpy as np
import pytest

from index.build import build_index
from index.encoder import DOCUMENT_PROMPT, QUERY_PROMPT
from index.filters import Filters
from index.search import Searcher
from index.sentence_ranking import SENTENCE_WEIGHT, combine
from index.sentences import chunk_sentences, split_sentences
from index.settings import Settings
from index.store import open_index
from index.vector_store import round_to_half
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import make_release, small_corpus

QUESTION = "who funded the meeting in Budva"


def test_combine_weighs_the_best_sentence_and_the_passage() -> None:
    assert combine(0.8, 0.4, weight=0.75) == pytest.approx(0.7)
    assert combine(0.8, 0.4, weight=1.0) == pytest.approx(0.8)
    assert combine(0.8, 0.4, weight=0.0) == pytest.approx(0.4)


def test_chunk_sentences_have_release_offsets_and_stable_distinct_ids() -> None:
    release = make_release("r", [("The meeting was held in Budva. It was funded by Denmark.", "en"), ("Kraj.", "bs")])
    from index.chunking import chunk_release

    chunks = chunk_release(release)
    sentences = [sentence for chunk in chunks for sentence in chunk_sentences(chunk)]
    assert [s.text for s in sentences] == ["The meeting was held in Budva.", "It was funded by Denmark.", "Kraj."]
    assert all(release.text[s.start : s.end] == s.text for s in sentences)
    assert len({s.id for s in sentences}) == 3
    assert [s.id for c in chunk_release(release) for s in chunk_sentences(c)] == [s.id for s in sentences]


@pytest.fixture
def searcher(settings: Settings, fake_encoder: HashingEncoder):
    releases = [
        *small_corpus(),
        make_release("budva", [("The meeting was held in Budva. It was funded by Denmark and the EU.", "en")]),
    ]
    build_index(settings, fake_encoder, releases, progress=False)
    index = open_index(settings.index_dir)
    yield Searcher(index, fake_encoder, "dense")
    index.close()


def test_every_hit_carries_its_sentences_scored_from_the_stored_vectors(searcher, fake_encoder) -> None:
    query = fake_encoder.encode([QUESTION], QUERY_PROMPT)[0]
    for hit in searcher.search(QUESTION, k=5):
        spans = [(hit.start + start, hit.start + end) for start, end in split_sentences(hit.text)]
        assert [(s.start, s.end) for s in hit.sentences] == spans
        texts = [hit.text[s.start - hit.start : s.end - hit.start] for s in hit.sentences]
        expected = round_to_half(fake_encoder.encode(texts, DOCUMENT_PROMPT)) @ query  # stored at float16
        if (hit.language, hit.script) == ("sr", "Cyrl"):  # the better of the sentence and its Latin view
            latin = [cyrtranslit.to_latin(text, "sr") for text in texts]
            expected = np.maximum(expected, round_to_half(fake_encoder.encode(latin, DOCUMENT_PROMPT)) @ query)
        np.testing.assert_allclose([s.score for s in hit.sentences], expected, atol=1e-5)
        passage = float(fake_encoder.encode([hit.text], DOCUMENT_PROMPT)[0] @ query)
        assert hit.passage_score == pytest.approx(passage, abs=1e-5)
        assert hit.score == pytest.approx(combine(max(expected), passage, SENTENCE_WEIGHT), abs=1e-5)


def test_hits_are_ordered_by_the_combined_score(searcher) -> None:
    scores = [hit.score for hit in searcher.search(QUESTION, k=8)]
    assert scores == sorted(scores, reverse=True)


def test_sentence_scores_for_another_text_use_the_stored_vectors(searcher, fake_encoder) -> None:
    hit = searcher.search(QUESTION, k=1)[0]
    other = "It was funded by Denmark"
    rescored = searcher.sentence_scores(other, [hit.chunk_id])[hit.chunk_id]
    query = fake_encoder.encode([other], QUERY_PROMPT)[0]
    best = max(rescored, key=lambda s: s.score)
    assert hit.text[best.start - hit.start : best.end - hit.start].startswith("It was funded by Denmark")
    calls = [prompt for prompt, _ in fake_encoder.calls[-1:]]
    assert calls == [QUERY_PROMPT]  # only the text itself was encoded
    sentence = hit.text[best.start - hit.start : best.end - hit.start]
    assert best.score == pytest.approx(float(round_to_half(fake_encoder.encode([sentence], DOCUMENT_PROMPT))[0] @ query), abs=1e-5)


def test_sentence_vectors_are_stored_at_half_precision_and_passages_at_full(searcher) -> None:
    assert searcher.index.sentences.describe()["precision"] == "float16"
    assert searcher.index.vectors.describe()["precision"] == "float32"


def test_filters_apply_to_the_sentence_leg_too(searcher) -> None:
    only_bs = Filters(languages=frozenset({"bs"}))
    hits = searcher.search("The meeting was held in Budva.", k=5, filters=only_bs)
    assert hits and all(hit.language == "bs" for hit in hits)


def test_a_question_encodes_only_the_question(searcher, fake_encoder) -> None:
    fake_encoder.calls.clear()
    searcher.search(QUESTION, k=5)
    assert fake_encoder.calls == [(QUERY_PROMPT, 1)]
