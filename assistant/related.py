"""Find releases that tell the same story in another language.

Two releases are versions of one story when their *sentence alignment* score is
at least ``SAME_STORY_THRESHOLD``, their main written languages differ (Bosnian,
Croatian and Latin Serbian count as one) and their dates are within
``MAX_DATE_GAP_DAYS`` (or either date is unknown).

The alignment follows bitext mining: a sentence of A and a sentence of B are
aligned when each is the other's best match, their cosine is at least
``MIN_SENTENCE_COSINE``, and it beats the runner-up of either sentence by
``MIN_SENTENCE_MARGIN``. The score is the share of aligned sentences, averaged
over A's and B's sentence counts. A translation aligns nearly every sentence; a
release on a related topic, or a short story of the same shape (two police
reports), aligns few, because its best matches do not stand out. Two long
releases about the same event that are not translations of each other (a
Bosnian and a Macedonian release on one meeting) align a smaller share but
several sentences: ``MIN_ALIGNED_SENTENCES`` aligned sentences with at least
``MIN_SHARE_WITH_ALIGNED`` of the text also make a same-story link.

A translation also keeps the order of its sentences, which the margin rule ignores: a
translated article whose sentences resemble each other (a list of similar items, a
running story) has small margins and aligns few sentences by that rule. So a second
share counts the mutual best matches of cosine at least ``IN_ORDER_MIN_COSINE`` that
sit at about the same relative position in both releases (within
``IN_ORDER_POSITION_GAP`` of the text); a share of ``IN_ORDER_SHARE`` makes a link too.

Sentence vectors are stored in the index at build time; a release's scores are
computed on first use against the ``CANDIDATE_RELEASES`` releases whose mean
vector is closest, and memoised, so the cost does not grow with the corpus and
nothing is encoded.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# Chosen on the NTREX-128 dev fold (articles 1-40, 6 languages, cached sentence vectors of
# embeddinggemma-300m): with a margin of 0.10 no pair of different articles in different written
# languages scored above 0.31 (18,720 pairs), while 96.7% of the 480 translation pairs reached 0.40
# (recall 0.952-0.983 for thresholds 0.30-0.50). Precision is favoured over recall: a wrong
# "same story" link misleads, a missing one only costs a search.
# The shipped pair 000/001 (bs/mk, one meeting, not a translation) aligns 4 of its 18 and 10
# sentences (share 0.31); no pair of different NTREX dev articles aligned more than 3 sentences,
# and with both rules together 0 of 18,720 such pairs are linked.
MIN_SENTENCE_COSINE = 0.30
MIN_SENTENCE_MARGIN = 0.10
SAME_STORY_THRESHOLD = 0.40
MIN_ALIGNED_SENTENCES = 4
MIN_SHARE_WITH_ALIGNED = 0.25
# Chosen on the same dev fold (`python -m experiments.same_story_tuning`, 2026-12-02): the margin rule
# above links 465 of the 480 dev translation pairs; adding in-order matches links 470 with still no pair
# of different dev articles linked (ties among the 470s broken toward the higher cosine and the narrower
# position window). Cosines of 0.3-0.5 linked different dev articles.
IN_ORDER_MIN_COSINE = 0.70
IN_ORDER_POSITION_GAP = 0.10
IN_ORDER_SHARE = 0.30
# Translations go out within days of each other; a month leaves room for late ones.
MAX_DATE_GAP_DAYS = 31
# Releases scored exactly for each release in a large corpus (nearest by mean chunk vector). On the
# 738 NTREX-128 releases the same-story links were identical to scoring all releases from 64 on
# (44 of 738 releases differed at 16); 256 leaves room for larger corpora.
CANDIDATE_RELEASES = 256


@dataclass(frozen=True)
class ReleaseInfo:
    release_id: str
    title: str
    date: dt.date | None
    source: str
    path: str
    languages: tuple[str, ...]  # language tags by share of text, largest first

    @property
    def main_language(self) -> str:
        return self.languages[0] if self.languages else "other"

    @property
    def language_key(self) -> tuple[str, str]:
        """(family, script) of the main language: bs, hr and sr-Latn are one written language
        for this purpose, since the detector cannot tell them apart reliably."""
        return language_key(self.main_language)


def language_key(tag: str) -> tuple[str, str]:
    if tag in {"bs", "hr", "sr-Latn", "sr"}:
        return ("sh", "Latn")
    if tag == "sr-Cyrl":
        return ("sh", "Cyrl")
    return (tag, "Cyrl" if tag == "mk" else "Latn")


@dataclass(frozen=True)
class RelatedRelease:
    release: ReleaseInfo
    similarity: float


def dates_compatible(first: dt.date | None, second: dt.date | None, max_gap_days: int = MAX_DATE_GAP_DAYS) -> bool:
    if first is None or second is None:
        return True
    return abs((first - second).days) <= max_gap_days


class ReleaseVectors(Protocol):
    """The vectors the same-story lookup reads from an index generation."""

    def means(self) -> tuple[list[str], np.ndarray]:
        """Every release id with its unit-length mean vector (one row per release)."""

    def sentences(self, release_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The sentence vectors of each of these releases (a release without any is left out)."""


