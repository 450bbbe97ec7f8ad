from __future__ import annotations

import pytest

from assistant.followup import Conversation, advance, is_followup, resolve

PREVIOUS = "What equipment did the European Union donate to the Directorate for Coordination of Police Bodies?"


@pytest.mark.parametrize(
    "question",
    [
        "And when was that?",
        "When?",
        "What about Montenegro?",
        "Kada je to bilo?",
        "I gdje je to bilo?",
        "А кога беше тоа?",
        "Када је то било?",
        "Who paid for it?",
    ],
)
def test_short_context_dependent_questions_are_follow_ups(question):
    assert is_followup(question, PREVIOUS)


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2018 World Cup?",
        "What is the recipe for sarma?",
        "What did the EU donate to the police directorate?",  # English "to" is not an anaphor
        "Who organised the meeting of border police chiefs in Budva in June 2022?",
        "Koliko migranata je prošlo kroz Zapadni Balkan od 2015. godine?",
    ],
)
def test_full_questions_are_not_follow_ups(question):
    assert not is_followup(question, PREVIOUS)


def test_nothing_is_a_follow_up_without_a_previous_question():
    assert not is_followup("And when was that?", None)
    assert not is_followup("When?", "  ")


def test_follow_ups_are_searched_with_the_topic_and_chains_keep_it():
    conversation = Conversation()
    first = resolve(PREVIOUS, conversation)
    assert not first.is_followup and first.search_text == PREVIOUS
    conversation = advance(conversation, first)

    second = resolve("And when was that?", conversation)
    assert second.is_followup
    assert second.search_text == f"{PREVIOUS} And when was that?"
    assert second.previous_question == PREVIOUS
    conversation = advance(conversation, second)

    third = resolve("Where?", conversation)
    assert third.search_text == f"{PREVIOUS} Where?"
    assert third.previous_question == "And when was that?"
    conversation = advance(conversation, third)

    fresh = resolve("Who won the 2018 World Cup?", conversation)
    assert not fresh.is_followup and fresh.search_text == "Who won the 2018 World Cup?"
    assert advance(conversation, fresh).topic == "Who won the 2018 World Cup?"
