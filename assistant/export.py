"""A conversation as a file to download: JSON (for tools) and Markdown (for people).

The chat builds the file in memory and hands its text to the page, which saves it through a
``blob:`` URL; the server writes nothing to disk and serves no file. JSON carries every
question, its quotes with offsets and highlights, their citations (fields and the formatted
line of :mod:`assistant.citation`), the index generation each answer came from and the model id.
Markdown backslash-escapes every punctuation character CommonMark could read as markup, so
release text shows as text in any Markdown viewer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict

from assistant.answer import Answer
from assistant.citation import format_citation
from assistant.messages import ui_text

FORMAT = "press-assistant-conversation/1"
_MARKDOWN_SPECIAL = "\\`*_{}[]()<>#+-.!|~$&"
_MARKDOWN_ESCAPES = {ord(character): "\\" + character for character in _MARKDOWN_SPECIAL}


def conversation_data(answers: Sequence[Answer], model_id: str, ui: str = "en", now: dt.datetime | None = None) -> dict:
    """The conversation as one JSON-ready object."""
    moment = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    turns = []
    for answer in answers:
        quotes = [
            {
                "text": quote.text,
                "release_id": quote.release_id,
                "chunk_id": quote.chunk_id,
                "start": quote.start,
                "end": quote.end,
                "score": round(quote.score, 4),
                "language_tag": quote.language_tag,
                "highlights": [asdict(span) for span in quote.highlights],
                "citation": asdict(quote.citation),
                "citation_text": format_citation(quote.citation, None, ui),
            }
            for quote in answer.quotes
        ]
        turns.append(
            {
                "question": answer.question,
                "previous_question": answer.previous_question,
                "status": answer.status,
                "message": answer.message,
                "index_generation": answer.index_generation,
                "quotes": quotes,
                "other_versions": [asdict(version) for version in answer.other_versions],
            }
        )
    generations = list(dict.fromkeys(a.index_generation for a in answers if a.index_generation))
    return {
        "format": FORMAT,
        "exported": moment,
        "model_id": model_id,
        "index_generations": generations,
        "interface_language": ui,
        "turns": turns,
    }


def conversation_json(answers: Sequence[Answer], model_id: str, ui: str = "en") -> str:
    return json.dumps(conversation_data(answers, model_id, ui), ensure_ascii=False, indent=2) + "\n"


def markdown_text(text: str) -> str:
    """``text`` with CommonMark's markup characters backslash-escaped and line breaks kept."""
    return text.translate(_MARKDOWN_ESCAPES).replace("\r", "").replace("\n", "  \n")


def conversation_markdown(answers: Sequence[Answer], model_id: str, ui: str = "en") -> str:
    data = conversation_data(answers, model_id, ui)
    lines = [f"# {markdown_text(ui_text('title', ui))}", "", f"{data['exported']} · {markdown_text(model_id)}", ""]
    for answer, turn in zip(answers, data["turns"]):
        lines += [f"## {markdown_text(answer.question)}", ""]
        if not answer.quotes:
            lines += [markdown_text(answer.message), ""]
        for quote in turn["quotes"]:
            body = " ".join(quote["text"].split())
            lines += [f"> {markdown_text(body)}", ">", f"> — {markdown_text(quote['citation_text'])}", ""]
    return "\n".join(lines)


def export_file(answers: Sequence[Answer], model_id: str, kind: str, ui: str = "en") -> dict[str, str]:
    """``{"name", "mime", "content"}`` for the page to save; ``kind`` is "json" or "markdown"."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    if kind == "json":
        return {"name": f"conversation-{stamp}.json", "mime": "application/json",
                "content": conversation_json(answers, model_id, ui)}
    return {"name": f"conversation-{stamp}.md", "mime": "text/markdown",
            "content": conversation_markdown(answers, model_id, ui)}
