from __future__ import annotations

import html
import json
from pathlib import Path

import gradio as gr
import httpx
import pytest

from assistant.app import ChatHandlers, ChatSession, build_app
from assistant.feedback import read_feedback
from assistant.service import Assistant
from experiments.local_server import free_port
from tests.assistant.test_render import assert_inert

XSS_QUESTION = "Granična policija je dobila nove termovizijske kamere za nadzor granice"


def ask(handlers: ChatHandlers, question: str, session: ChatSession | None = None, history=None):
    return handlers.ask(question, history or [], session or ChatSession(), [], "", "", 3)


def test_a_reply_quoting_the_xss_release_is_inert_html(fake_assistant: Assistant, tmp_path: Path):
    handlers = ChatHandlers(fake_assistant, tmp_path / "feedback.jsonl")
    history, session, cleared, sources, choices, viewer, status = ask(handlers, XSS_QUESTION)
    answer = session.last_answer
    assert answer.quotes[0].release_id == "xss-test-release"
    assert cleared == ""
    reply = history[-1]["content"]
    visible = "".join(assert_inert(reply).text)
    assert "<script>alert(1)</script>" in visible and "<img src=x onerror=alert(1)>" in visible
    assert "".join(assert_inert(sources).text).count("<script>alert(1)</script>") == 1
    assert choices["choices"][0][1] == "xss-test-release"
    viewer = handlers.view_release("xss-test-release", session)
    viewer_text = "".join(assert_inert(viewer).text)
    assert "[x](javascript:alert(1))" in viewer_text
    assert "<mark>" in viewer


def test_the_user_question_is_echoed_escaped(fake_assistant: Assistant, tmp_path: Path):
    handlers = ChatHandlers(fake_assistant, tmp_path / "feedback.jsonl")
    history, *_ = ask(handlers, "<img src=x onerror=alert(1)> Who organised the meeting?")
    assert "<img" not in history[0]["content"]
    assert_inert(history[0]["content"])


