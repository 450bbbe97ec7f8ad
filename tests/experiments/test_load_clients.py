"""The load test's two ways to call /ask return the same answer; the HTTP one logs in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.server import serve
from experiments.load_clients import LoadClientError, connect
from index.settings import REPO_CORPUS, Settings
from experiments.local_server import free_port

QUESTION = "Who organised the meeting of the heads of border police?"


def start(tmp_path: Path, auth: str | None = None) -> tuple[str, object]:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO_CORPUS, corpus)
    settings = Settings(home=tmp_path / "home", model="fake:64", corpus_dir=corpus)
    port = free_port()
    return f"http://127.0.0.1:{port}/", serve(port=port, settings=settings, block=False, auth=auth)


def test_plain_http_and_gradio_client_get_the_same_answer(tmp_path: Path) -> None:
    url, demo = start(tmp_path)
    try:
        answers = []
        for kind in ("http", "gradio"):
            client = connect(kind, url)
            try:
                answers.append(client.ask(QUESTION, timeout=60))
            finally:
                client.close()
        assert answers[0]["status"] == "answered" and answers[0]["quotes"]
        assert answers[0] == answers[1]
    finally:
        demo.close()


def test_the_http_client_logs_in_and_a_wrong_password_is_named(tmp_path: Path) -> None:
    url, demo = start(tmp_path, auth="staff:s3cret")
    try:
        client = connect("http", url, ("staff", "s3cret"))
        try:
            assert client.ask(QUESTION, timeout=60)["question"] == QUESTION
        finally:
            client.close()
        with pytest.raises(LoadClientError, match="login refused"):
            connect("http", url, ("staff", "wrong"))
    finally:
        demo.close()


def test_an_unknown_client_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown client 'curl'"):
        connect("curl", "http://127.0.0.1:1/")
