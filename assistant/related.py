"""Find releases that tell the same story in another language.

Two releases are versions of one story when their *passage alignment* score is
at least ``SAME_STORY_THRESHOLD``, their main written languages differ (Bosnian,
Croatian and Latin Serbian count as one) and their dates are within
``MAX_DATE_GAP_DAYS`` (or either date is unknown).

The alignment score is the symmetric mean best match of their chunk vectors:
for every chunk of A the cosine of its closest chunk of B, averaged, and the same
from B to A, the two averages averaged. A translation has a close counterpart
for nearly every passage, while a release on a related topic only for some; on
the seeds this separates the translated pair from same-topic releases better than
the cosine of mean release vectors (see ``evaluation/threshold.py --related``).

The chunk matrix is read once per index generation; each release's scores are
computed on first use and memoised, never per question. In a large corpus they
are computed only against the ``CANDIDATE_RELEASES`` releases whose mean chunk
vector is closest, so the cost no longer grows with the corpus.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# Measured with `python -m evaluation.threshold --related` (embeddinggemma-300m): on the shipped
# corpus the Bosnian/Macedonian pair 000/001 (same meeting) scores 0.767, the closest
# cross-language non-pair 0.699 (001/002, another IOM meeting in Budva) and the closest
# same-language non-pair 0.755 (000/002); 0.73 sits between 0.699 and 0.767. On 10 NTREX-128
# articles in en/bs/sr-Cyrl/mk, 62% of the 60 translation pairs reach 0.73 and none of the 540
# different-article pairs does (max 0.640): precision is favoured over recall, since a wrong
# "same story" link misleads while a missing one only costs a search.
SAME_STORY_THRESHOLD = 0.73
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


def alignment_score(first: np.ndarray, second: np.ndarray) -> float:
    """Symmetric mean best match of two releases' sentence vectors (see the module docstring)."""
    similarity = first @ second.T
    return float((similarity.max(axis=1).mean() + similarity.max(axis=0).mean()) / 2)


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
        self._memo: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def nearest(self, release_id: str, count: int) -> list[str]:
        """The ``count`` releases whose mean vector is closest to ``release_id``'s (itself included)."""
        if count >= len(self.ids):
            return list(self.ids)
        closeness = self.release_means @ self.release_means[self.row[release_id]]
        return [self.ids[position] for position in np.sort(np.argpartition(-closeness, count - 1)[:count])]

    def scores(self, release_id: str) -> dict[str, float]:
        """Alignment scores of ``release_id`` with its nearest candidate releases (memoised); empty if unknown."""
        if release_id not in self.row:
            return {}
        with self._lock:
            known = self._memo.get(release_id)
        if known is None:
            candidates = self.nearest(release_id, self.candidates)
            sentences = self.vectors.sentences(list(dict.fromkeys([release_id, *candidates])))
            own = sentences.get(release_id)
            known = {
                other: alignment_score(own, sentences[other])
                for other in candidates
                if own is not None and other in sentences
            }
            with self._lock:
                self._memo[release_id] = known
        return known

    def pair_scores(self) -> list[tuple[str, str, float]]:
        """Every release pair with its score, best first (for measuring the threshold)."""
        sentences = self.vectors.sentences(self.ids)
        ids = [release_id for release_id in self.ids if release_id in sentences]
        pairs = [
            (first, second, alignment_score(sentences[first], sentences[second]))
            for i, first in enumerate(ids)
            for second in ids[i + 1 :]
        ]
        return sorted(pairs, key=lambda pair: -pair[2])

    def other_versions(self, release_id: str, exclude: Sequence[str] = ()) -> list[RelatedRelease]:
        """Releases in another language covering the same story as ``release_id``, best first."""
        info = self.infos.get(release_id)
        if info is None:
            return []
        found = []
        for other_id, score in self.scores(release_id).items():
            other = self.infos.get(other_id)
            if other is None or other_id == release_id or other_id in exclude:
                continue
            if score < self.threshold or other.language_key == info.language_key:
                continue
            if not dates_compatible(info.date, other.date, self.max_gap_days):
                continue
            found.append(RelatedRelease(other, score))
        return sorted(found, key=lambda related: -related.similarity)
