"""The Gradio chat: questions in, verbatim quotes with citations out.

Layout: the chat with a question box and Helpful / Not helpful buttons on the left;
filters, the sources panel and the release viewer on the right. Every reply is HTML
built by :mod:`assistant.render` (untrusted text escaped) and shown by a Chatbot that
also sanitises HTML, with LaTeX off. The HTTP API endpoint ``/ask`` returns the
structured :class:`~assistant.answer.Answer` as JSON.

Concurrency: requests go through Gradio's queue with ``DEFAULT_CONCURRENCY_LIMIT``
workers. Encoding the question is the only heavy step of an answer; the assistant's
``BatchingEncoder`` encodes the questions of concurrent workers in one model call, so
several workers share the two cores instead of queueing behind each other.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer import Answer
from assistant.export import export_file
from assistant.feedback import append_feedback, make_record, quote_records
from assistant.followup import Conversation
from assistant.languages import FILTER_CHOICES
from assistant.messages import UI_CODES, UI_LANGUAGES, language_label, ui_language_from_browser, ui_text
from assistant.page import BROWSER_LANGUAGES_SCRIPT, SAVE_SCRIPT
from assistant.render import answer_html, escape_text, release_html, sources_html
from assistant.service import Assistant, SearchOptions, error_answer

log = logging.getLogger(__name__)

# As many workers as the question batcher's largest batch: users who ask again as soon as they are
# answered then share one model call per round (README, Performance).
DEFAULT_CONCURRENCY_LIMIT = 32
MAX_SHOWN_QUESTION_CHARS = 600  # the chat echoes at most this much of a pasted question
TITLE = "Press release assistant"
@dataclass
class ChatSession:
    """Per-browser-session state: the conversation and the answer behind each chat message."""

    conversation: Conversation = field(default_factory=Conversation)
    answers: dict[int, Answer] = field(default_factory=dict)  # chat message index -> answer
    last_index: int | None = None

    @property
    def last_answer(self) -> Answer | None:
        return self.answers.get(self.last_index) if self.last_index is not None else None


def shown_question(question: str) -> str:
    text = (question or "").strip()
    if len(text) > MAX_SHOWN_QUESTION_CHARS:
        text = text[:MAX_SHOWN_QUESTION_CHARS] + " …"
    return escape_text(text)


def release_choices(answer: Answer | None, ui: str = "en") -> list[tuple[str, str]]:
    if answer is None:
        return []
    releases = [*answer.sources, *answer.other_versions]
    return [(f"{item.title} ({language_label(item.language, ui)})", item.release_id) for item in releases]


def ui_code(value: str | None) -> str:
    return value if value in UI_CODES else "en"


def filter_choices(ui: str) -> list[tuple[str, str]]:
    return [(language_label(name, ui), tag) for name, tag in FILTER_CHOICES]


def header_html(ui: str) -> str:
    return f"<h2>{escape_text(ui_text('title', ui))}</h2><p>{escape_text(ui_text('intro', ui))}</p>"


def sources_heading(ui: str) -> str:
    return f"<h4>{escape_text(ui_text('sources', ui))}</h4>"


def rendered_history(history: list[dict] | None, session: ChatSession, ui: str) -> list[dict]:
    """The chat's messages with every answer rendered again in ``ui`` (the questions stay)."""
    messages = [dict(item) for item in history or []]
    for index, answer in session.answers.items():
        if index < len(messages):
            messages[index]["content"] = answer_html(answer, ui)
    return messages


