"""Whether a release's Bosnian/Croatian/Serbian (Latin) label can be trusted.

The language detector separates Bosnian from Croatian poorly and never labels Latin
text Serbian (see ``corpus.language``), so a Latin-script label of that family is only
trusted when the release's front matter declares exactly one such language. Otherwise
citations name the family: "Bosnian/Croatian/Serbian (Latin)".
"""

from __future__ import annotations

import threading
from pathlib import Path

from corpus.reading import CorpusFileError
from corpus.source_file import read_source

LATIN_SH_TAGS = frozenset({"bs", "hr", "sr", "sr-Latn", "cnr"})


def declared_languages(path: str) -> tuple[str, ...]:
    """Language tags the release file declares in its front matter; () if none or unreadable."""
    if not path:
        return ()
    try:
        return read_source(Path(path)).metadata.languages
    except (CorpusFileError, OSError):
        return ()


def sh_latin_label_is_certain(declared: tuple[str, ...]) -> bool:
    return len(LATIN_SH_TAGS.intersection(declared)) == 1


class LanguageCertainty:
    """Memoised per release id; the release file is read the first time it is cited."""

    def __init__(self) -> None:
        self._uncertain: dict[str, bool] = {}
        self._lock = threading.Lock()

    def uncertain(self, release_id: str, path: str) -> bool:
        with self._lock:
            known = self._uncertain.get(release_id)
        if known is None:
            known = not sh_latin_label_is_certain(declared_languages(path))
            with self._lock:
                self._uncertain[release_id] = known
        return known
