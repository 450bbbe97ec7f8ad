from __future__ import annotations

import random

import pytest

from assistant.questions import MAX_QUESTION_CHARS, check_question, clean_text


@pytest.mark.parametrize("raw", ["", "   ", "\n\t  \r\n", None])
def test_empty_or_whitespace_is_refused_with_a_prompt(raw):
    checked = check_question(raw)
    assert not checked.ok
    assert checked.problem == "empty"
    assert "type a question" in checked.message


def test_a_100_kb_paste_is_cut_to_the_limit_with_a_notice():
    raw = ("Who organised the border police meeting in Budva? " * 2100)[:100_000]
    checked = check_question(raw)
    assert checked.ok
    assert len(checked.text) <= MAX_QUESTION_CHARS
    assert raw.startswith(checked.text)
    assert "100,000" in checked.notice and f"{MAX_QUESTION_CHARS:,}" in checked.notice


def test_control_characters_are_stripped_and_whitespace_collapsed():
    checked = check_question("Who\x00 organised\x07 the\u200b meeting?\x1b[31m\n\nIn Budva\u202e")
    assert checked.ok
    assert checked.text == "Who organised the meeting?[31m In Budva"


def test_clean_text_keeps_the_zero_width_joiner_of_emoji_sequences():
    assert clean_text("a 👩\u200d💻 b") == "a 👩\u200d💻 b"


@pytest.mark.parametrize(
    "raw",
    [
        "\x00\x01\x02\x03\x04\x05\x06abc",
        "\ufffd\ufffd\ufffd\ufffd\ufffdok",
        "".join(chr(0xE000 + i) for i in range(20)) + " what",
        random.Random(7).randbytes(4000).decode("utf-8", errors="replace"),  # a binary file pasted as text
        bytes(range(32)).decode("ascii") * 10 + "PNG IHDR",
    ],
)
def test_binary_junk_gets_its_own_reply(raw):
    checked = check_question(raw)
    assert not checked.ok
    assert checked.problem == "binary"
    assert "binary" in checked.message


def test_a_few_stray_replacement_characters_do_not_make_a_question_binary():
    checked = check_question("Koliko je vrijedila oprema\ufffd koju je EU donirala?")
    assert checked.ok
    assert checked.text == "Koliko je vrijedila oprema koju je EU donirala?"


@pytest.mark.parametrize("raw", ["😀😀😀", "👍 🎉 ❤️", "??? !!!", "🇧🇦 👩\u200d💻", "123 456"])
def test_questions_without_words_are_refused(raw):
    checked = check_question(raw)
    assert not checked.ok
    assert checked.problem == "no_words"
    assert "in words" in checked.message


@pytest.mark.parametrize(
    ("raw", "script"),
    [
        ("移民组织在布德瓦举办了什么会议？", "Chinese/Japanese"),
        ("ما هي المنظمة الدولية للهجرة؟", "Arabic"),
        ("Ποιος οργάνωσε τη συνάντηση;", "Greek"),
    ],
)
def test_unsupported_scripts_are_refused_naming_the_supported_languages(raw, script):
    checked = check_question(raw)
    assert not checked.ok
    assert checked.problem == "unsupported_language"
    assert script in checked.message
    for language in ("Bosnian", "Croatian", "Serbian", "Montenegrin", "Macedonian", "English"):
        assert language in checked.message


@pytest.mark.parametrize(
    ("raw", "language"),
    [
        ("Кој ја организираше средбата на граничните полиции?", "mk"),
        ("Ко је организовао састанак граничних полиција?", "sr-Cyrl"),
        ("Šta je EU donirala Direkciji?", "sh"),
        ("What did the EU donate?", "en"),
    ],
)
def test_supported_questions_pass_and_carry_the_reply_language(raw, language):
    checked = check_question(raw)
    assert checked.ok
    assert checked.text == raw
    assert checked.reply_language == language


@pytest.mark.parametrize(
    ("raw", "language"),
    [
        ("Wer hat das Treffen der Grenzpolizei organisiert?", "German"),
        ("Kush e organizoi takimin e shefave të policisë kufitare?", "Albanian"),
        ("Кто организовал встречу пограничной полиции?", "Russian"),
    ],
)
def test_other_languages_in_supported_scripts_are_refused_by_name(raw, language):
    checked = check_question(raw)
    assert not checked.ok and checked.problem == "unsupported_language"
    assert f"seems to be in {language}" in checked.message
    assert "Macedonian" in checked.message


@pytest.mark.parametrize(
    "raw",
    ["IOM WBCAP?", "Budva?", "Kdo je organiziral srečanje vodij mejne policije?", "Šta je WBJAST?",
     "Кој го организираше состанокот?", "Ko je organizovao sastanak?"],
)
def test_short_acronym_or_close_language_questions_are_not_refused(raw):
    assert check_question(raw).ok


def test_a_question_with_one_foreign_word_is_still_accepted():
    checked = check_question("What does the word 移民 mean in the IOM releases?")
    assert checked.ok
