"""The real chat in headless Chromium: real model, shipped corpus plus a release full of markup.

Needs the model (``assistant model fetch``) and Debian's chromium at /usr/bin/chromium.
Screenshots go to ``test-artifacts/`` (gitignored). The chat tools (interface languages, copy,
export, ratings to golden lines) are driven by ``test_browser_chat_tools.py``, which also takes
the README's screenshot.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from experiments.local_server import free_port
from tests.conftest import REAL_MODEL_HOME, REPO_ROOT
from tests.documents import write_pdf
from tests.processes import stop

pytestmark = [pytest.mark.browser, pytest.mark.model]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
STARTUP_SECONDS = 900  # model load plus embedding the corpus on a busy 2-core machine
ANSWER_MS = 300_000
MACEDONIAN_QUESTION = "Кој го организираше состанокот на шефовите на граничните полиции на Западен Балкан?"
FOLLOW_UP = "А кога беше тоа?"
TITLE_000 = "IOM je organizovao sastanak šefova graničnih policija"
TITLE_001 = "ИОМ организираше состанок со шефовите"
XSS_QUESTION = "Granična policija je dobila nove termovizijske kamere za nadzor granice"
PDF_TITLE = "A migrant resource centre opens in Bihać"
PDF_PARAGRAPHS = [
    PDF_TITLE,
    "The International Organization for Migration opened a resource centre for migrants and asylum seekers "
    "in Bihać on Monday, with a library, a laundry and rooms for language classes.",
    "Volunteers from the local Red Cross will run evening classes in Bosnian and English for adults, and a "
    "legal counsellor will be present twice a week to explain asylum procedures.",
    "Children staying in the reception centres nearby can borrow books and games, and a nurse will check "
    "on newly arrived families every morning before the classes begin.",
    "The centre was paid for by the Government of Switzerland and will stay open every day of the year, "
    "including public holidays, from eight in the morning until eight in the evening.",
]
PDF_QUESTION = "Koja vlada je platila centar za migrante u Bihaću?"


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory: pytest.TempPathFactory, xss_corpus: Path) -> Iterator[tuple[str, Path]]:
    """`serve()` in a subprocess on a free loopback port; yields its URL and home."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    home = tmp_path_factory.mktemp("browser-home")
    (home / "models").symlink_to(REAL_MODEL_HOME / "models", target_is_directory=True)
    cache = REAL_MODEL_HOME / "cache" / "embeddings.sqlite"
    if cache.is_file():  # vectors made before: the chat's first index build takes seconds, not minutes
        (home / "cache").mkdir()
        shutil.copy(cache, home / "cache" / "embeddings.sqlite")
    corpus = tmp_path_factory.mktemp("browser-corpus")
    shutil.copytree(xss_corpus, corpus, dirs_exist_ok=True)
    write_pdf(corpus / "resource-centre.pdf", PDF_PARAGRAPHS, title=PDF_TITLE)  # two pages, header, page numbers
    (home / "settings.json").write_text(json.dumps({"corpus_dir": str(corpus)}), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "ASSISTANT_HOME": str(home), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from assistant.server import serve; serve(port=int(sys.argv[1]))", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    url, output, deadline = None, [], time.monotonic() + STARTUP_SECONDS
    while url is None and time.monotonic() < deadline and process.poll() is None:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        output.append(line)
        if "running at" in line:
            url = line.rsplit(" ", 1)[-1].strip()
    if url is None:
        process.kill()
        pytest.fail("the chat did not start:\n" + "".join(output[-40:]))
    try:
        yield url, home
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser_page(chat_server):
    from playwright.sync_api import sync_playwright

    url, _ = chat_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()


def ask(page, question: str, count: int) -> object:
    """Type ``question``, send it and return the ``count``-th answer element once it is shown."""
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .answer').length >= n", arg=count, timeout=ANSWER_MS
    )
    return page.locator("#chat .answer").nth(count - 1)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_macedonian_question_gets_a_cited_quote_then_a_follow_up(browser_page):
    page = browser_page
    answer = ask(page, MACEDONIAN_QUESTION, 1)
    citations = answer.locator(".quote cite").all_inner_texts()
    meeting = [text for text in citations if text.startswith((TITLE_000, TITLE_001))]
    assert meeting, citations  # a quote from the Bosnian or the Macedonian release about the meeting
    assert any(language in meeting[0] for language in ("Macedonian", "Bosnian"))
    assert "characters" in meeting[0]
    assert answer.locator(".quote mark").count() >= 1  # the best sentence is highlighted
    assert "ИОМ" in page.inner_text("#sources") or "IOM" in page.inner_text("#sources")
    page.evaluate("document.querySelector('#chat [role=log]').scrollTop = 0")
    screenshot(page, "chat-macedonian-question.png")  # the README's shot, in Macedonian: test_browser_chat_tools

    follow_up = ask(page, FOLLOW_UP, 2)
    assert MACEDONIAN_QUESTION in follow_up.locator(".context").inner_text()
    assert follow_up.locator(".quote").count() >= 1
    screenshot(page, "chat-follow-up.png")

    page.click("#helpful")
    page.wait_for_function("() => document.querySelector('#feedback-status').innerText.includes('Thank you')")


