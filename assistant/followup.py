"""Understand "And when was that?" in the context of the previous question.

A question is a follow-up when there is a previous question and it is short and
leans on the context: it opens with a discourse marker ("and", "i", "а", "what
about", "a šta je sa"...) or points back with an anaphor ("that", "to", "тоа",
"there", "tamo", "таму"...), or it is only a few words long ("Kada?", "Where?").
A follow-up is searched together with the conversation's topic, the last question
that stood on its own, so a chain of follow-ups stays on that topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.languages import guess_reply_language

# Follow-ups longer than this many words are treated as new questions.
MAX_FOLLOWUP_WORDS = 8
# So short that it cannot stand alone ("When?", "Kada je to bilo?" has 4).
MAX_BARE_WORDS = 3

# Words that open a follow-up or point back to something said before, per language
# group. English and the regional languages are kept apart because short words
# collide ("to" is an English preposition but the Bosnian/Croatian/Serbian "that";
# "I" is a pronoun but "i" means "and").
ENGLISH_MARKERS = frozenset({"and", "also", "but", "so", "then"})
ENGLISH_PHRASES = ("what about", "how about", "and what")
ENGLISH_ANAPHORS = frozenset(
    {"that", "this", "it", "its", "they", "them", "their", "there", "those", "these", "then", "he", "she", "him", "her"}
)
REGIONAL_MARKERS = frozenset(
    {
        "i", "a", "pa", "te", "još", "jos", "takođe", "također", "isto",  # Latin script
        "и", "а", "па", "те", "још", "такође", "исто", "уште",  # Cyrillic (Serbian, Macedonian)
    }
)
REGIONAL_PHRASES = ("a šta", "a sta", "a što", "šta je sa", "što je s", "а шта", "а што", "што е со", "а за")
REGIONAL_ANAPHORS = frozenset(
    {
        # Bosnian/Croatian/Serbian/Montenegrin, Latin script
        "to", "taj", "ta", "tu", "tamo", "tada", "tad", "onda", "ovo", "ono", "toga", "tome", "tom", "njih", "oni",
        "njega", "nje", "njemu", "ovaj", "tog", "ovog", "isti", "ista",
        # Serbian, Cyrillic script
        "то", "тај", "та", "ту", "тамо", "тада", "онда", "ово", "оно", "тога", "томе", "том", "њих", "они",
        "њега", "ње", "овај", "тог", "овог",
        # Macedonian
        "тоа", "тој", "таа", "тие", "таму", "тогаш", "ова", "она", "нив", "него", "неа", "истиот", "истата", "оној",
    }
)
_WORD = re.compile(r"[^\W\d_]+|\d+")


@dataclass(frozen=True)
class Conversation:
    """What the next question may refer to: the last stand-alone question and the last question."""

    topic: str | None = None
    previous_question: str | None = None


@dataclass(frozen=True)
class ResolvedQuestion:
    question: str  # as asked
    search_text: str  # what retrieval and highlighting use
    is_followup: bool
    previous_question: str | None


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def is_followup(question: str, previous_question: str | None) -> bool:
    """Whether ``question`` leans on ``previous_question`` (see the module docstring)."""
    if not previous_question or not previous_question.strip():
        return False
    words = words_of(question)
    if not words or len(words) > MAX_FOLLOWUP_WORDS:
        return False
    if len(words) <= MAX_BARE_WORDS:
        return True
    if guess_reply_language(question) == "en":
        markers, phrases, anaphors = ENGLISH_MARKERS, ENGLISH_PHRASES, ENGLISH_ANAPHORS
    else:
        markers, phrases, anaphors = REGIONAL_MARKERS, REGIONAL_PHRASES, REGIONAL_ANAPHORS
    lowered = " ".join(words)
    opens_with_marker = words[0] in markers or any(lowered.startswith(phrase) for phrase in phrases)
    points_back = any(word in anaphors for word in words)
    return opens_with_marker or points_back


def resolve(question: str, conversation: Conversation) -> ResolvedQuestion:
    """The text to search for ``question`` given the conversation so far."""
    if conversation.topic and is_followup(question, conversation.previous_question):
        return ResolvedQuestion(
            question=question,
            search_text=f"{conversation.topic} {question}",
            is_followup=True,
            previous_question=conversation.previous_question,
        )
    return ResolvedQuestion(question=question, search_text=question, is_followup=False, previous_question=None)


def advance(conversation: Conversation, resolved: ResolvedQuestion) -> Conversation:
    """The conversation after ``resolved`` was answered: follow-ups keep the topic."""
    topic = conversation.topic if resolved.is_followup else resolved.question
    return Conversation(topic=topic, previous_question=resolved.question)
