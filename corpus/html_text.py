"""HTML to plain text with one paragraph per block element.

Non-content elements (script, style, iframe, nav, header, footer, form,
noscript, ...) are dropped. Block elements become paragraphs separated by a
blank line, ``<br>`` becomes a line break, and whitespace inside a paragraph
collapses to single spaces. The tree is walked iteratively, so arbitrarily
deep nesting cannot hit Python's recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, Tag

DROPPED_TAGS = (
    "script", "style", "iframe", "nav", "header", "footer", "form", "noscript",
    "head", "template", "svg", "canvas", "object", "embed", "button", "select", "textarea",
)  # fmt: skip
BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main",
    "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul", "body", "html",
)  # fmt: skip

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class HtmlDocument:
    text: str
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


def parse_html(html: str) -> HtmlDocument:
    """Body text, ``<title>`` and ``<meta name|property=... content=...>`` pairs."""
    soup = BeautifulSoup(html, "html.parser")
    title_tag = soup.find("title")
    title = _collapse(title_tag.get_text(" ")) if isinstance(title_tag, Tag) else None
    meta = _meta_fields(soup)
    return HtmlDocument(text=_body_text(soup), title=title or None, meta=meta)


def html_to_text(html: str) -> str:
    """Only the text of ``html`` (see module docstring)."""
    return parse_html(html).text


def _meta_fields(soup: BeautifulSoup) -> dict[str, str]:
    fields: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = tag.get("name") or tag.get("property")
        content = tag.get("content")
        if isinstance(name, str) and isinstance(content, str):
            fields.setdefault(name.strip().lower(), content)
    return fields


def _body_text(soup: BeautifulSoup) -> str:
    """Walk the tree once with an explicit stack: linear in its size, whatever its depth.

    Each entry is ``(node, leaving)``; a block element is pushed once more with
    ``leaving=True`` below its children, so popping that marker ends its paragraph.
    """
    paragraphs: list[str] = []
    pieces: list[str] = []
    stack: list[tuple[PageElement, bool]] = [(soup, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            _flush(pieces, paragraphs)
        elif isinstance(node, Tag):
            if node.name in DROPPED_TAGS:
                continue
            if node.name == "br":
                pieces.append("\n")
                continue
            if node.name in BLOCK_TAGS:
                _flush(pieces, paragraphs)
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        elif type(node) is NavigableString:  # subclasses are comments, doctypes, CDATA, ...
            pieces.append(_SPACES.sub(" ", str(node)))
    _flush(pieces, paragraphs)
    return "\n\n".join(paragraphs)


def _flush(pieces: list[str], paragraphs: list[str]) -> None:
    if not pieces:
        return
    lines = (_collapse(line) for line in "".join(pieces).split("\n"))
    paragraph = "\n".join(line for line in lines if line)
    if paragraph:
        paragraphs.append(paragraph)
    pieces.clear()


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
