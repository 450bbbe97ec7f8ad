from __future__ import annotations

from corpus.html_text import html_to_text, parse_html

PAGE = """<!DOCTYPE html>
<html><head><title>Naslov  saopćenja</title>
<meta name="release-id" content="r-1"><meta property="og:type" content="article">
<style>p { color: red }</style><script>var tracking = 1;</script></head>
<body>
<nav><a href="/">About</a> <a href="/news">News</a></nav>
<header>IOM Global</header>
<h1>Title  here</h1>
<!-- a comment -->
<div>first <b>bold</b>
   text<div>inner block</div>tail</div>
<p>Line one<br>line two</p>
<iframe src="https://example.org/embed">frame text</iframe>
<script>document.write("injected")</script>
<noscript>enable javascript</noscript>
<form><label>Search</label><input name="q"></form>
<ul><li>item a</li><li>item b</li></ul>
<footer>Copyright</footer>
</body></html>"""


def test_blocks_become_paragraphs_and_noise_is_dropped() -> None:
    assert html_to_text(PAGE) == (
        "Title here\n\nfirst bold text\n\ninner block\n\ntail\n\nLine one\nline two\n\nitem a\n\nitem b"
    )


def test_title_and_meta_fields() -> None:
    document = parse_html(PAGE)
    assert document.title == "Naslov saopćenja"
    assert document.meta == {"release-id": "r-1", "og:type": "article"}


def test_script_and_iframe_content_never_leaks() -> None:
    text = html_to_text(PAGE)
    for leaked in ("tracking", "injected", "frame text", "enable javascript", "Search", "Copyright", "About"):
        assert leaked not in text


def test_deeply_nested_html_does_not_recurse() -> None:
    html = "<div>" * 5000 + "deep text" + "</div>" * 5000 + "<p>after</p>"
    assert html_to_text(html) == "deep text\n\nafter"


def test_unclosed_deep_nesting() -> None:
    html = "<p>start</p>" + "<section><span>" * 3000 + "bottom"
    assert html_to_text(html) == "start\n\nbottom"


def test_entities_and_non_breaking_spaces() -> None:
    assert html_to_text("<p>Bosna&nbsp;i&nbsp;Hercegovina &amp; Crna Gora</p>") == "Bosna i Hercegovina & Crna Gora"


def test_text_without_markup() -> None:
    assert html_to_text("just words") == "just words"
    assert parse_html("<p>x</p>").title is None


def test_order_of_blocks_breaks_and_dropped_parts_at_any_depth() -> None:
    inner = "<div>a<div>b<br>c<!--x--><script>s</script></div>d</div>"
    assert html_to_text(inner) == "a\n\nb\nc\n\nd"
    depth = 10_000
    html = "<div>" * depth + inner + "<br>after" + "</div>" * depth
    assert html_to_text(html) == "a\n\nb\nc\n\nd\n\nafter"
