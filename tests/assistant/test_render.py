from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest

from assistant.answer import Answer, Citation, OtherVersion, Quote, Source, Span
from assistant.citation import format_citation
from assistant.render import answer_html, escape_text, marked_text, merge_spans, release_html, safe_link, sources_html

ATTACKS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(2)">link</a>',
    "![p](https://evil.example/p.png)",
    "$$\\alert$$ `code` **bold** <!-- c -->",
)
ALLOWED_TAGS = {"div", "p", "blockquote", "mark", "cite", "strong", "a", "br", "ul", "ol", "li", "em", "h3", "button", "span"}


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(markup)
    collector.close()
    return collector


def assert_inert(markup: str) -> TagCollector:
    """Only our tags, no event handlers, links only to http(s), and no Markdown/HTML syntax left raw."""
    parsed = parse(markup)
    for tag, attributes in parsed.tags:
        assert tag in ALLOWED_TAGS, tag
        assert not any(name.startswith("on") for name in attributes), attributes
        if "href" in attributes:
            assert attributes["href"].startswith(("http://", "https://")), attributes["href"]
    for raw in ("<script", "<img", "javascript:", "](", "**", "`", "$$", "<!--"):
        assert raw not in markup
    return parsed


def xss_answer() -> Answer:
    text = "Kamere " + " ".join(ATTACKS) + "\nNovi red."
    citation = Citation(
        title="Naslov <script>alert(1)</script>",
        date="2023-09-01",
        language="Bosnian",
        source="evil<img src=x onerror=alert(1)>.txt",
        link="",
        start=10,
        end=10 + len(text),
    )
    quote = Quote(
        chunk_id="1",
        release_id='rel"><script>alert(1)</script>',
        text=text,
        start=10,
        end=10 + len(text),
        score=0.7,
        language_tag="bs",
        highlights=[Span(10, 17, 0.7)],
        citation=citation,
    )
    source = Source(quote.release_id, citation.title, citation.date, "Bosnian", citation.source, "", 1)
    version = OtherVersion(
        "other", "[x](javascript:alert(1))", "", "Macedonian", "a.txt", "javascript:alert(1)", 0.8, quote.release_id
    )
    return Answer(
        question="<script>alert(1)</script>",
        status="answered",
        message="1 passage",
        quotes=[quote],
        sources=[source],
        other_versions=[version],
        notice="<b>notice</b>",
        previous_question="[prev](javascript:alert(1))",
    )


def test_an_answer_quoting_markup_renders_it_as_text_only():
    answer = xss_answer()
    markup = answer_html(answer)
    parsed = assert_inert(markup)
    visible = "".join(parsed.text)
    for attack in ATTACKS:
        assert attack in visible  # shown to the reader as the characters it is
    assert "Naslov <script>alert(1)</script>" in visible
    assert "\n" not in markup  # one line: Markdown cannot end the HTML block early


def test_the_highlight_is_the_only_mark_and_holds_the_right_characters():
    parsed = parse(answer_html(xss_answer()))
    marks = [tag for tag, _ in parsed.tags if tag == "mark"]
    assert len(marks) == 1
    assert "<mark>Kamere </mark>" in answer_html(xss_answer())


def test_sources_panel_and_viewer_escape_untrusted_text():
    answer = xss_answer()
    for markup in (sources_html(answer), release_html(answer.quotes[0].citation.title, " ".join(ATTACKS), [(0, 5)])):
        visible = "".join(assert_inert(markup).text)
        assert "<script>alert(1)</script>" in visible


def test_links_are_made_only_from_http_urls():
    assert safe_link("javascript:alert(1)", "x") == "x"
    assert safe_link("data:text/html,<script>", "y") == "y"
    assert safe_link("https://", "z") == "z"
    link = safe_link('https://example.org/a?b=1&c="2"', "<b>site</b>")
    parsed = parse(link)
    assert parsed.tags == [("a", {"href": 'https://example.org/a?b=1&c="2"', "target": "_blank",
                                  "rel": "noopener noreferrer nofollow"})]
    assert "".join(parsed.text) == "<b>site</b>"


def test_escape_text_round_trips_through_an_html_parser():
    text = "a<b>&c [d](e) *f* _g_ `h` $i$ \\j #k !l |m ~n: o."
    assert html.unescape(escape_text(text)) == text


@pytest.mark.parametrize(
    ("spans", "expected"),
    [([(0, 3), (2, 5)], [(0, 5)]), ([(4, 6), (0, 2)], [(0, 2), (4, 6)]), ([(1, 1), (3, 2)], []), ([(0, 2), (2, 4)], [(0, 4)])],
)
def test_merge_spans(spans, expected):
    assert merge_spans(spans) == expected


def test_marked_text_marks_offsets_relative_to_the_passage_start():
    markup = marked_text("abcdef", [(102, 104)], offset=100)
    assert html.unescape(markup) == "ab<mark>cd</mark>ef"


def test_a_pdf_citation_shows_its_pages() -> None:
    citation = Citation("T", "", "Bosnian", "r.pdf", "", start=1200, end=1800, pages=(2, 3), page="pp. 2–3")
    assert format_citation(citation) == "T · undated · Bosnian · r.pdf · characters 1200–1800 · pp. 2–3"
    quote = Quote("1", "r", "x" * 600, 1200, 1800, 0.7, "bs", [], citation)
    shown = html.unescape(answer_html(Answer("q", "answered", "m", [quote])))
    assert "characters 1200–1800 · pp. 2–3" in shown
    assert "знаци 1200–1800 · стр. 2–3" in html.unescape(answer_html(Answer("q", "answered", "m", [quote]), "mk"))
    plain = Citation("T", "", "Bosnian", "r.txt", "", start=0, end=5)
    assert format_citation(plain) == "T · undated · Bosnian · r.txt · characters 0–5"


def test_the_release_viewer_marks_page_breaks_and_keeps_every_character() -> None:
    text = "First page text.\n\nSecond <page> text.\n\nThird."
    starts = (0, text.index("Second"), text.index("Second"), text.index("Third"))  # page 2 left no text
    markup = release_html("Title", text, [(text.index("Second"), text.index("Third"))], starts)
    assert markup.count('class="page-break"') == 2
    assert 'data-page="3"' in markup and 'data-page="4"' in markup and 'data-page="2"' not in markup
    visible = html.unescape(markup.replace("<br>", "\n"))
    assert "<mark>Second <page> text.\n\n</mark>" in visible
    assert release_html("Title", text, []) == release_html("Title", text, [], ())
@pytest.mark.parametrize(
    ("key", "values", "ui", "expected"),
    [
        ("no_answer", {}, "mk", "Ниту еден пасус од соопштенијата за медиуми не одговара на ова прашање."),
        ("bad_date", {"field": "date_from", "value": "14.6."}, "sr-Cyrl", "Од датума: датум се пише ГГГГ-ММ-ДД"),
        ("unsupported_language", {"found": "German"}, "sh", "Pitanja moraju biti na bosanskom"),
        ("error", {}, "mk", "Се извинуваме, настана грешка"),
    ],
)
def test_fixed_replies_are_shown_in_the_interface_language(key, values, ui, expected):
    answer = Answer("q", "invalid", "English text", message_key=key, message_values=values)
    assert expected in html.unescape("".join(parse(answer_html(answer, ui)).text))
    assert "English text" in "".join(parse(answer_html(Answer("q", "invalid", "English text"), ui)).text)
