from __future__ import annotations

from assistant.highlight import best_sentences
from index.sentences import ScoredSentence


def test_best_sentences_keeps_close_runners_up_in_passage_order():
    scored = [ScoredSentence(0, 5, 0.50), ScoredSentence(6, 9, 0.70), ScoredSentence(10, 12, 0.68)]
    assert [s.start for s in best_sentences(scored)] == [6, 10]
    assert [s.start for s in best_sentences(scored, margin=0.01)] == [6]
    assert [s.start for s in best_sentences(scored, margin=1.0, limit=1)] == [6]
    assert best_sentences([]) == []
