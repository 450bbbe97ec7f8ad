"""Check and clean a question before it reaches the model.

Classes of bad input, each with its own reply: empty or whitespace, binary junk
(mostly control, replacement, private-use or unassigned characters), no words at
all (emoji or symbols only), letters of a script the corpus does not use (e.g.
Chinese, Arabic, Greek), and a language the corpus does not use written in Latin or
Cyrillic (German, Albanian, Russian...: the corpus language detector says "other"
with high confidence). Long pastes are cut to ``MAX_QUESTION_CHARS`` with a notice;
control and invisible format characters are removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from assistant.languages import guess_reply_language, script_of
from assistant.messages import message
from corpus.language import detect_languages

# A question is a sentence or two; the query side of the model gains nothing from a
# long paste, and encoding cost grows with length.
MAX_QUESTION_CHARS = 1000
# Above this share of junk characters (among non-space characters) the input is not text.
MAX_JUNK_SHARE = 0.3
SUPPORTED_SCRIPTS = frozenset({"LATIN", "CYRILLIC"})
# A question is refused as another language only when the detector is this sure and the
# question has this many words: short questions and acronyms ("IOM WBCAP?") are unreliable,
# and Slovene comes out at ~0.8 (close to Croatian; the model still finds passages).
MIN_FOREIGN_CONFIDENCE = 0.9
MIN_FOREIGN_WORDS = 3
_LANGUAGE_NAMES = {
    "de": "German", "fr": "French", "it": "Italian", "sq": "Albanian", "sl": "Slovene",
    "bg": "Bulgarian", "ru": "Russian",
}  # fmt: skip
_JUNK_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
_KEPT_FORMAT = frozenset({"\u200d"})  # zero-width joiner: part of emoji sequences
_WHITESPACE = re.compile(r"\s+")
_SCRIPT_NAMES = {
    "CJK": "Chinese/Japanese characters",
    "HIRAGANA": "Japanese",
    "KATAKANA": "Japanese",
    "HANGUL": "Korean",
}


@dataclass(frozen=True)
class CheckedQuestion:
    """The outcome of :func:`check_question`.

    ``ok`` questions carry the cleaned ``text`` (and maybe a ``notice``); others carry
    ``problem`` (empty, binary, no_words, unsupported_language) and a ``message``.
    """

    text: str
    ok: bool
    problem: str = ""
    message: str = ""
    notice: str = ""
    reply_language: str = "en"
    message_key: str = ""  # the catalogue key of ``message`` when it is not ``problem``
    values: dict[str, str | int] = field(default_factory=dict)  # the message's values


def check_question(raw: str | None, max_chars: int = MAX_QUESTION_CHARS) -> CheckedQuestion:
    """Validate and clean ``raw``; never raises on any string input."""
    raw = raw if isinstance(raw, str) else ""
    if _is_junk(raw):
        return CheckedQuestion(text="", ok=False, problem="binary", message=message("binary"))
    text = clean_text(raw)
    if not text:
        return CheckedQuestion(text="", ok=False, problem="empty", message=message("empty"))
    notice = ""
    if len(text) > max_chars:
        notice = message("truncated", length=len(raw), limit=max_chars)
        text = _cut(text, max_chars)
    language = guess_reply_language(text)
    if not any(character.isalpha() for character in text):
        return CheckedQuestion(
            text=text, ok=False, problem="no_words", message=message("no_words", language), reply_language=language
        )
    script = foreign_script(text)
    foreign = "" if script else foreign_language(text)
    if script or foreign:
        key = "unsupported_script" if script else "unsupported_language"
        return CheckedQuestion(
            text=text,
            ok=False,
            problem="unsupported_language",
            message=message(key, found=script or foreign),
            message_key=key,
            values={"found": script or foreign},
        )
    return CheckedQuestion(text=text, ok=True, notice=notice, reply_language=language)


def foreign_script(text: str) -> str:
    """The name of the unsupported script most letters of ``text`` are in, else ""."""
    letters = [character for character in text if character.isalpha()]
    foreign = Counter(script for script in map(script_of, letters) if script not in SUPPORTED_SCRIPTS)
    if sum(foreign.values()) * 2 <= len(letters):
        return ""
    script = foreign.most_common(1)[0][0]
    return _SCRIPT_NAMES.get(script, script.title())


def prepare_language_detector() -> None:
    """Build the language detector now (about 8 s), not on the first user's question."""
    detect_languages(["Who organised the meeting?"])


def foreign_language(text: str) -> str:
    """The name of the unsupported language ``text`` is clearly written in, else ""."""
    if len(text.split()) < MIN_FOREIGN_WORDS:
        return ""
    guess = detect_languages([text])[0]
    if guess.language != "other" or guess.confidence < MIN_FOREIGN_CONFIDENCE:
        return ""
    return _LANGUAGE_NAMES.get(guess.detected, "another language")


def clean_text(raw: str) -> str:
    """NFC, control/format characters and U+FFFD removed, whitespace runs collapsed."""
    text = unicodedata.normalize("NFC", raw)
    kept = []
    for character in text:
        if character in "\t\n\r\v\f":
            kept.append(" ")
            continue
        category = unicodedata.category(character)
        if category in _JUNK_CATEGORIES or character == "\ufffd":
            continue
        if category == "Cf" and character not in _KEPT_FORMAT:
            continue
        kept.append(character)
    return _WHITESPACE.sub(" ", "".join(kept)).strip()


def _is_junk(raw: str) -> bool:
    visible = [character for character in raw if not character.isspace()]
    if not visible:
        return False
    junk = sum(
        1
        for character in visible
        if character == "\ufffd" or unicodedata.category(character) in _JUNK_CATEGORIES
    )
    return junk > MAX_JUNK_SHARE * len(visible)


def _cut(text: str, limit: int) -> str:
    """The first ``limit`` characters, backed off to the last space when one is near."""
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space].rstrip() if space > limit * 0.8 else head
