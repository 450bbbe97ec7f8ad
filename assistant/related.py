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


class ChunkAlignment:
    """All chunk vectors of one generation, grouped by release, for alignment scores."""

    def __init__(self, chunk_vectors: Mapping[str, np.ndarray]) -> None:
        ids = sorted(release_id for release_id, vectors in chunk_vectors.items() if len(vectors))
        blocks = [np.asarray(chunk_vectors[release_id], dtype=np.float32) for release_id in ids]
        matrix = np.concatenate(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)
        self._set(ids, matrix, np.array([len(block) for block in blocks], dtype=np.int64))

    @classmethod
    def from_rows(cls, release_ids: Sequence[str], matrix: np.ndarray) -> ChunkAlignment:
        """From one matrix whose rows belong to ``release_ids`` (each release's rows together); no copy."""
        if len(release_ids) != len(matrix):
            raise ValueError(f"{len(release_ids)} release ids for {len(matrix)} rows")
        alignment = cls.__new__(cls)
        ids: list[str] = []
        sizes: list[int] = []
        for release_id in release_ids:
            if ids and ids[-1] == release_id:
                sizes[-1] += 1
                continue
            ids.append(release_id)
            sizes.append(1)
        if len(set(ids)) != len(ids):
            raise ValueError("each release's rows must be together")
        alignment._set(ids, np.asarray(matrix, dtype=np.float32), np.asarray(sizes, dtype=np.int64))
        return alignment

    def _set(self, ids: list[str], matrix: np.ndarray, sizes: np.ndarray) -> None:
        self.ids = ids
        self.matrix = matrix
        self.sizes = sizes
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if len(sizes) else sizes
        self.row = {release_id: position for position, release_id in enumerate(ids)}
        self._means: np.ndarray | None = None

    def scores_against_all(self, release_id: str) -> dict[str, float]:
        """Alignment score of ``release_id`` with every release (itself included)."""
        return self._scores(release_id, np.arange(len(self.ids)))

    def scores_against_nearest(self, release_id: str, count: int = CANDIDATE_RELEASES) -> dict[str, float]:
        """Alignment scores with the ``count`` releases whose mean chunk vector is closest (itself included)."""
        if count >= len(self.ids):
            return self.scores_against_all(release_id)
        means = self._release_means()
        closeness = means @ means[self.row[release_id]]
        nearest = np.argpartition(-closeness, count - 1)[:count]
        return self._scores(release_id, np.sort(nearest))

    def _scores(self, release_id: str, positions: np.ndarray) -> dict[str, float]:
        position = self.row[release_id]
        start, size = int(self.starts[position]), int(self.sizes[position])
        own = self.matrix[start : start + size]
        if len(positions) == len(self.ids):
            others, sizes = self.matrix, self.sizes
        else:
            sizes = self.sizes[positions]
            rows = [np.arange(self.starts[p], self.starts[p] + self.sizes[p]) for p in positions]
            others = self.matrix[np.concatenate(rows)]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        similarity = own @ others.T  # (own chunks, candidate chunks)
        # Best match in each other release for each own chunk, averaged over own chunks.
        forward = np.maximum.reduceat(similarity, starts, axis=1).mean(axis=0)
        # Best own chunk for each chunk of the others, averaged per other release.
        backward = np.add.reduceat(similarity.max(axis=0), starts) / sizes
        return {self.ids[p]: float((forward[k] + backward[k]) / 2) for k, p in enumerate(positions)}

    def _release_means(self) -> np.ndarray:
        if self._means is None:
            means = np.add.reduceat(self.matrix, self.starts, axis=0) / self.sizes[:, None]
            self._means = means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
        return self._means


class RelatedReleases:
    """Same-story lookups over one index generation."""

    def __init__(
        self,
        infos: Sequence[ReleaseInfo],
        chunk_vectors: Mapping[str, np.ndarray] | None = None,
        threshold: float = SAME_STORY_THRESHOLD,
        max_gap_days: int = MAX_DATE_GAP_DAYS,
        alignment: ChunkAlignment | None = None,
        candidates: int = CANDIDATE_RELEASES,
    ) -> None:
        if (chunk_vectors is None) == (alignment is None):
            raise ValueError("give either chunk_vectors or alignment")
        self.infos = {info.release_id: info for info in infos}
        self.alignment = alignment if alignment is not None else ChunkAlignment(chunk_vectors or {})
        self.threshold = threshold
        self.max_gap_days = max_gap_days
        self.candidates = candidates
        self._memo: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def scores(self, release_id: str) -> dict[str, float]:
        """Alignment scores of ``release_id`` with every release (memoised); empty if unknown."""
        if release_id not in self.alignment.row:
            return {}
        with self._lock:
            if release_id not in self._memo:
                self._memo[release_id] = self.alignment.scores_against_nearest(release_id, self.candidates)
            return self._memo[release_id]

    def pair_scores(self) -> list[tuple[str, str, float]]:
        """Every release pair with its score, best first (for measuring the threshold)."""
        ids = self.alignment.ids
        full = {release_id: self.alignment.scores_against_all(release_id) for release_id in ids}
        pairs = [(first, second, full[first][second]) for i, first in enumerate(ids) for second in ids[i + 1 :]]
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