def _never_raise(fallback: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Log unexpected errors and answer with ``fallback(*args)`` instead of a stack trace."""

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def wrapper(*args: Any) -> Any:
            try:
                return handler(*args)
            except Exception:
                log.exception("handler %s failed", handler.__name__)
                return fallback(*args)

        return wrapper

    return decorate


class ChatHandlers:
    """The app's event handlers, bound to one :class:`Assistant` and feedback file."""

    def __init__(self, assistant: Assistant, feedback_path: Path) -> None:
        self.assistant = assistant
        self.feedback_path = feedback_path

    def answer(self, question: str, options: SearchOptions, conversation: Conversation) -> tuple[Answer, Conversation]:
        try:
            return self.assistant.ask(question, conversation, options)
        except Exception:
            log.exception("answering %r failed", (question or "")[:200])
            return error_answer(question), conversation

    def ask(
        self,
        question: str,
        history: list[dict] | None,
        session: ChatSession | None,
        languages: list[str] | None,
        date_from: str | None,
        date_to: str | None,
        max_quotes: float | None,
        ui: str | None = "en",
    ) -> tuple[list[dict], ChatSession, str, str, Any, str, str]:
        ui = ui_code(ui)
        history = list(history or [])
        session = session or ChatSession()
        options = SearchOptions(
            languages=tuple(languages or ()),
            date_from=date_from or "",
            date_to=date_to or "",
            max_quotes=int(max_quotes or 3),
        )
        answer, session.conversation = self.answer(question, options, session.conversation)
        history.append({"role": "user", "content": shown_question(question) or "&#160;"})
        history.append({"role": "assistant", "content": answer_html(answer, ui)})
        session.last_index = len(history) - 1
        session.answers[session.last_index] = answer
        viewer_update = gr.update(choices=release_choices(answer, ui), value=None)
        return history, session, "", sources_html(answer, ui), viewer_update, "", ""

    def rate_last(self, session: ChatSession | None, rating: str, ui: str | None = "en") -> str:
        session = session or ChatSession()
        return self._rate(session, session.last_index, rating, ui_code(ui))

    def rate_message(self, session: ChatSession | None, ui: str | None, like: gr.LikeData) -> str:
        """Thumbs on a reply: up is Helpful, down is Not helpful (other values are ignored)."""
        if like.liked is not True and like.liked is not False:
            return ""
        index = like.index if isinstance(like.index, int) else like.index[0]
        rating = "helpful" if like.liked else "not_helpful"
        return self._rate(session or ChatSession(), index, rating, ui_code(ui))

    def _rate(self, session: ChatSession, index: int | None, rating: str, ui: str = "en") -> str:
        answer = session.answers.get(index) if index is not None else None
        if answer is None or answer.status not in {"answered", "no_answer"}:
            return f"<p>{escape_text(ui_text('rate_first', ui))}</p>"
        record = make_record(
            question=answer.question,
            rating=rating,
            chunk_ids=answer.chunk_ids,
            index_generation=answer.index_generation,
            model_id=self.assistant.model_id,
            previous_question=answer.previous_question,
            status=answer.status,
            quotes=quote_records(answer),
        )
        append_feedback(self.feedback_path, record)
        label = ui_text(rating, ui)
        return f"<p>{escape_text(ui_text('rated', ui, label=label, question=answer.question[:120]))}</p>"

    def view_release(self, release_id: str | None, session: ChatSession | None, ui: str | None = "en") -> str:
        if not release_id:
            return ""
        view = self.assistant.release_view(release_id)
        if view is None:
            return f"<p>{escape_text(ui_text('release_gone', ui_code(ui)))}</p>"
        info, text = view
        spans = [
            (quote.start, quote.end)
            for answer in (session or ChatSession()).answers.values()
            for quote in answer.quotes
            if quote.release_id == release_id
        ]
        return release_html(info.title, text, spans, self.assistant.release_pages(release_id))

    def export(self, session: ChatSession | None, ui: str | None, kind: str) -> tuple[str, str]:
        """(file payload for the page, status line): the conversation so far as JSON or Markdown."""
        ui = ui_code(ui)
        answers = [answer for _, answer in sorted((session or ChatSession()).answers.items())]
        if not answers:
            return "", f"<p>{escape_text(ui_text('export_empty', ui))}</p>"
        file = export_file(answers, self.assistant.model_id, kind, ui)
        return json.dumps(file, ensure_ascii=False), f"<p>{escape_text(ui_text('exported', ui, name=file['name']))}</p>"

    def relabel(self, ui: str | None, history: list[dict] | None, session: ChatSession | None) -> list[Any]:
        """Every label in ``ui`` and the conversation rendered again in it (nothing is lost)."""
        ui = ui_code(ui)
        session = session or ChatSession()
        last = session.last_answer
        return [
            ui,
            header_html(ui),
            gr.update(label=ui_text("ui_language", ui), value=ui),
            gr.update(label=ui_text("chat", ui), value=rendered_history(history, session, ui)),
            gr.update(label=ui_text("question_label", ui), placeholder=ui_text("question_placeholder", ui)),
            gr.update(value=ui_text("ask", ui)),
            gr.update(value=ui_text("helpful", ui)),
            gr.update(value=ui_text("not_helpful", ui)),
            gr.update(value=ui_text("new_conversation", ui)),
            gr.update(value=ui_text("export_markdown", ui)),
            gr.update(value=ui_text("export_json", ui)),
            gr.update(label=ui_text("filters", ui)),
            gr.update(label=ui_text("filter_languages", ui), choices=filter_choices(ui)),
            gr.update(label=ui_text("date_from", ui), placeholder=ui_text("date_placeholder", ui)),
            gr.update(label=ui_text("date_to", ui), placeholder=ui_text("date_placeholder", ui)),
            gr.update(label=ui_text("max_quotes", ui)),
            sources_heading(ui),
            sources_html(last, ui),
            gr.update(label=ui_text("release_choice", ui), choices=release_choices(last, ui)),
        ]

    def start(self, browser_languages: str | None) -> list[Any]:
        """Page load (a new, empty conversation): the interface in the browser's language."""
        return self.relabel(ui_language_from_browser(browser_languages or ""), None, None)

    def api_ask(
        self,
        question: str,
        previous_question: str = "",
        languages: list[str] | None = None,
        date_from: str = "",
        date_to: str = "",
        max_quotes: int = 3,
    ) -> dict:
        """Answer one question; pass the previous question to ask a follow-up. Returns the Answer as JSON."""
        previous = (previous_question or "").strip() or None
        conversation = Conversation(topic=previous, previous_question=previous)
        options = SearchOptions(tuple(languages or ()), date_from or "", date_to or "", int(max_quotes or 3))
        answer, _ = self.answer(question, options, conversation)
        return answer.to_dict()


def build_app(assistant: Assistant, feedback_path: Path) -> gr.Blocks:
    """The chat app for ``assistant``; ratings are appended to ``feedback_path``.

    Launch it with ``css=`` and ``js=`` from :mod:`assistant.page` (``assistant.server.serve`` does) for the copy and export buttons.
    """
    handlers = ChatHandlers(assistant, feedback_path)
    en = "en"

    def ask_failed(question, history, session, *rest):
        ui = ui_code(rest[-1] if rest else en)
        history = list(history or []) + [
            {"role": "user", "content": shown_question(question)},
            {"role": "assistant", "content": answer_html(error_answer(question), ui)},
        ]
        return history, session, "", sources_html(None, ui), gr.update(), "", ""

    def say(key: str, position: int) -> Callable[..., str]:
        return lambda *args: f"<p>{escape_text(ui_text(key, ui_code(args[position] if len(args) > position else en)))}</p>"

    ask = _never_raise(ask_failed)(handlers.ask)
    rate_failed = _never_raise(say("rate_failed", 1))
    view = _never_raise(say("release_failed", 2))(handlers.view_release)
    export_failed = _never_raise(lambda *_: ("", f"<p>{escape_text(ui_text('error', en))}</p>"))

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        session = gr.State(ChatSession())
        ui = gr.State(en)
        browser_languages = gr.Textbox(visible=False)
        export_payload = gr.Textbox(visible=False)
        with gr.Row():
            header = gr.HTML(header_html(en), elem_id="header")
            switch = gr.Radio(
                choices=[(name, code) for code, name in UI_LANGUAGES],
                value=en,
                label=ui_text("ui_language", en),
                elem_id="ui-language",
                scale=0,
                min_width=420,
            )
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label=ui_text("chat", en),
                    elem_id="chat",
                    height=640,
                    sanitize_html=True,
                    render_markdown=True,
                    latex_delimiters=[],
                    allow_tags=False,
                    feedback_options=("Like", "Dislike"),
                    buttons=["copy"],
                    group_consecutive_messages=False,
                    layout="bubble",
                )
                with gr.Row():
                    question = gr.Textbox(
                        label=ui_text("question_label", en),
                        placeholder=ui_text("question_placeholder", en),
                        lines=2,
                        scale=5,
                        elem_id="question",
                    )
                    ask_button = gr.Button(ui_text("ask", en), variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    helpful = gr.Button(ui_text("helpful", en), elem_id="helpful", size="sm")
                    not_helpful = gr.Button(ui_text("not_helpful", en), elem_id="not-helpful", size="sm")
                    new_chat = gr.Button(ui_text("new_conversation", en), elem_id="new-conversation", size="sm")
                    export_markdown = gr.Button(ui_text("export_markdown", en), elem_id="export-markdown", size="sm")
                    export_json = gr.Button(ui_text("export_json", en), elem_id="export-json", size="sm")
                feedback_status = gr.HTML(elem_id="feedback-status")
            with gr.Column(scale=2):
                with gr.Accordion(ui_text("filters", en), open=False) as filters:
                    languages = gr.CheckboxGroup(
                        choices=filter_choices(en), label=ui_text("filter_languages", en), elem_id="languages"
                    )
                    with gr.Row():
                        date_from = gr.Textbox(
                            label=ui_text("date_from", en), placeholder=ui_text("date_placeholder", en), elem_id="date-from"
                        )
                        date_to = gr.Textbox(
                            label=ui_text("date_to", en), placeholder=ui_text("date_placeholder", en), elem_id="date-to"
                        )
                    max_quotes = gr.Slider(
                        1, 8, value=3, step=1, label=ui_text("max_quotes", en), elem_id="max-quotes"
                    )
                heading = gr.HTML(sources_heading(en), elem_id="sources-heading")
                sources = gr.HTML(sources_html(None, en), elem_id="sources")
                release_choice = gr.Dropdown(choices=[], label=ui_text("release_choice", en), elem_id="release-choice")
                viewer = gr.HTML(elem_id="viewer")

        labelled = [
            ui, header, switch, chatbot, question, ask_button, helpful, not_helpful, new_chat, export_markdown,
            export_json, filters, languages, date_from, date_to, max_quotes, heading, sources, release_choice,
        ]
        relabel = _never_raise(lambda *_: [gr.update() for _ in labelled])
        # UI events are private; their api names are set so none can take the public "ask".
        demo.load(
            relabel(handlers.start), [browser_languages], labelled,
            js=BROWSER_LANGUAGES_SCRIPT, api_name="ui_start", api_visibility="private",
        )
        switch.input(
            relabel(handlers.relabel), [switch, chatbot, session], labelled,
            api_name="ui_language", api_visibility="private",
        )
        ask_inputs = [question, chatbot, session, languages, date_from, date_to, max_quotes, ui]
        ask_outputs = [chatbot, session, question, sources, release_choice, viewer, feedback_status]
        ask_button.click(ask, ask_inputs, ask_outputs, api_name="ui_ask_click", api_visibility="private")
        question.submit(ask, ask_inputs, ask_outputs, api_name="ui_ask_submit", api_visibility="private")
        helpful.click(
            rate_failed(lambda state, code: handlers.rate_last(state, "helpful", code)), [session, ui], [feedback_status],
            api_name="ui_helpful", api_visibility="private",
        )
        not_helpful.click(
            rate_failed(lambda state, code: handlers.rate_last(state, "not_helpful", code)), [session, ui],
            [feedback_status], api_name="ui_not_helpful", api_visibility="private",
        )
        chatbot.like(
            rate_failed(handlers.rate_message), [session, ui], [feedback_status],
            api_name="ui_like", api_visibility="private",
        )
        release_choice.change(
            view, [release_choice, session, ui], [viewer], api_name="ui_view_release", api_visibility="private"
        )
        for button, kind in ((export_markdown, "markdown"), (export_json, "json")):
            button.click(
                export_failed(lambda state, code, kind=kind: handlers.export(state, code, kind)),
                [session, ui], [export_payload, feedback_status],
                api_name=f"ui_export_{kind}", api_visibility="private",
            ).then(None, [export_payload], None, js=SAVE_SCRIPT)
        new_chat.click(
            lambda code: ([], ChatSession(), sources_html(None, ui_code(code)), gr.update(choices=[], value=None), "", ""),
            [ui],
            [chatbot, session, sources, release_choice, viewer, feedback_status],
            api_name="ui_new_conversation",
            api_visibility="private",
        )
        chatbot.clear(
            lambda code: (ChatSession(), sources_html(None, ui_code(code)), gr.update(choices=[], value=None), "", ""),
            [ui],
            [session, sources, release_choice, viewer, feedback_status],
            api_name="ui_clear",
            api_visibility="private",
        )
        gr.api(handlers.api_ask, api_name="ask")

    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY_LIMIT)
    return demo
