"""The chat's tools in headless Chromium with the real model: interface languages, copying a
citation, exporting the conversation, and ratings turned into golden-set lines.

Uses the chat server of ``test_browser.py`` (the shipped corpus plus the markup release).
The Macedonian screenshot becomes ``docs/screenshot-chat.png`` for the README.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.assistant.test_browser import (  # noqa: F401  (chat_server is a fixture)
    CHROMIUM,
    CHROMIUM_ARGS,
    MACEDONIAN_QUESTION,
    ask,
    chat_server,
    screenshot,
)
from evaluation.formats import load_run
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.model]

SECOND_QUESTION = "What protective equipment did the European Union hand over to the police directorate in Sarajevo?"
LABEL_MS = 60_000


@pytest.fixture(scope="module")
def browser(chat_server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def macedonian_page(browser, chat_server):  # noqa: F811
    """A page whose browser language is Macedonian, with clipboard access, and one question asked."""
    url, _ = chat_server
    context = browser.new_context(locale="mk-MK", viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    page.wait_for_function("() => document.querySelector('#ask').innerText.includes('Прашај')", timeout=LABEL_MS)
    yield page
    context.close()


def shown_citations(page) -> list[str]:
    return [" ".join(text.split()) for text in page.locator("#chat .quote cite").all_inner_texts()]


def test_a_macedonian_browser_gets_the_macedonian_interface(macedonian_page):
    page = macedonian_page
    assert page.inner_text("#header h2") == "Асистент за соопштенија за медиуми"
    assert page.locator("#ui-language label:has-text('Македонски') input").is_checked()
    assert page.get_attribute("#question textarea", "placeholder").startswith("пр. Кој го организираше")
    assert page.inner_text("#helpful") == "Корисно" and page.inner_text("#not-helpful") == "Не е корисно"
    assert page.inner_text("#export-json") == "Извези како JSON"
    assert "Извори" in page.inner_text("#sources-heading")
    answer = ask(page, MACEDONIAN_QUESTION, 1)
    assert answer.locator(".message").inner_text().startswith("Цитирано збор по збор:")
    assert answer.locator(".quote button.copy-citation").first.inner_text() == "Копирај цитат"
    assert all(" · знаци " in citation for citation in shown_citations(page))
    page.evaluate("document.querySelector('#chat [role=log]').scrollTop = 0")
    shot = screenshot(page, "chat-macedonian-interface.png")
    shutil.copy(shot, REPO_ROOT / "docs" / "screenshot-chat.png")


def test_copy_citation_puts_the_quote_and_its_citation_on_the_clipboard(macedonian_page):
    page = macedonian_page
    quote = page.locator("#chat .answer").nth(0).locator(".quote").first
    text = " ".join(quote.locator("blockquote").inner_text().split())
    citation = " ".join(quote.locator("cite").inner_text().split())
    quote.locator("button.copy-citation").click()
    page.wait_for_function("() => document.querySelector('#chat button.copied') !== null")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"„{text}“\n{citation}"

    page.locator("#chat .answer").nth(0).locator("button.copy-answer").click()
    whole = page.evaluate("navigator.clipboard.readText()")
    assert whole.startswith(f"Прашање: {MACEDONIAN_QUESTION}\n\n„{text}“\n{citation}")
    assert all(cited in whole for cited in shown_citations(page))


def test_the_switch_changes_to_serbian_cyrillic_and_keeps_the_conversation(macedonian_page):
    page = macedonian_page
    before = page.locator("#chat .answer").count()
    page.click("#ui-language label:has-text('Српски')")
    page.wait_for_function("() => document.querySelector('#ask').innerText.includes('Питај')", timeout=LABEL_MS)
    assert page.locator("#chat .answer").count() == before == 1
    assert MACEDONIAN_QUESTION in page.inner_text("#chat")
    assert page.locator("#chat .answer .message").first.inner_text().startswith("Дословно цитирано:")
    assert all(" · знакови " in citation for citation in shown_citations(page))
    assert page.inner_text("#header h2") == "Асистент за саопштења за медије"
    assert page.locator("#ui-language label:has-text('Српски') input").is_checked()
    screenshot(page, "chat-serbian-cyrillic.png")


def test_the_export_downloads_json_holding_every_citation_shown(macedonian_page):
    page = macedonian_page
    ask(page, SECOND_QUESTION, 2)
    shown = shown_citations(page)
    assert len(shown) >= 2
    with page.expect_download(timeout=LABEL_MS) as download:
        page.click("#export-json")
    assert download.value.suggested_filename.endswith(".json")
    assert download.value.url.startswith("blob:")  # made in the page: no file route on the server
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    exported = [quote for turn in data["turns"] for quote in turn["quotes"]]
    assert [turn["question"] for turn in data["turns"]] == [MACEDONIAN_QUESTION, SECOND_QUESTION]
    assert sorted(" ".join(quote["citation_text"].split()) for quote in exported) == sorted(shown)
    assert all(quote["end"] > quote["start"] for quote in exported)
    assert data["model_id"] and data["index_generations"]
    with page.expect_download(timeout=LABEL_MS) as download:
        page.click("#export-markdown")
    assert MACEDONIAN_QUESTION in Path(download.value.path()).read_text(encoding="utf-8")


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_HOME": str(home), "HF_HUB_OFFLINE": "1", "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=1800,
    )


def test_two_ratings_in_the_browser_become_golden_lines_that_eval_scores(browser, chat_server, tmp_path):  # noqa: F811
    url, home = chat_server
    feedback = home / "feedback" / "feedback.jsonl"
    before = len(feedback.read_text(encoding="utf-8").splitlines()) if feedback.exists() else 0
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(url)
    page.wait_for_selector("#question textarea")
    for number, question in enumerate((MACEDONIAN_QUESTION, SECOND_QUESTION), start=1):
        ask(page, question, number)
        page.click("#helpful")
        page.wait_for_function(
            "q => document.querySelector('#feedback-status').innerText.includes(q.slice(0, 40))",
            arg=question, timeout=LABEL_MS,
        )
    page.close()
    lines = feedback.read_text(encoding="utf-8").splitlines()[before:]
    only_new = tmp_path / "feedback.jsonl"
    only_new.write_text("\n".join(lines) + "\n", encoding="utf-8")

    candidates = tmp_path / "candidates.jsonl"
    proposed = run_cli(home, "feedback", "propose-golden", "--file", str(only_new), "--out", str(candidates))
    assert proposed.returncode == 0, proposed.stderr
    rows = [json.loads(line) for line in candidates.read_text(encoding="utf-8").splitlines()]
    assert [row["text"] for row in rows] == [MACEDONIAN_QUESTION, SECOND_QUESTION]
    assert rows[0]["lang"] == "mk" and rows[1]["lang"] == "en"

    out = tmp_path / "eval"
    scored = run_cli(home, "eval", "golden", "--extra", str(candidates), "--mode", "dense", "--out", str(out), "--quiet")
    assert scored.returncode == 0, scored.stderr + scored.stdout
    (run_file,) = (out / "runs").glob("*.run.json")
    run = load_run(run_file)
    assert {row["id"] for row in rows} <= set(run)
    assert all(row["answer_release"] in run[row["id"]] for row in rows)  # each found its release
