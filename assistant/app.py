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
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer import Answer
from assistant.feedback import append_feedback, make_record
from assistant.followup import Conversation
from assistant.languages import FILTER_CHOICES
from assistant.render import answer_html, escape_text, release_html, sources_html
from assistant.service import Assistant, SearchOptions, error_answer

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY_LIMIT = 16
MAX_SHOWN_QUESTION_CHARS = 600  # the chat echoes at most this much of a pasted question
TITLE = "Press release assistant"
CSS = """
.answer .quote { margin: 0.6em 0 1em 0; }
.answer blockquote { border-left: 3px solid #8aa; margin: 0; padding: 0.3em 0.8em; white-space: normal; }
.answer mark, .release-text mark { background: #ffe58a; color: inherit; padding: 0 1px; }
.answer cite.citation { display: block; font-size: 0.85em; font-style: normal; opacity: 0.85; margin-top: 0.3em; }
.answer .notice { color: #a15c00; }
.answer.no-answer .message, .answer.invalid .message, .answer.error .message { font-weight: 600; }
.release-text { max-height: 480px; overflow-y: auto; line-height: 1.5; }
.answer strong, .sources strong, .release-view h3 { font-weight: 600; } /* the bundled font's bold weight */
"""


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


def release_choices(answer: Answer | None) -> list[tuple[str, str]]:
    if answer is None:
        return []
    choices = [(f"{source.title} ({source.language})", source.release_id) for source in answer.sources]
    choices += [(f"{version.title} ({version.language})", version.release_id) for version in answer.other_versions]
    return choices


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
    ) -> tuple[list[dict], ChatSession, str, str, Any, str, str]:
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
        history.append({"role": "assistant", "content": answer_html(answer)})
        session.last_index = len(history) - 1
        session.answers[session.last_index] = answer
        choices = release_choices(answer)
        viewer_update = gr.update(choices=choices, value=None)
        return history, session, "", sources_html(answer), viewer_update, "", ""

    def rate_last(self, session: ChatSession | None, rating: str) -> str:
        session = session or ChatSession()
        return self._rate(session, session.last_index, rating)

    def rate_message(self, session: ChatSession | None, like: gr.LikeData) -> str:
        """Thumbs on a reply: up is Helpful, down is Not helpful (other values are ignored)."""
        if like.liked is not True and like.liked is not False:
            return ""
        index = like.index if isinstance(like.index, int) else like.index[0]
        rating = "helpful" if like.liked else "not_helpful"
        return self._rate(session or ChatSession(), index, rating)

    def _rate(self, session: ChatSession, index: int | None, rating: str) -> str:
        answer = session.answers.get(index) if index is not None else None
        if answer is None or answer.status not in {"answered", "no_answer"}:
            return "<p>Rate an answer after asking a question.</p>"
        record = make_record(
            question=answer.question,
            rating=rating,
            chunk_ids=answer.chunk_ids,
            index_generation=answer.index_generation,
            model_id=self.assistant.model_id,
            previous_question=answer.previous_question,
            status=answer.status,
        )
        append_feedback(self.feedback_path, record)
        label = "Helpful" if rating == "helpful" else "Not helpful"
        return f"<p>Thank you: recorded “{label}” for “{escape_text(answer.question[:120])}”.</p>"

    def view_release(self, release_id: str | None, session: ChatSession | None) -> str:
        if not release_id:
            return ""
        view = self.assistant.release_view(release_id)
        if view is None:
            return "<p>This release is no longer in the index.</p>"
        info, text = view
        spans = [
            (quote.start, quote.end)
            for answer in (session or ChatSession()).answers.values()
            for quote in answer.quotes
            if quote.release_id == release_id
        ]
        return release_html(info.title, text, spans, self.assistant.release_pages(release_id))

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
    """The chat app for ``assistant``; ratings are appended to ``feedback_path``."""
    handlers = ChatHandlers(assistant, feedback_path)

    def ask_failed(question, history, session, *_):
        history = list(history or []) + [
            {"role": "user", "content": shown_question(question)},
            {"role": "assistant", "content": answer_html(error_answer(question))},
        ]
        return history, session, "", sources_html(None), gr.update(), "", ""

    ask = _never_raise(ask_failed)(handlers.ask)
    rate_failed = _never_raise(lambda *_: "<p>Sorry, the rating could not be saved.</p>")
    view = _never_raise(lambda *_: "<p>Sorry, the release cannot be shown.</p>")(handlers.view_release)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        session = gr.State(ChatSession())
        gr.HTML(
            f"<h2>{TITLE}</h2><p>Ask in Bosnian, Croatian, Serbian, Montenegrin, Macedonian or English. "
            "Answers are passages quoted word for word from the press releases, with their source; "
            "the best-matching sentence is highlighted.</p>"
        )
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat",
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
                        label="Question",
                        placeholder="e.g. Ко го организираше состанокот на граничните полиции?",
                        lines=2,
                        scale=5,
                        elem_id="question",
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    helpful = gr.Button("Helpful", elem_id="helpful", size="sm")
                    not_helpful = gr.Button("Not helpful", elem_id="not-helpful", size="sm")
                    new_chat = gr.Button("New conversation", elem_id="new-conversation", size="sm")
                feedback_status = gr.HTML(elem_id="feedback-status")
            with gr.Column(scale=2):
                with gr.Accordion("Filters", open=False):
                    languages = gr.CheckboxGroup(choices=list(FILTER_CHOICES), label="Languages (none = all)")
                    with gr.Row():
                        date_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD", elem_id="date-from")
                        date_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD", elem_id="date-to")
                    max_quotes = gr.Slider(1, 8, value=3, step=1, label="Number of quotes", elem_id="max-quotes")
                gr.HTML("<h4>Sources</h4>")
                sources = gr.HTML(sources_html(None), elem_id="sources")
                release_choice = gr.Dropdown(
                    choices=[], label="Open a cited release (full cleaned text, quotes marked)", elem_id="release-choice"
                )
                viewer = gr.HTML(elem_id="viewer")

        ask_inputs = [question, chatbot, session, languages, date_from, date_to, max_quotes]
        ask_outputs = [chatbot, session, question, sources, release_choice, viewer, feedback_status]
        # UI events are private; their api names are set so none can take the public "ask".
        ask_button.click(ask, ask_inputs, ask_outputs, api_name="ui_ask_click", api_visibility="private")
        question.submit(ask, ask_inputs, ask_outputs, api_name="ui_ask_submit", api_visibility="private")
        helpful.click(
            rate_failed(lambda state: handlers.rate_last(state, "helpful")), [session], [feedback_status],
            api_name="ui_helpful", api_visibility="private",
        )
        not_helpful.click(
            rate_failed(lambda state: handlers.rate_last(state, "not_helpful")), [session], [feedback_status],
            api_name="ui_not_helpful", api_visibility="private",
        )
        chatbot.like(
            rate_failed(handlers.rate_message), [session], [feedback_status], api_name="ui_like", api_visibility="private"
        )
        release_choice.change(
            view, [release_choice, session], [viewer], api_name="ui_view_release", api_visibility="private"
        )
        new_chat.click(
            lambda: ([], ChatSession(), sources_html(None), gr.update(choices=[], value=None), "", ""),
            None,
            [chatbot, session, sources, release_choice, viewer, feedback_status],
            api_name="ui_new_conversation",
            api_visibility="private",
        )
        chatbot.clear(
            lambda: (ChatSession(), sources_html(None), gr.update(choices=[], value=None), "", ""),
            None,
            [session, sources, release_choice, viewer, feedback_status],
            api_name="ui_clear",
            api_visibility="private",
        )
        gr.api(handlers.api_ask, api_name="ask")

    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY_LIMIT)
    return demo
