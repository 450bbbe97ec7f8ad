"""Pick the sentence(s) of a quoted passage that best answer the question.

Every hit arrives with its sentences already scored (``index.search.Hit.sentences``):
the cosine of the question, encoded with the ``query`` prompt, with each sentence's
vector stored at build time with the ``document`` prompt. So highlighting works
across languages and encodes nothing but the question.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.sentences import ScoredSentence

# Sentences scoring within this margin of the best one are highlighted too (at most MAX_HIGHLIGHTS).
HIGHLIGHT_MARGIN = 0.03
MAX_HIGHLIGHTS = 2


def best_sentences(
    scored: Sequence[ScoredSentence],
    margin: float = HIGHLIGHT_MARGIN,
    limit: int = MAX_HIGHLIGHTS,
) -> list[ScoredSentence]:
    """The best sentence plus any within ``margin`` of it (``limit`` at most), in text order."""
    if not scored:
        return []
    ranked = sorted(scored, key=lambda sentence: -sentence.score)
    top = ranked[0].score
    chosen = [sentence for sentence in ranked[:limit] if sentence.score >= top - margin]
    return sorted(chosen, key=lambda sentence: sentence.start)
