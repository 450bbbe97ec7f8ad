from __future__ import annotations

import pytest

from assistant.languages import guess_reply_language, language_name
from assistant.messages import message


@pytest.mark.parametrize(
    ("language", "script", "uncertain", "name"),
    [
        ("mk", "Cyrl", False, "Macedonian"),
        ("sr", "Cyrl", False, "Serbian (Cyrillic)"),
        ("sr", "Latn", False, "Serbian (Latin)"),
        ("bs", "Latn", False, "Bosnian"),
        ("hr", "Latn", True, "Bosnian/Croatian/Serbian (Latin)"),
        ("bs", "Latn", True, "Bosnian/Croatian/Serbian (Latin)"),
        ("en", "Latn", True, "English"),
        ("other", "Latn", False, "Unknown language (Latin)"),
    ],
)
def test_language_names(language, script, uncertain, name):
    assert language_name(language, script, uncertain) == name


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Колку чини опремата?", "mk"),  # ч and -у are shared; the word list decides
        ("Што се случи во Будва?", "mk"),
        ("Шта се десило у Будви?", "sr-Cyrl"),
        ("Ђе је био састанак?", "sr-Cyrl"),
        ("Gdje je održan sastanak?", "sh"),
        ("Kada je bio sastanak", "sh"),
        ("Where was the meeting?", "en"),
        ("2022", "en"),
    ],
)
def test_guess_reply_language(question, language):
    assert guess_reply_language(question) == language


def test_messages_add_the_local_language_after_english():
    assert message("empty") == "Please type a question."
    assert message("empty", "mk") == "Please type a question.\nВе молиме, напишете прашање."
    assert message("binary", "mk").startswith(message("binary") + "\n")
    assert "1,000" in message("truncated", length=5000, limit=1000)
