"""HTML for answers, the sources panel and the release viewer.

Release text, titles and file names are untrusted. Every piece of it goes through
:func:`escape_text`, which turns HTML *and* Markdown syntax characters into numeric
character references, so neither the chat's Markdown renderer nor the browser can
read markup into it: ``<script>``, ``<img onerror=...>`` and ``[x](javascript:...)``
show as the characters they are. Links are made only from ``http(s)`` URLs, and the
generated HTML is one line (no blank line can end an HTML block early in Markdown).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from assistant.answer import Answer, Quote
from corpus.pages import page_breaks
from assistant.citation import SEPARATOR, PageRange, answer_with_citations, citation_parts, quote_with_citation
from assistant.messages import language_label, plural, ui_text

# Characters that mean something in HTML or (GitHub-flavoured) Markdown or KaTeX.
_SPECIAL = '&<>"\'`*_[](){}#!|~$\\:=+-.'
_ESCAPES = {ord(character): f"&#{ord(character)};" for character in _SPECIAL}
_ESCAPES[ord("\n")] = "<br>"
_ESCAPES[ord("\r")] = ""

_PAGE_BREAK_STYLE = "display:block;margin:0.6em 0;border-top:1px dashed #999;color:#666;font-size:0.85em"

STATUS_CLASSES = {"answered": "answered", "no_answer": "no-answer", "invalid": "invalid", "error": "error"}


def escape_text(text: str) -> str:
    """``text`` as inert HTML: markup characters as references, line breaks as ``<br>``."""
    return text.translate(_ESCAPES)


def safe_link(url: str, label: str) -> str:
    """An ``<a>`` for http(s) URLs with a host; anything else is shown as plain escaped text."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return escape_text(label)
    href = html.escape(url.strip(), quote=True)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer nofollow">{escape_text(label)}</a>'


def marked_text(text: str, spans: Iterable[tuple[int, int]], offset: int = 0) -> str:
    """Escaped ``text`` with ``spans`` (offsets relative to ``offset``) wrapped in ``<mark>``."""
    merged = merge_spans((start - offset, end - offset) for start, end in spans)
    pieces, cursor = [], 0
    for start, end in merged:
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        pieces.append(escape_text(text[cursor:start]))
        pieces.append(f"<mark>{escape_text(text[start:end])}</mark>")
        cursor = end
    pieces.append(escape_text(text[cursor:]))
    return "".join(pieces)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans covering the same characters."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(span for span in spans if span[1] > span[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def citation_html(quote: Quote, ui: str = "en", pages: PageRange | None = None) -> str:
    """The citation under a quote: :func:`assistant.citation.citation_parts`, escaped, the source linked."""
    title, date, language, where, *rest = citation_parts(quote.citation, pages, ui)
    citation = quote.citation
    parts = [
        f"<strong>{escape_text(title)}</strong>",
        escape_text(date),
        escape_text(language),
        safe_link(citation.link, citation.link) if citation.link else escape_text(where),
        *(escape_text(part) for part in rest),
    ]
    return '<cite class="citation">' + SEPARATOR.join(parts) + "</cite>"


def copy_button(css_class: str, label: str, text: str) -> str:
    """A button and, hidden beside it, the text the page script copies when it is clicked.

    The Chatbot's sanitiser strips inline handlers and every attribute but ``class`` and
    ``type`` (``data-*`` and ``value`` too), so the text travels as an escaped hidden span.
    """
    return (
        f'<span class="copy-box"><button type="button" class="{css_class}">{escape_text(label)}</button>'
        f'<span class="copy-text">{escape_text(text)}</span></span>'
    )


def quote_html(quote: Quote, ui: str = "en", pages: PageRange | None = None) -> str:
    spans = [(span.start, span.end) for span in quote.highlights]
    body = marked_text(quote.text, spans, offset=quote.start)
    button = copy_button("copy-citation", ui_text("copy_citation", ui), quote_with_citation(quote, pages, ui))
    return f'<div class="quote"><blockquote>{body}</blockquote>{citation_html(quote, ui, pages)}{button}</div>'


