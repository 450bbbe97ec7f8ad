"""Human names for the corpus language tags, and a guess of the asker's language."""

from __future__ import annotations

import unicodedata

# Language filters offered in the UI (index.search.Filters tags); "sh" is the whole
# Bosnian/Croatian/Serbian/Montenegrin family in both scripts.
FILTER_CHOICES = (
    ("English", "en"),
    ("Bosnian", "bs"),
    ("Croatian", "hr"),
    ("Serbian (Latin)", "sr-Latn"),
    ("Serbian (Cyrillic)", "sr-Cyrl"),
    ("Macedonian", "mk"),
    ("Bosnian/Croatian/Serbian/Montenegrin (all)", "sh"),
)

LANGUAGE_NAMES = {
    "en": "English",
    "bs": "Bosnian",
    "hr": "Croatian",
    "sr-Latn": "Serbian (Latin)",
    "sr-Cyrl": "Serbian (Cyrillic)",
    "sr": "Serbian",
    "mk": "Macedonian",
    "sh": "Bosnian/Croatian/Serbian",
}
SUPPORTED_LANGUAGES_TEXT = (
    "Bosnian, Croatian, Serbian (Latin or Cyrillic), Montenegrin, Macedonian or English"
)

# Letters only one language of the region uses, in Cyrillic script.
_MACEDONIAN_ONLY = frozenset("ѓќѕЃЌЅ")
_SERBIAN_ONLY = frozenset("ђћЂЋ")
_SOUTH_SLAVIC_LATIN = frozenset("čćđšžČĆĐŠŽ")
# Function words typical of one of the two Cyrillic languages (shared ones like "се", "на" left out).
_MACEDONIAN_WORDS = frozenset({"што", "кога", "каде", "зошто", "кој", "кое", "е", "беше", "тоа", "со", "во", "колку"})
_SERBIAN_CYRILLIC_WORDS = frozenset({"шта", "када", "где", "зашто", "који", "је", "било", "то", "са", "у", "колико"})


def language_name(language: str, script: str = "", uncertain: bool = False) -> str:
    """Display name for a chunk's language and script.

    ``uncertain`` (or a family/unknown label) gives the family name with the script,
    e.g. "Bosnian/Croatian/Serbian (Latin)": the detector cannot always tell these apart.
    """
    script_name = {"Latn": "Latin", "Cyrl": "Cyrillic"}.get(script, "")
    if language == "sr" and script_name:
        return f"Serbian ({script_name})"
    if (language in {"bs", "hr", "sr"} and uncertain) or language == "sh":
        return f"Bosnian/Croatian/Serbian ({script_name})" if script_name else "Bosnian/Croatian/Serbian"
    if language in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[language]
    if language == "other" or not language:
        return f"Unknown language ({script_name})" if script_name else "Unknown language"
    return language


def script_of(character: str) -> str:
    """Unicode script family of a letter from its character name: LATIN, CYRILLIC, GREEK, CJK..."""
    try:
        name = unicodedata.name(character)
    except ValueError:
        return "UNKNOWN"
    return name.split(" ", 1)[0]


def guess_reply_language(question: str) -> str:
    """The language to add to English in short replies: "mk", "sr-Cyrl", "sh" or "en".

    A cheap guess from letters and a few function words; used only to choose the
    wording of fixed messages, never for retrieval.
    """
    letters = [character for character in question if character.isalpha()]
    if not letters:
        return "en"
    cyrillic = sum(script_of(character) == "CYRILLIC" for character in letters)
    if cyrillic * 2 > len(letters):
        if any(character in _MACEDONIAN_ONLY for character in question):
            return "mk"
        if any(character in _SERBIAN_ONLY for character in question):
            return "sr-Cyrl"
        words = {word.strip(".,;:!?\"'()«»„“").lower() for word in question.split()}
        macedonian = len(words & _MACEDONIAN_WORDS)
        serbian = len(words & _SERBIAN_CYRILLIC_WORDS)
        return "sr-Cyrl" if serbian > macedonian else "mk"
    if any(character in _SOUTH_SLAVIC_LATIN for character in question):
        return "sh"
    words = {word.strip(".,;:!?\"'()").lower() for word in question.split()}
    if words & {"je", "li", "što", "šta", "sta", "kada", "gdje", "gde", "kako", "koji", "koja", "zašto", "i", "u", "na", "od"}:
        return "sh"
    return "en"
