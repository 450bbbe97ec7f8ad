"""Remove website boilerplate (menus, tags, repeated blurbs) from release text.

Lines are judged by general rules, not by a list of known strings:

* **menu-like**: at most three words, no sentence-final punctuation and not a
  date (``News``, ``- Take Action``, ``Date Publish:``), or no letters or
  digits at all (``-``, ``***``). Dropped anywhere.
* **tag-like**: the same with up to six words (``SDG 10 - Reduced
  Inequalities``); only trusted at the end of a file.
* **shared**: the normalised line also occurs in another release of the
  corpus (a :class:`BoilerplateModel` counts in how many releases each line
  occurs). Language versions of one release share sentences too, so a shared
  line is only dropped inside a navigation block: the head block runs from
  the top of the file over blank, menu-like and shared lines and ends at its
  last menu-like line; the tail block runs from the first tag-like line of
  the trailing blank/tag-like/shared lines to the end. That removes the
  "WHO WE ARE ..." paragraph the site repeats between its menu entries.
* **common**: shared with at least ``COMMON_MIN_OTHERS`` other releases,
  more than the language versions of one release; dropped anywhere.

Lines named in ``keep`` (the declared title) are never dropped.

Cost: short sub-headings (three words or fewer, no full stop) go too. On
NTREX-128 loaded as a 738-release corpus (123 articles x 6 languages, many
sentences shared between the bs/hr/sr versions) 10 of 11,982 lines were
dropped, all of them such sub-headings ("Historija", "Study History").

Kept lines are copied verbatim (only surrounding whitespace is trimmed). Kept
lines that were adjacent stay separated by one newline; a blank or dropped
line between them becomes one blank line.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

MENU_MAX_WORDS = 3
TAG_MAX_WORDS = 6
COMMON_MIN_OTHERS = 6  # a line in 7+ releases: more than the language versions of one release

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"(19|20)\d\d")
# Closing quotes differ by language: ” ’ (en), “ ‘ (bs/hr/sr/mk), » «.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’“‘»«)\]]*$")
_EDGE_NOISE = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")


def normalise_line(line: str) -> str:
    """Comparison key: NFKC, case-folded, edge punctuation/bullets removed, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", line).casefold()
    return _SPACES.sub(" ", _EDGE_NOISE.sub("", folded)).strip()


