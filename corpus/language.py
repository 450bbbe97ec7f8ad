"""Language, script and language family of each paragraph of a release.

Labels: ``en``, ``bs``, ``hr``, ``sr``, ``mk`` or ``other``; script ``Latn``,
``Cyrl`` or ``Zyyy`` (no letters / undecided) from the characters; family
``sh`` for bs/hr/sr (Montenegrin included), else the language itself.

Detection uses lingua (built once per language set and cached): English,
Bosnian, Croatian, Serbian, Macedonian plus German, French, Italian,
Albanian, Slovene, Bulgarian and Russian so that ``other`` is reachable.

What lingua does on the South Slavic varieties (lingua 2.1.1, the detector
above, first 200 NTREX-128 sentences of each file, one sentence at a time;
lingua's raw best guess):

=============  ====  ====  ====  ====  ====  ====
reference       bs    hr    sr    mk    en   other
=============  ====  ====  ====  ====  ====  ====
bos (Latin)      93   106     0     0     0     1
hrv (Latin)      25   174     0     0     0     1
srp-Latn        124    75     0     0     0     1
srp-Cyrl          0     0   198     2     0     0
mkd               0     0     0   200     0     0
eng               0     0     0     0   199     1
=============  ====  ====  ====  ====  ====  ====

* Lingua's Serbian model is Cyrillic-only: Latin Serbian is never called
  Serbian (it comes out Bosnian or Croatian), and a detector restricted to
  Serbian + English labels Latin Serbian as English. So whenever an sh
  language may occur, Bosnian, Croatian and Serbian all go into the detector
  and a declared sh tag decides the label.
* Bosnian and Croatian Latin are separated poorly (Bosnian sentences are
  called Bosnian 47% of the time). ``detected``/``confidence`` keep lingua's
  raw answer per paragraph, but ``language`` of sh paragraphs is one vote
  per release and script (lingua's bs/hr/sr confidence x letters, summed),
  since a release is written in one variety. Treating each NTREX article
  (14 articles in those 200 lines) as a release: bos -> 8 bs / 6 hr,
  hrv -> 14 hr, srp-Latn -> 9 bs / 5 hr. Group and filter by ``family``
  (``sh``); declare ``languages`` in front matter when the variety matters.
* Serbian Cyrillic vs Macedonian is reliable; letters settle the rest: ђ ћ
  occur only in Serbian, ѓ ќ ѕ only in Macedonian. With that rule srp-Cyrl
  is 199 sr / 1 mk and mkd 200 mk.

Declared ``languages`` restrict the detector; a single declared tag labels
every paragraph without detection (``detected`` is the tag, confidence 1).
Montenegrin (``cnr``) has no label of its own in the contract: it is
labelled ``sr`` (family ``sh``), keeping the text's script.
Paragraphs with fewer than ``MIN_LETTERS`` letters, or whose family gets
less than ``MIN_FAMILY_CONFIDENCE``, take the language of the nearest
confident paragraph before them (else after them).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LABELS = ("en", "bs", "hr", "sr", "mk", "other")
SH_LANGUAGES = ("bs", "hr", "sr")
MIN_LETTERS = 12
MIN_FAMILY_CONFIDENCE = 0.5

_LINGUA_BY_LABEL = {
    "en": Language.ENGLISH,
    "bs": Language.BOSNIAN,
    "hr": Language.CROATIAN,
    "sr": Language.SERBIAN,
    "mk": Language.MACEDONIAN,
}
_OTHER_LANGUAGES = (
    Language.GERMAN, Language.FRENCH, Language.ITALIAN, Language.ALBANIAN,
    Language.SLOVENE, Language.BULGARIAN, Language.RUSSIAN,
)  # fmt: skip
_SERBIAN_ONLY_LETTERS = frozenset("ђћЂЋ")
_MACEDONIAN_ONLY_LETTERS = frozenset("ѓќѕЃЌЅ")
# Declared tag -> (label, script or None when the text decides).
_DECLARED = {
    "en": ("en", None),
    "bs": ("bs", None),
    "hr": ("hr", None),
    "sr": ("sr", None),
    "sr-Latn": ("sr", "Latn"),
    "sr-Cyrl": ("sr", "Cyrl"),
    "cnr": ("sr", None),
    "mk": ("mk", None),
}


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    script: str
    family: str
    detected: str
    confidence: float


@dataclass
class _Detection:
    label: str
    script: str
    detected: str
    confidence: float
    confident: bool
    sh_scores: dict[str, float]  # lingua's bs/hr/sr confidences x letters: the release vote


def family_of(language: str) -> str:
    return "sh" if language in SH_LANGUAGES else language


def script_of(text: str) -> str:
    """``Cyrl`` or ``Latn`` when most letters are of that script, else ``Zyyy``."""
    latin = cyrillic = 0
    for char in text:
        if "\u0400" <= char <= "\u052f":
            cyrillic += 1
        elif char.isalpha() and (char.isascii() or "\u00c0" <= char <= "\u024f" or "\u1e00" <= char <= "\u1eff"):
            latin += 1
    if cyrillic > latin:
        return "Cyrl"
    if latin > cyrillic:
        return "Latn"
    return "Zyyy"


def detect_languages(paragraphs: Sequence[str], declared: Sequence[str] = ()) -> list[LanguageGuess]:
    """A :class:`LanguageGuess` per paragraph (see module docstring)."""
    if len(declared) == 1:
        return [_declared_guess(text, declared[0]) for text in paragraphs]
    allowed = _allowed_labels(declared)
    detector = _detector(frozenset(_lingua_languages(allowed)))
    detections = [_detect(detector, text, allowed) for text in paragraphs]
    _inherit_weak(detections)
    _vote_sh_language(detections, _declared_sh_labels(declared))
    return [
        LanguageGuess(item.label, item.script, family_of(item.label), item.detected, item.confidence)
        for item in detections
    ]


def _declared_guess(text: str, tag: str) -> LanguageGuess:
    label, script = _DECLARED[tag]
    return LanguageGuess(label, script or script_of(text), family_of(label), tag, 1.0)


def _allowed_labels(declared: Sequence[str]) -> frozenset[str] | None:
    if not declared:
        return None
    labels = {_DECLARED[tag][0] for tag in declared}
    if labels & set(SH_LANGUAGES):
        labels |= set(SH_LANGUAGES)  # lingua needs all three to read Latin sh text
    return frozenset(labels)


def _declared_sh_labels(declared: Sequence[str]) -> frozenset[str] | None:
    labels = frozenset(_DECLARED[tag][0] for tag in declared) & frozenset(SH_LANGUAGES)
    return labels or None


def _lingua_languages(allowed: frozenset[str] | None) -> list[Language]:
    if allowed is None:
        return [*_LINGUA_BY_LABEL.values(), *_OTHER_LANGUAGES]
    return [_LINGUA_BY_LABEL[label] for label in sorted(allowed)]


@functools.lru_cache(maxsize=8)
def _detector(languages: frozenset[Language]) -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _detect(detector: LanguageDetector, text: str, allowed: frozenset[str] | None) -> _Detection:
    script = script_of(text)
    letters = sum(1 for char in text if char.isalpha())
    values = detector.compute_language_confidence_values(text) if letters else []
    scores = {_label(value.language): 0.0 for value in values}
    for value in values:
        scores[_label(value.language)] += value.value
    if not values or values[0].value == 0.0:  # no letters, or a script none of the models knows
        return _Detection("other", script, "und", 0.0, letters >= MIN_LETTERS, {})
    top = values[0]
    label = _script_consistent_label(_label(top.language), script, text)
    if allowed is not None and label not in allowed:
        label = max(allowed, key=lambda candidate: scores.get(candidate, 0.0))
    family_confidence = sum(score for name, score in scores.items() if family_of(name) == family_of(label))
    confident = letters >= MIN_LETTERS and family_confidence >= MIN_FAMILY_CONFIDENCE
    sh_scores = {name: scores.get(name, 0.0) * letters for name in SH_LANGUAGES} if family_of(label) == "sh" else {}
    detected = top.language.iso_code_639_1.name.lower()
    return _Detection(label, script, detected, top.value, confident, sh_scores)


def _label(language: Language) -> str:
    code = language.iso_code_639_1.name.lower()
    return code if code in _LINGUA_BY_LABEL else "other"


def _script_consistent_label(label: str, script: str, text: str) -> str:
    """Apply letter evidence for Cyrillic text: ђ ћ -> sr, ѓ ќ ѕ -> mk; bs/hr Cyrillic -> sr."""
    if script != "Cyrl":
        return label
    serbian = any(char in _SERBIAN_ONLY_LETTERS for char in text)
    macedonian = any(char in _MACEDONIAN_ONLY_LETTERS for char in text)
    if serbian and not macedonian:
        return "sr"
    if macedonian and not serbian:
        return "mk"
    return "sr" if label in ("bs", "hr") else label


def _inherit_weak(detections: list[_Detection]) -> None:
    """Weak paragraphs take the label of the last confident one before them (else the first after)."""
    source = next((item for item in detections if item.confident), None)
    if source is None:
        return
    for item in detections:
        if item.confident:
            source = item
            continue
        item.label = source.label
        item.sh_scores = {}  # inherited labels do not vote


def _vote_sh_language(detections: list[_Detection], declared_sh: frozenset[str] | None) -> None:
    """One sh language per script for the whole release (see module docstring)."""
    for cyrillic in (False, True):
        members = [item for item in detections if family_of(item.label) == "sh" and (item.script == "Cyrl") == cyrillic]
        if not members:
            continue
        candidates = sorted(declared_sh) if declared_sh else list(SH_LANGUAGES)
        if cyrillic and "sr" in candidates:
            candidates = ["sr"]  # lingua has no Cyrillic Bosnian/Croatian model
        totals = dict.fromkeys(candidates, 0.0)
        for item in members:
            for name in candidates:
                totals[name] += item.sh_scores.get(name, 0.0)
        winner = max(candidates, key=lambda name: (totals[name], -candidates.index(name)))
        for item in members:
            item.label = winner
