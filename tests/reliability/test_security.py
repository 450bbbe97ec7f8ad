"""Security review checks: loopback by default, auth, no file serving, no uploads, escaping, pins.

See docs/threat-model.md for what each check defends against.
"""

from __future__ import annotations

import inspect
import re
import shutil
import socket
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import httpx
import pytest

from assistant.app import ChatHandlers, ChatSession
from assistant.cli import serve_command
from assistant.feedback import append_feedback, make_record
from assistant.server import serve
from assistant.service import Assistant
from corpus.loader import load_corpus
from experiments.local_server import free_port
from index.build import build_index
from index.settings import REPO_CORPUS, Settings
from tests.assistant.test_render import assert_inert
from tests.reliability.conftest import FAKE_MODEL, IndexedHome, assert_clean_failure, run_cli

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWD_LINE = "root:x:0:"
MARKUP_FILE_NAME = '"><img src=x onerror=alert(1)> [x](javascript:alert(1)).txt'
RICH_MARKUP_TITLE = "[bold red]PWNED[/bold red] [link=file:///etc/passwd]click[/link]"
UPLOAD_COMPONENTS = (gr.File, gr.UploadButton, gr.Image, gr.Audio, gr.Video, gr.MultimodalTextbox, gr.Gallery)


def small_corpus(folder: Path) -> Path:
    folder.mkdir()
    for path in sorted(REPO_CORPUS.iterdir())[:2]:
        shutil.copyfile(path, folder / path.name)
    return folder


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Settings, gr.Blocks]]:
    """The chat served on loopback with the fake encoder: (base URL, settings, app)."""
    monkeypatch.delenv("GRADIO_ALLOWED_PATHS", raising=False)
    settings = Settings(home=tmp_path / "home", model=FAKE_MODEL, corpus_dir=small_corpus(tmp_path / "corpus"))
    port = free_port()
    demo = serve(port=port, settings=settings, block=False)
    try:
        yield f"http://127.0.0.1:{port}", settings, demo
    finally:
        demo.close()


def non_loopback_address() -> str | None:
    """This machine's outgoing address, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


# --- network exposure ---------------------------------------------------------------------


def test_serve_command_listens_on_loopback_by_default_and_cannot_open_a_public_share_link():
    parameters = inspect.signature(serve_command).parameters
    assert parameters["host"].default.default == "127.0.0.1"
    assert "share" not in parameters
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(serve).parameters["share"].default is False


def test_running_server_is_not_reachable_from_other_interfaces(running):
    base, _, demo = running
    assert demo.server_name == "127.0.0.1"
    assert httpx.get(base + "/").status_code == 200
    address = non_loopback_address()
    if address is not None:
        with pytest.raises(httpx.ConnectError):
            httpx.get(base.replace("127.0.0.1", address) + "/", timeout=5)


def test_auth_option_exists_and_is_read_from_the_environment():
    auth = inspect.signature(serve_command).parameters["auth"].default
    assert auth.default is None and auth.envvar == "ASSISTANT_AUTH"
    result = run_cli("serve", "--help")
    assert result.exit_code == 0 and "--auth" in result.output


def test_with_auth_the_api_refuses_anonymous_callers(tmp_path: Path):
    from gradio_client import Client

    settings = Settings(home=tmp_path / "home", model=FAKE_MODEL, corpus_dir=small_corpus(tmp_path / "corpus"))
    port = free_port()
    demo = serve(port=port, auth="staff:s3cret", settings=settings, block=False)
    base = f"http://127.0.0.1:{port}"
    try:
        assert httpx.get(base + "/gradio_api/info").status_code == 401
        assert httpx.post(base + "/gradio_api/call/ask", json={"data": ["Budva"]}).status_code == 401
        client = Client(base + "/", auth=("staff", "s3cret"), verbose=False, analytics_enabled=False)
        assert client.predict(question="Sastanak u Budvi", api_name="/ask")["status"] in {"answered", "no_answer"}
    finally:
        demo.close()


# --- files and uploads --------------------------------------------------------------------


@pytest.mark.parametrize(
    "route",
    [
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=%2Fetc%2Fpasswd",
        "/gradio_api/file/etc/passwd",
        "/gradio_api/file=../../../../../../etc/passwd",
        "/file=/etc/passwd",
    ],
)
def test_file_routes_refuse_system_files(running, route: str):
    base, _, _ = running
    response = httpx.get(base + route)
    assert response.status_code in {403, 404}
    assert PASSWD_LINE not in response.text


def test_file_route_refuses_the_assistants_own_data(running):
    base, settings, _ = running
    index_files = [path for path in settings.index_dir.rglob("*") if path.is_file()]
    assert index_files
    for path in [*index_files, settings.embedding_cache_path, REPO_ROOT / "pyproject.toml"]:
        response = httpx.get(f"{base}/gradio_api/file={path}")
        assert response.status_code == 403, path


def test_gradio_allowed_paths_from_the_environment_do_not_open_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Gradio falls back to $GRADIO_ALLOWED_PATHS when allowed_paths is empty; the server must not."""
    monkeypatch.setenv("GRADIO_ALLOWED_PATHS", "/etc")
    settings = Settings(home=tmp_path / "home", model=FAKE_MODEL, corpus_dir=small_corpus(tmp_path / "corpus"))
    port = free_port()
    demo = serve(port=port, settings=settings, block=False)
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/gradio_api/file=/etc/passwd")
        assert response.status_code == 403
        assert PASSWD_LINE not in response.text
    finally:
        demo.close()