def reply_text(answer: Answer, ui: str = "en") -> str:
    """The answer's message in the interface language: the catalogue's text when it has the key."""
    if answer.status == "answered":
        return ui_text(
            "summary",
            ui,
            quotes=plural(len(answer.quotes), "n_passages", ui),
            releases=plural(len(answer.sources), "n_releases", ui),
        )
    if answer.message_key:
        values = dict(answer.message_values)
        if isinstance(values.get("field"), str):  # a field name is a catalogue key itself
            values["field"] = ui_text(values["field"], ui)
        try:
            return ui_text(answer.message_key, ui, **values)
        except (KeyError, IndexError, ValueError):
            pass
    return answer.message


def answer_html(answer: Answer, ui: str = "en") -> str:
    """The chat message for ``answer`` in the interface language ``ui`` (one line of HTML)."""
    css = STATUS_CLASSES.get(answer.status, "invalid")
    parts = [f'<div class="answer {css}">']
    if answer.notice:
        parts.append(f'<p class="notice">{escape_text(answer.notice)}</p>')
    if answer.previous_question:
        parts.append(
            f'<p class="context">{escape_text(ui_text("follow_up", ui))} <em>{escape_text(answer.previous_question)}</em></p>'
        )
    parts.append(f'<p class="message">{escape_text(reply_text(answer, ui))}</p>')
    parts.extend(quote_html(quote, ui) for quote in answer.quotes)
    if answer.other_versions:
        items = "".join(
            f"<li>{escape_text(language_label(version.language, ui))}: "
            f"{safe_link(version.link, version.title) if version.link else escape_text(version.title)}"
            f" ({escape_text(version.date or ui_text('undated', ui))}; {escape_text(version.source)})</li>"
            for version in answer.other_versions
        )
        parts.append(
            f'<div class="other-versions"><p>{escape_text(ui_text("other_versions", ui))}</p><ul>{items}</ul></div>'
        )
    if answer.quotes:
        parts.append(copy_button("copy-answer", ui_text("copy_answer", ui), answer_with_citations(answer, ui)))
    parts.append("</div>")
    return "".join(parts)


def sources_html(answer: Answer | None, ui: str = "en") -> str:
    """The sources panel: every cited release (and other-language versions)."""
    if answer is None or not answer.sources:
        return f'<div class="sources empty">{escape_text(ui_text("sources_empty", ui))}</div>'
    rows = []
    for source in answer.sources:
        where = safe_link(source.link, source.source) if source.link else escape_text(source.source)
        count = plural(source.quote_count, "n_quotes", ui)
        rows.append(
            f"<li><strong>{escape_text(source.title)}</strong><br>{escape_text(source.date or ui_text('undated', ui))} · "
            f"{escape_text(language_label(source.language, ui))} · {where} · {escape_text(count)}</li>"
        )
    for version in answer.other_versions:
        where = safe_link(version.link, version.source) if version.link else escape_text(version.source)
        rows.append(
            f"<li><strong>{escape_text(version.title)}</strong><br>{escape_text(version.date or ui_text('undated', ui))} · "
            f"{escape_text(language_label(version.language, ui))} · {where} · {escape_text(ui_text('same_story', ui))}</li>"
        )
    return f'<div class="sources"><ol>{"".join(rows)}</ol></div>'


def release_html(
    title: str, text: str, spans: Sequence[tuple[int, int]], page_starts: Sequence[int] = ()
) -> str:
    """The full cleaned release text with the quoted spans marked and, for a PDF, its page breaks."""
    pieces, cursor = [], 0
    for offset, page in page_breaks(page_starts, len(text)):
        pieces.append(marked_text(text[cursor:offset], spans, offset=cursor))
        pieces.append(f'<span class="page-break" data-page="{page}" style="{_PAGE_BREAK_STYLE}">p. {page}</span>')
        cursor = offset
    pieces.append(marked_text(text[cursor:], spans, offset=cursor))
    return (
        f'<div class="release-view"><h3>{escape_text(title)}</h3>'
        f'<div class="release-text">{"".join(pieces)}</div></div>'
    )
