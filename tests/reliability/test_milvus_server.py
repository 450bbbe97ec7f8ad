"""Scale-out on a real Milvus standalone (the ``milvus_server`` fixture): two ``assistant serve``
processes on one home and index folder sharing the server, a rebuild while both answer, a
``kill -9`` of one of them, and a restart of the Milvus server under a running app.

The app servers are subprocesses with the deterministic ``hash:64`` encoder (registered the
way the fault-injection scripts do), so no model is loaded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from experiments.local_server import ServerStartError, free_port, wait_until_answering
from index.build import build_index
from index.settings import SETTINGS_FILE, Settings, load_settings
from index.store import read_current
from tests.fake_encoder import TrigramEncoder
from tests.index.conftest import make_release, small_corpus
from tests.milvus_server import LocalMilvus
from tests.processes import stop

SERVE = (
    "from experiments.fault_harness import register_hash_encoder; register_hash_encoder(); "
    "from assistant.cli import main; main()"
)
MODEL = "hash:64"
QUESTIONS = [
    "European Union donates equipment to the police directorate",
    "IOM je organizovao sastanak šefova graničnih policija",
    "protective clothing and footwear",
]
CHANGED_TEXT = "The European Union handed over thermal cameras and drones to the border police today."
ANSWERED = ("answered", "no_answer")
STARTUP_SECONDS = 180.0
RECOVERY_SECONDS = 240.0  # a restarted Milvus is healthy after ~10 s; loading the collection again takes longer


@dataclass
class AppServer:
    """One ``assistant serve`` subprocess and the gradio API it exposes."""

    process: subprocess.Popen
    url: str
    log: Path
    _client: object = field(default=None, repr=False)

    def ask(self, question: str) -> dict:
        from gradio_client import Client

        if self._client is None:
            self._client = Client(self.url, verbose=False, analytics_enabled=False, download_files=False)
        answer = self._client.predict(question=question, api_name="/ask")  # type: ignore[attr-defined]
        assert isinstance(answer, dict), answer
        return answer

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def start_app(home: Path, log: Path) -> AppServer:
    port = free_port()
    env = dict(os.environ, ASSISTANT_HOME=str(home))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_answering(process, url, STARTUP_SECONDS, log)
    except ServerStartError:
        stop_app(process)
        raise
    return AppServer(process, url, log)


def stop_app(process: subprocess.Popen) -> None:
    stop(process)


@pytest.fixture
def shared_home(tmp_path: Path, milvus_server: LocalMilvus) -> Settings:
    """A home whose settings point at the Milvus server, with the small corpus indexed there."""
    home = tmp_path / "home"
    home.mkdir()
    (home / SETTINGS_FILE).write_text(json.dumps({"model": MODEL, "vector_store": milvus_server.uri}), encoding="utf-8")
    settings = load_settings(home)
    assert settings.store_location.uri == milvus_server.uri
    build_index(settings, TrigramEncoder(64), small_corpus(), progress=False)
    return settings


@pytest.fixture
def apps(shared_home: Settings, tmp_path: Path) -> Iterator[list[AppServer]]:
    started: list[AppServer] = []
    try:
        for number in range(2):
            started.append(start_app(shared_home.home, tmp_path / f"serve-{number}.log"))
        yield started
    finally:
        for app in started:
            stop_app(app.process)


def changed_corpus() -> list:
    releases = small_corpus()
    first = releases[0]
    releases[0] = make_release(first.id, [(CHANGED_TEXT, "en")], date=first.date)
    return releases


def test_two_app_servers_share_one_milvus_through_a_rebuild_and_a_kill(apps: list[AppServer], shared_home: Settings):
    old_generation = read_current(shared_home.index_dir).generation
    for app in apps:
        assert app.ask(QUESTIONS[0])["index_generation"] == old_generation

    answers: list[tuple[int, dict | BaseException]] = []
    stop = threading.Event()

    def keep_asking(number: int) -> None:
        turn = 0
        while not stop.is_set():
            try:
                answers.append((number, apps[number].ask(QUESTIONS[turn % len(QUESTIONS)])))
            except Exception as error:  # noqa: BLE001 - any failure of a call is what the test counts
                answers.append((number, error))
            turn += 1

    askers = [threading.Thread(target=keep_asking, args=(number,)) for number in range(2)]
    for thread in askers:
        thread.start()
    try:
        time.sleep(1.0)
        report = build_index(shared_home, TrigramEncoder(64), changed_corpus(), progress=False, rebuild=True)
        assert report.written
        new_generation = read_current(shared_home.index_dir).generation
        assert new_generation != old_generation
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # both servers move to the new generation by themselves
            seen = {number: answer.get("index_generation") for number, answer in answers[-20:] if isinstance(answer, dict)}
            if seen == {0: new_generation, 1: new_generation}:
                break
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in askers:
            thread.join(timeout=120)
    failures = [(number, answer) for number, answer in answers if not isinstance(answer, dict) or answer["status"] not in ANSWERED]
    assert not failures, (failures[:5], apps[0].log_tail())
    assert {number for number, _ in answers} == {0, 1}
    for app in apps:
        moved = app.ask("thermal cameras and drones for the border police")
        assert moved["index_generation"] == new_generation
        assert moved["status"] == "answered" and "thermal cameras" in json.dumps(moved["quotes"], ensure_ascii=False)

    os.killpg(apps[0].process.pid, signal.SIGKILL)
    apps[0].process.wait(timeout=30)
    for question in QUESTIONS:
        survivor = apps[1].ask(question)
        assert survivor["status"] in ANSWERED and survivor["index_generation"] == new_generation, survivor


def signature(answer: dict) -> tuple:
    quotes = answer.get("quotes") or []
    return (answer["status"], tuple((quote.get("release_id"), quote.get("start"), quote.get("end")) for quote in quotes))


def test_a_milvus_restart_loses_nothing_and_the_app_reconnects_by_itself(
    shared_home: Settings, milvus_server: LocalMilvus, tmp_path: Path
):
    app = start_app(shared_home.home, tmp_path / "serve.log")
    try:
        before = {question: signature(app.ask(question)) for question in QUESTIONS}
        assert all(status == "answered" for status, _ in before.values()), before
        milvus_server.stop()
        try:
            down = app.ask(QUESTIONS[0])
            assert down["status"] == "error", down
            assert "search backend is unavailable" in down["message"]
            assert "Traceback" not in down["message"] and "Milvus" not in down["message"]
        finally:
            milvus_server.start()
        deadline = time.monotonic() + RECOVERY_SECONDS
        after = app.ask(QUESTIONS[0])
        while after["status"] == "error" and time.monotonic() < deadline:
            time.sleep(2)
            after = app.ask(QUESTIONS[0])
        assert after["status"] != "error", (after, app.log_tail())
        assert {question: signature(app.ask(question)) for question in QUESTIONS} == before
        assert "search backend unavailable" in app.log.read_text(encoding="utf-8")  # the app's one-line warning
    finally:
        stop_app(app.process)
        if not milvus_server.running:
            milvus_server.start()


def test_the_fixture_server_runs_its_own_binary_and_a_stop_leaves_no_process(tmp_path: Path):
    server = LocalMilvus(tmp_path / "milvus")
    server.start()
    try:
        assert running_binary(server) == [server._process.pid]  # type: ignore[union-attr]
        assert httpx.get(f"http://127.0.0.1:{server.health_port}/healthz", timeout=5).status_code == 200
    finally:
        server.stop()
    assert running_binary(server) == [] and not server.running


def running_binary(server: LocalMilvus) -> list[int]:
    from tests.milvus_server import _pids_running

    return _pids_running(server.executable)
