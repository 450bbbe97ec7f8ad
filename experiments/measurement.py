"""What the chat measurements share: off-topic questions and an assistant over the shipped corpus.

Used by ``experiments.threshold`` (the no-answer and same-story thresholds) and
``experiments.chat_latency`` (its off-topic questions).
"""

from __future__ import annotations

from pathlib import Path

OFF_TOPIC_QUESTIONS = (
    "What is the recipe for sarma?",
    "Who won the 2018 World Cup?",
    "How do I reset my email password?",
    "What will the weather be like in Sarajevo tomorrow?",
    "Koji je najbolji recept za baklavu?",
    "Ko je pobijedio na Eurosongu 2019?",
    "Koliko košta karta za kino u Zagrebu?",
    "Kako se pravi domaći ajvar?",
    "Ko je napisao roman Na Drini ćuprija?",
    "Кој фудбалски клуб го освои првенството во 2020?",
    "Како се подготвува тавче гравче?",
    "Колку чини литар млеко во Скопје?",
    "Ко је освојио Вимблдон 2021. године?",
    "Како се прави српска проја?",
    "What is the capital of Australia?",
    "How many calories are in a banana?",
)
MEASURE_INDEX = "measure-seeds"  # index name under the assistant home, shared by the measurements


def measurement_assistant(home: Path | None, corpus: Path):
    """(settings, encoder, Assistant) over an up-to-date index of ``corpus`` built with the real model."""
    from assistant.service import Assistant
    from corpus.loader import load_corpus
    from index.build import build_index
    from index.encoder import load_encoder
    from index.settings import load_settings

    settings = load_settings(home).with_overrides(index_name=MEASURE_INDEX, corpus_dir=corpus)
    encoder = load_encoder(settings.model, settings)
    build_index(settings, encoder, load_corpus(settings.corpus_dir).releases, progress=True)
    assistant = Assistant(settings.index_dir, encoder, mode=settings.retrieval_mode)
    return settings, encoder, assistant