def test_the_app_has_no_upload_components(running):
    _, _, demo = running
    uploads = [block for block in demo.blocks.values() if isinstance(block, UPLOAD_COMPONENTS)]
    assert uploads == []


def test_uploads_are_refused_whatever_the_file_name(running):
    base, _, demo = running
    upload_dir = Path(demo.app.uploaded_file_dir)
    for name in ("../../escaped.txt", "/tmp/absolute.txt", "ok.txt"):
        response = httpx.post(base + "/gradio_api/upload", files={"files": (name, b"payload")})
        assert response.status_code == 413, (name, response.text)
    assert not (upload_dir.parent.parent / "escaped.txt").exists()
    assert not list(upload_dir.rglob("ok.txt")) if upload_dir.exists() else True


# --- data on a shared machine -------------------------------------------------------------


def test_the_feedback_log_is_private_to_its_owner(tmp_path: Path):
    """Ratings carry staff questions; other accounts on a shared machine must not read them."""
    path = tmp_path / "home" / "feedback" / "feedback.jsonl"
    append_feedback(path, make_record("Koliko migranata je prošlo?", "helpful", ["1"], "gen-1", FAKE_MODEL))
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, oct(path.stat().st_mode)
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0, oct(path.parent.stat().st_mode)


# --- untrusted text -----------------------------------------------------------------------


def test_markup_in_a_file_name_is_inert_in_replies_and_sources(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "Granična policija u Budvi dobila je nove kamere za nadzor granice sa Crnom Gorom.\n"
    (corpus / MARKUP_FILE_NAME).write_text(body, encoding="utf-8")
    settings = Settings(home=tmp_path / "home", model=FAKE_MODEL)
    from index.encoder import load_encoder

    encoder = load_encoder(FAKE_MODEL, settings)
    (release,) = load_corpus(corpus).releases
    assert re.fullmatch(r"[A-Za-z0-9._-]+", release.id)
    build_index(settings, encoder, [release], progress=False)
    handlers = ChatHandlers(Assistant(settings.index_dir, encoder, threshold=0.1), tmp_path / "feedback.jsonl")
    history, session, _, sources, _, _, _ = handlers.ask(body, [], ChatSession(), [], "", "", 3)
    assert session.last_answer.status == "answered"
    reply = history[-1]["content"]
    assert "onerror" in "".join(assert_inert(reply).text) + "".join(assert_inert(sources).text)
    assert_inert(handlers.view_release(release.id, session))


def test_rich_markup_in_a_title_is_printed_literally_by_the_cli(indexed: IndexedHome):
    (indexed.corpus / "rich.txt").write_text(
        f"---\nid: rich-markup\ntitle: '{RICH_MARKUP_TITLE}'\n---\nSastanak šefova graničnih policija u Budvi.\n",
        encoding="utf-8",
    )
    build = indexed.build()
    assert build.exit_code == 0 and "skipped" not in build.stderr, build.output
    result = indexed.cli("search", "Sastanak šefova graničnih policija u Budvi", "--release", "rich-markup",
                         "--model", FAKE_MODEL)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert RICH_MARKUP_TITLE in result.output


# --- release ids ----------------------------------------------------------------------------


def test_release_ids_cannot_walk_out_of_the_index(indexed: IndexedHome, tmp_path: Path):
    assistant = Assistant(indexed.index_dir, indexed.encoder)
    assert assistant.release_view("../../../etc/passwd") is None
    handlers = ChatHandlers(assistant, tmp_path / "feedback.jsonl")
    assert PASSWD_LINE not in handlers.view_release("../../../etc/passwd", ChatSession())
    removal = indexed.cli("index", "remove", "../../etc/passwd")
    assert_clean_failure(removal, "no release '../../etc/passwd' in the index")
    indexed.assert_unchanged()


# --- dependencies ---------------------------------------------------------------------------

PIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+")


LOCK_FILES = ("requirements.lock", "requirements-bench.lock")  # runtime + tests, and the optional bench extra


def lock_pins() -> dict[str, str]:
    pins = {}
    for lock_file in LOCK_FILES:
        for line in (REPO_ROOT / lock_file).read_text(encoding="utf-8").splitlines():
            name, _, version = line.partition("==")
            pins[normalise(name)] = version
    return pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def test_every_line_of_the_lock_file_is_an_exact_pin():
    lines = [
        line for lock_file in LOCK_FILES for line in (REPO_ROOT / lock_file).read_text(encoding="utf-8").splitlines()
    ]
    assert lines
    unpinned = [line for line in lines if not PIN.fullmatch(line.strip())]
    assert unpinned == []


def test_every_declared_dependency_is_pinned_to_the_locked_version():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    locked = lock_pins()
    problems = []
    for requirement in declared:
        name, _, version = requirement.partition("==")
        if not version:
            problems.append(f"{requirement}: not pinned")
        elif locked.get(normalise(name)) != version:
            problems.append(f"{requirement}: lock has {locked.get(normalise(name))}")
    assert problems == []
