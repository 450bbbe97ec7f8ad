from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from assistant.server import ServeError, ensure_index, parse_auth, serve
from index.encoder import load_encoder
from index.settings import REPO_CORPUS, Settings
from index.store import open_index, read_current
from experiments.local_server import free_port


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("staff:s3cret", ("staff", "s3cret")), ("staff:pa:ss", ("staff", "pa:ss"))],
)
def test_parse_auth(raw, expected):
    assert parse_auth(raw) == expected


@pytest.mark.parametrize("raw", ["staff", ":secret", "staff:"])
def test_parse_auth_refuses_incomplete_credentials(raw):
    with pytest.raises(ServeError, match="user:password"):
        parse_auth(raw)


def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in sorted(path.name for path in REPO_CORPUS.iterdir())[:2]:
        shutil.copy(REPO_CORPUS / name, corpus / name)
    return corpus


def test_ensure_index_builds_only_when_there_is_no_index(tmp_path: Path):
    settings = Settings(home=tmp_path / "home", model="fake:64", corpus_dir=small_corpus(tmp_path))
    encoder = load_encoder(settings.model, settings)
    ensure_index(settings, encoder)
    generation = read_current(settings.index_dir).generation
    assert open_index(settings.index_dir).manifest.releases == 2
    ensure_index(settings, encoder)
    assert read_current(settings.index_dir).generation == generation


def test_ensure_index_refuses_an_empty_corpus(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    settings = Settings(home=tmp_path / "home", model="fake:64", corpus_dir=empty)
    with pytest.raises(ServeError, match="no usable releases"):
        ensure_index(settings, load_encoder(settings.model, settings))


def test_serve_builds_the_index_and_asks_for_credentials(tmp_path: Path, capsys):
    settings = Settings(home=tmp_path / "home", model="fake:64", corpus_dir=small_corpus(tmp_path))
    port = free_port()
    demo = serve(port=port, auth="staff:s3cret", settings=settings, block=False)
    try:
        assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out
        assert read_current(settings.index_dir) is not None
        config = httpx.get(f"http://127.0.0.1:{port}/config")
        assert config.status_code == 401
        login = httpx.post(f"http://127.0.0.1:{port}/login", data={"username": "staff", "password": "s3cret"})
        assert login.status_code == 200
        refused = httpx.post(f"http://127.0.0.1:{port}/login", data={"username": "staff", "password": "wrong"})
        assert refused.status_code >= 400
    finally:
        demo.close()


def test_no_file_is_served_even_when_the_environment_allows_paths(tmp_path: Path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("staff only", encoding="utf-8")
    monkeypatch.setenv("GRADIO_ALLOWED_PATHS", str(tmp_path))
    settings = Settings(home=tmp_path / "home", model="fake:64", corpus_dir=small_corpus(tmp_path))
    port = free_port()
    demo = serve(port=port, settings=settings, block=False)
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/gradio_api/file={secret}")
        assert response.status_code == 403 and "staff only" not in response.text
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200  # the page itself still loads
    finally:
        demo.close()
