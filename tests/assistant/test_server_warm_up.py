from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import server
from index.settings import REPO_CORPUS, Settings
from tests.reliability.conftest import FAKE_MODEL
from experiments.local_server import free_port


def test_serve_runs_the_model_on_one_question_before_the_port_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRADIO_ALLOWED_PATHS", raising=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(sorted(REPO_CORPUS.iterdir())[0], corpus / sorted(REPO_CORPUS.iterdir())[0].name)
    settings = Settings(home=tmp_path / "home", model=FAKE_MODEL, corpus_dir=corpus)
    seen: list[list[tuple[str, int]]] = []
    real_warm_up = server.warm_up

    def recording_warm_up(encoder) -> None:  # noqa: ANN001
        before = list(encoder.calls)  # the index build's document encodings
        real_warm_up(encoder)
        seen.append(encoder.calls[len(before) :])

    monkeypatch.setattr(server, "warm_up", recording_warm_up)
    demo = server.serve(port=free_port(), settings=settings, block=False)
    try:
        assert seen == [[("query", 1)]]
    finally:
        demo.close()