def test_the_markup_release_renders_inert(browser_page, chat_server):
    page = browser_page
    answer = ask(page, XSS_QUESTION, 3)
    citations = answer.locator(".quote cite").all_inner_texts()
    assert any(text.startswith("Granična policija <script>alert(1)</script>") for text in citations), citations
    text = answer.inner_text()
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert page.locator("#chat script").count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert page.locator("#chat a[href^='javascript']").count() == 0

    page.click("#release-choice input")
    page.get_by_role("option", name="Granična policija", exact=False).first.click()
    page.wait_for_selector("#viewer .release-text mark", timeout=60_000)
    viewer = page.inner_text("#viewer")
    assert "[x](javascript:alert(1))" in viewer
    assert page.locator("#viewer script, #viewer img, #viewer a").count() == 0
    page.wait_for_timeout(500)  # let any injected handler fire, if one had slipped through
    assert page.dialogs == []
    screenshot(page, "chat-xss-inert.png")

    _, home = chat_server
    records = [json.loads(line) for line in (home / "feedback" / "feedback.jsonl").read_text().splitlines()]
    assert records[-1]["rating"] == "helpful" and records[-1]["question"] == FOLLOW_UP


def test_a_pdf_quote_shows_its_page_and_the_viewer_its_page_breaks(browser_page):
    page = browser_page
    answer = ask(page, PDF_QUESTION, 4)
    citations = answer.locator(".quote cite").all_inner_texts()
    pdf_citations = [text for text in citations if text.startswith(PDF_TITLE)]
    assert pdf_citations, citations
    assert pdf_citations[0].endswith((" · p. 2", " · pp. 1–2")), pdf_citations[0]  # the one citation format
    page.click("#release-choice input")
    page.get_by_role("option", name=PDF_TITLE, exact=False).first.click()
    page.wait_for_selector("#viewer .page-break", timeout=60_000)
    assert page.locator("#viewer .page-break").all_inner_texts() == ["p. 2"]
    assert page.locator("#viewer .release-text mark").count() >= 1
    assert "IOM press release" not in page.inner_text("#viewer")  # the running header is gone
    screenshot(page, "chat-pdf-page.png")


def test_gradio_client_gets_the_answer_the_python_function_gives(chat_server, real_encoder, monkeypatch):
    from gradio_client import Client

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")  # the client's own flag alone does not turn it off

    from assistant.service import Assistant
    from index.settings import load_settings

    url, home = chat_server
    client = Client(url, verbose=False, analytics_enabled=False)
    remote = client.predict(question=MACEDONIAN_QUESTION, api_name="/ask")
    settings = load_settings(home)
    local, _ = Assistant(settings.index_dir, real_encoder, mode=settings.retrieval_mode).ask(MACEDONIAN_QUESTION)
    expected = local.to_dict()
    assert remote["status"] == expected["status"] == "answered"
    assert [quote["chunk_id"] for quote in remote["quotes"]] == [quote["chunk_id"] for quote in expected["quotes"]]
    assert [quote["text"] for quote in remote["quotes"]] == [quote["text"] for quote in expected["quotes"]]
    assert [quote["citation"] for quote in remote["quotes"]] == [quote["citation"] for quote in expected["quotes"]]
    assert [q["score"] for q in remote["quotes"]] == pytest.approx([q["score"] for q in expected["quotes"]], abs=1e-4)
    assert remote["sources"] == expected["sources"]
    assert [v["release_id"] for v in remote["other_versions"]] == [v["release_id"] for v in expected["other_versions"]]

    # Only the Macedonian release quoted: the Bosnian version of the same meeting is linked.
    macedonian_only = client.predict(question=MACEDONIAN_QUESTION, languages=["mk"], api_name="/ask")
    assert {quote["release_id"] for quote in macedonian_only["quotes"]} == {"001_2921fb23076379c6"}
    versions = {version["release_id"]: version for version in macedonian_only["other_versions"]}
    assert "000_83b26767b1992471" in versions
    assert versions["000_83b26767b1992471"]["language"] == "Bosnian"
    assert "002_5af351b228acd468" not in versions  # another meeting in Budva, not the same story
