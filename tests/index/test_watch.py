"""`assistant index watch`: re-index on add, change and remove; the chat answers from each new generation."""

from __future__ import annotations

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

from index.encoder import load_encoder
from index.settings import REPO_CORPUS, Settings, load_settings
from index.store import open_index
from index.watch import ChangeFlag, WatchRound, watch_corpus
from tests.conftest import REPO_ROOT
from tests.documents import RELEASES, write_pdf
from tests.processes import stop

ROUND_SECONDS = 120  # bound on each wait; the rounds take about a second with the fake encoder
PDF_SENTENCE = RELEASES["bs"]["paragraphs"][2]  # type: ignore[index]


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in sorted(path.name for path in REPO_CORPUS.iterdir())[:2]:
        shutil.copy(REPO_CORPUS / name, corpus / name)
    return corpus


def test_change_flag_waits_for_quiet() -> None:
    flag = ChangeFlag()
    assert not flag.quiet_for(0.0)  # nothing pending
    flag.touch()
    assert not flag.quiet_for(60.0)  # a change, but not quiet for a minute yet
    assert flag.quiet_for(0.0)
    assert not flag.quiet_for(0.0)  # cleared once taken


def test_watch_adds_changes_and_removes_releases(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    settings = Settings(home=tmp_path / "home", model="fake:64", corpus_dir=corpus)
    encoder = load_encoder(settings.model, settings)
    rounds: queue.Queue[WatchRound] = queue.Queue()
    stop = threading.Event()
    worker = threading.Thread(
        target=watch_corpus, args=(settings, encoder, rounds.put), kwargs={"debounce": 0.3, "stop": stop}
    )
    worker.start()
    try:
        first = rounds.get(timeout=ROUND_SECONDS)
        assert first.report is not None and first.report.releases == 2
        pdf = corpus / "granicna-policija.pdf"
        write_pdf(tmp_path / "staged.pdf", RELEASES["bs"]["paragraphs"])  # type: ignore[arg-type]
        for piece in range(3):  # a burst of writes: one rebuild after it
            shutil.copy(tmp_path / "staged.pdf", pdf)
        added = rounds.get(timeout=ROUND_SECONDS)
        assert added.report is not None and (added.report.added, added.report.releases) == (1, 3)
        assert rounds.empty()
        (corpus / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
        reported = rounds.get(timeout=ROUND_SECONDS)
        assert [problem.reason for problem in reported.problems][0].startswith("damaged or truncated Word document")
        pdf.unlink()
        removed = rounds.get(timeout=ROUND_SECONDS)
        assert removed.report is not None and (removed.report.removed, removed.report.releases) == (1, 2)
        index = open_index(settings.index_dir)
        try:
            ids = {row[0] for row in index.db.execute("SELECT id FROM releases")}
        finally:
            index.close()
        assert "granicna-policija" not in ids
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive()


@pytest.fixture
def watcher(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """`assistant index watch` in a subprocess (fake encoder), after its first build; yields (home, corpus)."""
    home, corpus = tmp_path / "home", _corpus(tmp_path)
    bootstrap = "import sys; import tests.conftest; from assistant.cli import main; sys.argv[0] = 'assistant'; main()"
    command = [sys.executable, "-c", bootstrap, "index", "watch", "--home", str(home), "--corpus", str(corpus)]
    process = subprocess.Popen(
        [*command, "--model", "fake:64", "--debounce", "0.5"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    output: list[str] = []
    deadline = time.monotonic() + ROUND_SECONDS
    while not any("generation" in line for line in output) and time.monotonic() < deadline:
        try:
            output.append(lines.get(timeout=1))
        except queue.Empty:
            if process.poll() is not None:
                break
    try:
        if not any("generation" in line for line in output):
            pytest.fail("`assistant index watch` did not build:\n" + "".join(output))
        yield home, corpus
    finally:
        stop(process, timeout=20)


def _quoted(client, question: str, release_id: str) -> bool:
    answer = client.predict(question=question, api_name="/ask")
    return any(quote["release_id"] == release_id for quote in answer["quotes"])


def _poll(client, question: str, release_id: str, wanted: bool) -> float:
    """Seconds until the release is (or is no longer) quoted; fails after ROUND_SECONDS."""
    started = time.monotonic()
    while time.monotonic() - started < ROUND_SECONDS:
        if _quoted(client, question, release_id) == wanted:
            return time.monotonic() - started
        time.sleep(0.25)
    pytest.fail(f"release {release_id} {'never' if wanted else 'still'} quoted after {ROUND_SECONDS} s")


def test_watched_folder_release_is_quoted_then_gone(watcher: tuple[Path, Path], tmp_path: Path) -> None:
    from gradio_client import Client

    from assistant.server import serve
    from experiments.local_server import free_port

    home, corpus = watcher
    settings = load_settings(home).with_overrides(model="fake:64", corpus_dir=corpus)
    port = free_port()
    demo = serve(port=port, settings=settings, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        assert not _quoted(client, PDF_SENTENCE, "granicna-policija")
        write_pdf(tmp_path / "staged.pdf", RELEASES["bs"]["paragraphs"])  # type: ignore[arg-type]
        dropped = time.monotonic()
        shutil.copy(tmp_path / "staged.pdf", corpus / "granicna-policija.pdf")
        _poll(client, PDF_SENTENCE, "granicna-policija", wanted=True)
        seconds = time.monotonic() - dropped
        answer = client.predict(question=PDF_SENTENCE, api_name="/ask")
        quote = next(quote for quote in answer["quotes"] if quote["release_id"] == "granicna-policija")
        assert quote["citation"]["page"] in {"p. 1", "pp. 1–2"}
        (corpus / "granicna-policija.pdf").unlink()
        _poll(client, PDF_SENTENCE, "granicna-policija", wanted=False)
        report = REPO_ROOT / "test-artifacts" / "watch-drop-to-answer.txt"
        report.parent.mkdir(exist_ok=True)
        report.write_text(f"drop to answer: {seconds:.1f} s (fake encoder, debounce 0.5 s)\n", encoding="utf-8")
        print(f"drop to answer: {seconds:.1f} s")
    finally:
        demo.close()