class BlockVectors:
    """``ReleaseVectors`` over sentence vectors held in memory (release id -> rows)."""

    def __init__(self, blocks: Mapping[str, np.ndarray]) -> None:
        self.blocks = {key: np.asarray(rows, dtype=np.float32) for key, rows in blocks.items() if len(rows)}

    def means(self) -> tuple[list[str], np.ndarray]:
        ids = sorted(self.blocks)
        if not ids:
            return [], np.zeros((0, 0), dtype=np.float32)
        return ids, unit_rows(np.stack([self.blocks[key].mean(axis=0) for key in ids]))

    def sentences(self, release_ids: Sequence[str]) -> dict[str, np.ndarray]:
        return {key: self.blocks[key] for key in release_ids if key in self.blocks}


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class Alignment:
    share: float  # aligned sentences over each release's sentence count, averaged; in [0, 1]
    aligned: int  # sentences aligned
    in_order: float = 0.0  # share of mutual best matches at the same relative position (see the module docstring)

    def same_story(self, threshold: float = SAME_STORY_THRESHOLD) -> bool:
        enough = self.aligned >= MIN_ALIGNED_SENTENCES and self.share >= MIN_SHARE_WITH_ALIGNED
        return self.share >= threshold or enough or self.in_order >= IN_ORDER_SHARE


def align(
    first: np.ndarray,
    second: np.ndarray,
    min_cosine: float = MIN_SENTENCE_COSINE,
    min_margin: float = MIN_SENTENCE_MARGIN,
) -> Alignment:
    """The sentence alignment of two releases' sentence vectors (see the module docstring)."""
    if len(first) == 0 or len(second) == 0:
        return Alignment(0.0, 0)
    matches = best_matches(first, second)
    aligned = int(np.count_nonzero(matches.mutual & (matches.cosine >= min_cosine) & (matches.margin >= min_margin)))
    in_order = int(np.count_nonzero(
        matches.mutual & (matches.cosine >= IN_ORDER_MIN_COSINE) & (matches.drift <= IN_ORDER_POSITION_GAP)
    ))  # fmt: skip
    return Alignment(_mean_share(aligned, first, second), aligned, _mean_share(in_order, first, second))


@dataclass(frozen=True)
class BestMatches:
    """For each sentence of the first release, facts about its best match in the second."""

    mutual: np.ndarray  # bool: the match's own best match is this sentence
    cosine: np.ndarray  # the match's cosine
    margin: np.ndarray  # over the runner-up of either sentence
    drift: np.ndarray  # difference of relative positions (0..1) in the two texts


def best_matches(first: np.ndarray, second: np.ndarray) -> BestMatches:
    """Best matches of ``first``'s sentences in ``second`` (both non-empty unit rows)."""
    similarity = first @ second.T
    best_in_second = similarity.argmax(axis=1)
    best_in_first = similarity.argmax(axis=0)
    rows = np.arange(len(first))
    best = similarity[rows, best_in_second]
    margin = best - np.maximum(_runner_up(similarity), _runner_up(similarity.T)[best_in_second])
    drift = np.abs(_positions(len(first)) - _positions(len(second))[best_in_second])
    return BestMatches(best_in_first[best_in_second] == rows, best, margin, drift)