@dataclass
class BoilerplateModel:
    """For each release key, the set of normalised lines it contains.

    Learnt from a whole corpus; used to clean one more release later (its own
    earlier version, under the same key, is not counted against it).
    """

    documents: dict[str, frozenset[str]] = field(default_factory=dict)
    _frequency: Counter[str] = field(default_factory=Counter, init=False, repr=False)

    def __post_init__(self) -> None:
        for lines in self.documents.values():
            self._frequency.update(lines)

    @classmethod
    def learn(cls, texts: Mapping[str, str]) -> BoilerplateModel:
        return cls({key: _line_keys(text) for key, text in texts.items()})

    def add(self, key: str, text: str) -> None:
        """Add (or replace) one release's lines."""
        previous = self.documents.get(key)
        if previous is not None:
            self._frequency.subtract(previous)
        self.documents[key] = _line_keys(text)
        self._frequency.update(self.documents[key])

    def other_documents_with(self, line_key: str, key: str | None = None) -> int:
        """How many releases other than ``key`` contain the normalised line."""
        count = self._frequency[line_key]
        if key is not None and line_key in self.documents.get(key, frozenset()):
            count -= 1
        return count

    def to_json(self) -> str:
        return json.dumps({key: sorted(lines) for key, lines in sorted(self.documents.items())}, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> BoilerplateModel:
        raw = json.loads(data)
        return cls({str(key): frozenset(map(str, lines)) for key, lines in raw.items()})


def clean_corpus_texts(texts: Mapping[str, str], keep: Mapping[str, Collection[str]] | None = None) -> dict[str, str]:
    """Clean every text of a corpus, learning repeated lines from all of them."""
    model = BoilerplateModel.learn(texts)
    keep = keep or {}
    return {key: clean_text(text, model, key=key, keep=keep.get(key, ())) for key, text in texts.items()}


def clean_text(
    text: str,
    model: BoilerplateModel | None = None,
    *,
    key: str | None = None,
    keep: Collection[str] = (),
) -> str:
    """``text`` without boilerplate lines (see module docstring)."""
    return clean_text_mapped(text, model, key=key, keep=keep)[0]


def clean_text_mapped(
    text: str,
    model: BoilerplateModel | None = None,
    *,
    key: str | None = None,
    keep: Collection[str] = (),
) -> tuple[str, list[tuple[int, int, int]]]:
    """:func:`clean_text` plus, for each kept line, ``(offset in text, offset in the result, length)``.

    Kept lines are copied verbatim, so these segments map any offset of ``text`` that
    survives cleaning to its offset in the result (see :func:`map_offset`).
    """
    raw_lines = text.split("\n")
    lines = [line.strip() for line in raw_lines]
    kept = {_collapse_spaces(line) for line in keep if line.strip()}
    kinds = [_classify(line, model, key, kept) for line in lines]
    dropped = [kind in ("blank", "menu", "common") for kind in kinds]
    for index in _head_block(kinds):
        dropped[index] = True
    for index in _tail_block(kinds):
        dropped[index] = True
    cleaned = _join_kept(lines, dropped)
    segments: list[tuple[int, int, int]] = []
    source, target = 0, 0
    for raw, line, drop in zip(raw_lines, lines, dropped, strict=True):
        if not drop:
            if segments:
                target = cleaned.index(line, target)
            segments.append((source + len(raw) - len(raw.lstrip()), target, len(line)))
            target += len(line)
        source += len(raw) + 1
    return cleaned, segments


def map_offset(segments: list[tuple[int, int, int]], offset: int, cleaned_length: int) -> int:
    """Where ``offset`` of the text given to :func:`clean_text_mapped` lands in its result.

    An offset inside a dropped line or trimmed whitespace maps to the start of the next
    kept line (the end of the result when none follows).
    """
    for source, target, length in segments:
        if offset < source + length:
            return target + max(0, offset - source)
    return cleaned_length


def is_menu_like(line: str, max_words: int = MENU_MAX_WORDS) -> bool:
    """Few words, no sentence-final punctuation, not a date; or no words at all."""
    words = _WORD.findall(line)
    if not words:
        return True
    if len(words) > max_words or is_date_like(line):
        return False
    return not _SENTENCE_END.search(line)


def is_date_like(line: str) -> bool:
    """At least two numbers, one of them a year (``17. maja 2019.``, ``May 22, 2019``)."""
    numbers = _NUMBER.findall(line)
    return len(numbers) >= 2 and any(_YEAR.fullmatch(number) for number in numbers)


def _line_keys(text: str) -> frozenset[str]:
    return frozenset(key for key in (normalise_line(line) for line in text.split("\n")) if key)


def _classify(line: str, model: BoilerplateModel | None, key: str | None, kept: set[str]) -> str:
    """One of: kept, blank, menu, common, shared, tag, text (first match wins)."""
    if not line:
        return "blank"
    if _collapse_spaces(line) in kept:
        return "kept"
    if is_menu_like(line):
        return "menu"
    line_key = normalise_line(line)
    others = model.other_documents_with(line_key, key) if model is not None and line_key else 0
    if others >= COMMON_MIN_OTHERS:
        return "common"
    if others > 0:
        return "shared"
    return "tag" if is_menu_like(line, TAG_MAX_WORDS) else "text"


def _head_block(kinds: list[str]) -> range:
    """From the top over blank/menu/shared/common lines, up to the last menu-like one."""
    end = 0
    for index, kind in enumerate(kinds):
        if kind not in ("blank", "menu", "shared", "common"):
            break
        if kind == "menu":
            end = index + 1
    return range(end)


def _tail_block(kinds: list[str]) -> range:
    """From the first menu/tag-like line of the trailing blank/menu/tag/shared/common lines to the end."""
    start = len(kinds)
    for index in range(len(kinds) - 1, -1, -1):
        if kinds[index] not in ("blank", "menu", "tag", "shared", "common"):
            break
        if kinds[index] in ("menu", "tag"):
            start = index
    return range(start, len(kinds))


def _collapse_spaces(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def _join_kept(lines: list[str], dropped: list[bool]) -> str:
    parts: list[str] = []
    gap = False
    for line, drop in zip(lines, dropped, strict=True):
        if drop:
            gap = True
            continue
        if parts:
            parts.append("\n\n" if gap else "\n")
        parts.append(line)
        gap = False
    return "".join(parts)
