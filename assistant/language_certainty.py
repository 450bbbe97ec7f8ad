"""Whether a release's Bosnian/Croatian/Serbian (Latin) label can be trusted.

The language detector separates Bosnian from Croatian poorly and never labels Latin
text Serbian (see ``corpus.language``), so a Latin-script label of that family is only
trusted when the release's front matter declares exactly one such language. Otherwise
citations name the family: "Bosnian/Croatian/Serbian (Latin)". The declared languages are
the ones the index generation stored (``chunks.sqlite``): answering reads nothing from the
corpus folder, so moving or editing it after indexing changes no citation.
"""

from __future__ import annotations

import sqlite3
import threading

from index import chunk_db

LATIN_SH_TAGS = frozenset({"bs", "hr", "sr", "sr-Latn", "cnr"})


def sh_latin_label_is_certain(declared: tuple[str, ...]) -> bool:
    return len(LATIN_SH_TAGS.intersection(declared)) == 1


class LanguageCertainty:
    """One generation's answers, memoised per release id; ``db`` is that generation's ``chunks.sqlite``.

    A rebuilt index is a new generation, opened with a new connection and given a new
    instance, so nothing memoised from an older generation answers for it.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._uncertain: dict[str, bool] = {}
        self._lock = threading.Lock()

    def uncertain(self, release_id: str) -> bool:
        with self._lock:
            known = self._uncertain.get(release_id)
        if known is None:
            known = not sh_latin_label_is_certain(chunk_db.declared_languages(self._db, release_id))
            with self._lock:
                self._uncertain[release_id] = known
        return known
