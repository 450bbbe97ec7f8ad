from __future__ import annotations

import numpy as np

from assistant.highlight import ScoredSentence, SentenceScorer, best_sentences
from index.embedding_cache import EmbeddingCache
from tests.fake_encoder import HashingEncoder

PASSAGE = "The meeting was held in Budva. Delegations came from six countries. It was funded by Denmark."


def test_best_sentences_keeps_close_runners_up_in_passage_order():
    scored = [ScoredSentence(0, 5, 0.50), ScoredSentence(6, 9, 0.70), ScoredSentence(10, 12, 0.68)]
    assert [s.start for s in best_sentences(scored)] == [6, 10]
    assert [s.start for s in best_sentences(scored, margin=0.01)] == [6]
    assert [s.start for s in best_sentences(scored, margin=1.0, limit=1)] == [6]
    assert best_sentences([]) == []


def test_scores_are_cosines_of_the_question_and_each_sentence():
    encoder = HashingEncoder(64)
    scorer = SentenceScorer(encoder)
    question = scorer.question_vector("Who funded it? Denmark?")
    scored = scorer.score_sentences(question, PASSAGE)
    assert [PASSAGE[s.start : s.end] for s in scored] == [
        "The meeting was held in Budva.",
        "Delegations came from six countries.",
        "It was funded by Denmark.",
    ]
    expected = encoder.encode([PASSAGE[s.start : s.end] for s in scored], "document") @ question
    assert np.allclose([s.score for s in scored], expected)
    assert best_sentences(scored, margin=0.0)[0].start == PASSAGE.index("It was funded")


def test_sentence_vectors_are_encoded_once_and_kept_in_the_store(tmp_path):
    encoder = HashingEncoder(64)
    with EmbeddingCache(tmp_path / "cache.sqlite") as store:
        scorer = SentenceScorer(encoder, store)
        scorer.prefetch([PASSAGE, PASSAGE])
        assert encoder.calls == [("document", 3)]
        scorer.sentence_vectors(["The meeting was held in Budva."])
        assert encoder.calls == [("document", 3)]
        assert store.count("fake:64") == 3
        fresh = SentenceScorer(encoder, store)  # a restart: memory empty, store filled
        fresh.sentence_vectors(["It was funded by Denmark.", "A new sentence."])
        assert encoder.calls[-1] == ("document", 1)


def test_forget_empties_memory_only():
    encoder = HashingEncoder(64)
    scorer = SentenceScorer(encoder)
    scorer.sentence_vectors(["One sentence."])
    scorer.forget()
    scorer.sentence_vectors(["One sentence."])
    assert encoder.calls == [("document", 1), ("document", 1)]