def test_an_unexpected_error_becomes_a_short_message(fake_assistant: Assistant, tmp_path: Path, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("index exploded at /secret/path")

    monkeypatch.setattr(fake_assistant, "ask", broken)
    handlers = ChatHandlers(fake_assistant, tmp_path / "feedback.jsonl")
    history, session, *_ = ask(handlers, "Who organised the meeting?")
    reply = history[-1]["content"]
    assert "Sorry, something went wrong" in reply
    assert "exploded" not in reply and "Traceback" not in reply
    assert session.last_answer.status == "error"
    assert "index exploded" in caplog.text  # the details go to the log


def test_ratings_append_a_feedback_line_for_the_rated_reply(fake_assistant: Assistant, tmp_path: Path):
    path = tmp_path / "feedback.jsonl"
    handlers = ChatHandlers(fake_assistant, path)
    assert "after asking" in handlers.rate_last(ChatSession(), "helpful")
    history, session, *_ = ask(handlers, "What equipment did the European Union donate?")
    history, session, *_ = ask(handlers, "And when was that?", session, history)
    assert "Helpful" in handlers.rate_last(session, "helpful")
    first_reply = gr.LikeData(None, {"index": 1, "value": history[1]["content"], "liked": False})
    handlers.rate_message(session, "en", first_reply)
    records = list(read_feedback(path))
    assert [record["rating"] for record in records] == ["helpful", "not_helpful"]
    assert records[0]["question"] == "And when was that?"
    assert records[0]["previous_question"] == "What equipment did the European Union donate?"
    assert records[1]["question"] == "What equipment did the European Union donate?"
    assert records[1]["previous_question"] is None
    assert records[0]["chunk_ids"] == session.last_answer.chunk_ids
    assert records[0]["index_generation"] == fake_assistant.generation.name
    assert records[0]["model_id"] == "fake:64"


def test_invalid_questions_cannot_be_rated(fake_assistant: Assistant, tmp_path: Path):
    handlers = ChatHandlers(fake_assistant, tmp_path / "feedback.jsonl")
    _, session, *_ = ask(handlers, "   ")
    assert "after asking" in handlers.rate_last(session, "helpful")
    assert not (tmp_path / "feedback.jsonl").exists()


def test_api_ask_returns_the_answer_of_the_python_function(fake_assistant: Assistant, tmp_path: Path):
    from assistant.followup import Conversation

    handlers = ChatHandlers(fake_assistant, tmp_path / "feedback.jsonl")
    previous = "What equipment did the European Union donate?"
    data = handlers.api_ask("And when was that?", previous_question=previous)
    expected, _ = fake_assistant.ask("And when was that?", Conversation(previous, previous))
    assert data == expected.to_dict()
    assert json.loads(json.dumps(data)) == data


@pytest.fixture
def running_app(fake_assistant: Assistant, tmp_path: Path):
    demo = build_app(fake_assistant, tmp_path / "feedback.jsonl")
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                allowed_paths=[], max_file_size=0, ssr_mode=False, enable_monitoring=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_gradio_client_gets_the_same_structured_answer(running_app: str, fake_assistant: Assistant, monkeypatch):
    from gradio_client import Client

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")  # the client's own flag alone does not turn it off

    client = Client(running_app, verbose=False, analytics_enabled=False)
    result = client.predict(question="What equipment did the European Union donate?", api_name="/ask")
    expected, _ = fake_assistant.ask("What equipment did the European Union donate?")
    assert result == expected.to_dict()
    follow_up = client.predict(
        question="And when was that?", previous_question="What equipment did the European Union donate?",
        languages=["en"], date_from="2023-01-01", date_to="2023-12-31", max_quotes=1, api_name="/ask",
    )
    assert follow_up["previous_question"] == "What equipment did the European Union donate?"
    assert len(follow_up["quotes"]) == 1 and follow_up["quotes"][0]["language_tag"] == "en"
    assert follow_up["quotes"][0]["citation"]["date"].startswith("2023")
    info = client.view_api(print_info=False, return_format="dict")
    assert list(info["named_endpoints"]) == ["/ask"]  # UI handlers are private


def test_uploads_are_refused(running_app: str):
    response = httpx.post(f"{running_app}gradio_api/upload", files={"files": ("a.txt", b"hello", "text/plain")})
    assert response.status_code >= 400


def test_switching_the_language_relabels_everything_and_keeps_the_conversation(fake_assistant: Assistant, tmp_path):
    handlers = ChatHandlers(fake_assistant, tmp_path / "feedback.jsonl")
    history, session, *_ = ask(handlers, "What equipment did the European Union donate?")
    updates = handlers.relabel("sr-Cyrl", history, session)
    assert updates[0] == "sr-Cyrl" and updates[2]["value"] == "sr-Cyrl"  # the switch shows the language
    chat = updates[3]
    assert len(chat["value"]) == len(history) == 2
    assert chat["value"][0] == history[0]  # the question as it was asked
    assert "Дословно цитирано" in chat["value"][1]["content"] and "Копирај цитат" in chat["value"][1]["content"]
    assert chat["label"] == "Разговор"
    assert updates[5]["value"] == "Питај"
    assert session.last_answer.quotes  # the session itself is untouched
    start = handlers.start("mk-MK,en;q=0.8")
    assert start[0] == "mk" and start[5]["value"] == "Прашај"
    reply = handlers.ask("Kada?", history, session, [], "", "", 3, "mk")[0][-1]["content"]
    assert "Продолжение на прашањето" in reply


def test_export_payload_holds_every_quote_and_its_citation(fake_assistant: Assistant, tmp_path: Path):
    handlers = ChatHandlers(fake_assistant, tmp_path / "feedback.jsonl")
    payload, status = handlers.export(ChatSession(), "mk", "json")
    assert payload == "" and "Прво поставете прашање" in status
    history, session, *_ = ask(handlers, XSS_QUESTION)
    history, session, *_ = ask(handlers, "What equipment did the European Union donate?", session, history)
    payload, status = handlers.export(session, "en", "json")
    file = json.loads(payload)
    assert file["name"].endswith(".json") and file["name"] in html.unescape(status)
    data = json.loads(file["content"])
    assert data["model_id"] == fake_assistant.model_id
    assert [turn["question"] for turn in data["turns"]] == [XSS_QUESTION, "What equipment did the European Union donate?"]
    quotes = [quote for answer in session.answers.values() for quote in answer.quotes]
    exported = [quote for turn in data["turns"] for quote in turn["quotes"]]
    assert [(q["release_id"], q["start"], q["end"]) for q in exported] == [(q.release_id, q.start, q.end) for q in quotes]
    assert all(turn["index_generation"] == data["index_generations"][0] for turn in data["turns"])
    assert all(q["citation_text"].endswith(f"characters {q['start']}–{q['end']}") for q in exported)
    markdown = json.loads(handlers.export(session, "en", "markdown")[0])["content"]
    assert "<script>" not in markdown and "\\<script\\>" in markdown