def _mean_share(count: int, first: np.ndarray, second: np.ndarray) -> float:
    return (count / len(first) + count / len(second)) / 2


def _positions(count: int) -> np.ndarray:
    """Relative positions 0..1 of ``count`` sentences in their text (0 for a single sentence)."""
    return np.arange(count) / max(1, count - 1)


def _runner_up(similarity: np.ndarray) -> np.ndarray:
    """Each row's second-best value (-1 for a row of one column: no competitor)."""
    if similarity.shape[1] < 2:
        return np.full(similarity.shape[0], -1.0, dtype=similarity.dtype)
    return np.partition(similarity, -2, axis=1)[:, -2]


class RelatedReleases:
    """Same-story lookups over one index generation."""

    def __init__(
        self,
        infos: Sequence[ReleaseInfo],
        vectors: ReleaseVectors | Mapping[str, np.ndarray],
        threshold: float = SAME_STORY_THRESHOLD,
        max_gap_days: int = MAX_DATE_GAP_DAYS,
        candidates: int = CANDIDATE_RELEASES,
    ) -> None:
        self.infos = {info.release_id: info for info in infos}
        self.vectors = BlockVectors(vectors) if isinstance(vectors, Mapping) else vectors
        self.ids, self.release_means = self.vectors.means()
        self.row = {release_id: position for position, release_id in enumerate(self.ids)}
        self.threshold = threshold
        self.max_gap_days = max_gap_days
        self.candidates = candidates
        self._memo: dict[str, dict[str, Alignment]] = {}
        self._lock = threading.Lock()

    def nearest(self, release_id: str, count: int) -> list[str]:
        """The ``count`` releases whose mean vector is closest to ``release_id``'s (itself included)."""
        if count >= len(self.ids):
            return list(self.ids)
        closeness = self.release_means @ self.release_means[self.row[release_id]]
        return [self.ids[position] for position in np.sort(np.argpartition(-closeness, count - 1)[:count])]

    def scores(self, release_id: str) -> dict[str, float]:
        """Alignment scores (shares) of ``release_id`` with its nearest candidate releases; empty if unknown."""
        return {other: alignment.share for other, alignment in self.alignments(release_id).items()}

    def alignments(self, release_id: str) -> dict[str, Alignment]:
        """Alignments of ``release_id`` with its nearest candidate releases (memoised); empty if unknown."""
        if release_id not in self.row:
            return {}
        with self._lock:
            known = self._memo.get(release_id)
        if known is None:
            candidates = self.nearest(release_id, self.candidates)
            sentences = self.vectors.sentences(list(dict.fromkeys([release_id, *candidates])))
            own = sentences.get(release_id)
            known = {
                other: align(own, sentences[other]) for other in candidates if own is not None and other in sentences
            }
            with self._lock:
                self._memo[release_id] = known
        return known

    def pair_alignments(self) -> list[tuple[str, str, Alignment]]:
        """Every release pair with its alignment, best share first (for measuring the thresholds)."""
        sentences = self.vectors.sentences(self.ids)
        ids = [release_id for release_id in self.ids if release_id in sentences]
        pairs = [
            (first, second, align(sentences[first], sentences[second]))
            for i, first in enumerate(ids)
            for second in ids[i + 1 :]
        ]
        return sorted(pairs, key=lambda pair: -pair[2].share)

    def pair_scores(self) -> list[tuple[str, str, float]]:
        """Every release pair with its score (share), best first."""
        return [(first, second, alignment.share) for first, second, alignment in self.pair_alignments()]

    def other_versions(self, release_id: str, exclude: Sequence[str] = ()) -> list[RelatedRelease]:
        """Releases in another language covering the same story as ``release_id``, best first."""
        info = self.infos.get(release_id)
        if info is None:
            return []
        found = []
        for other_id, alignment in self.alignments(release_id).items():
            other = self.infos.get(other_id)
            if other is None or other_id == release_id or other_id in exclude:
                continue
            if not alignment.same_story(self.threshold) or other.language_key == info.language_key:
                continue
            if not dates_compatible(info.date, other.date, self.max_gap_days):
                continue
            found.append(RelatedRelease(other, alignment.share))
        return sorted(found, key=lambda related: -related.similarity)
