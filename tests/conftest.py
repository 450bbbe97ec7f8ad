from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.encoder import register_encoder
from tests.fake_encoder import HashingEncoder
from tests.milvus_server import LocalMilvus

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"

register_encoder("fake", lambda rest: HashingEncoder(int(rest or 64)))


@pytest.fixture
def fake_encoder() -> HashingEncoder:
    return HashingEncoder(64)


@pytest.fixture
def assistant_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ASSISTANT_HOME for the test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMilvus]:
    """A real Milvus standalone (PyPI ``milvus``) in a fresh data folder on a free port, for the whole run.

    Started on first use; a server that cannot start fails the tests that need it with the reason
    (never a skip). Stopped cleanly at the end, and the stop fails if any Milvus process is left.
    """
    server = LocalMilvus(tmp_path_factory.mktemp("milvus-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SHARED_DIR / "seeds"


@pytest.fixture(scope="session")
def ntrex_dir() -> Path:
    return SHARED_DIR / "data" / "ntrex"


# --- real embedding model (index) ---------------------------------------------------------
# Resolved at import time, before any test points ASSISTANT_HOME at a temporary folder.
from index.settings import Settings as _Settings  # noqa: E402
from index.settings import default_home as _default_home  # noqa: E402

REAL_MODEL_HOME = _default_home()


@pytest.fixture(scope="session")
def real_encoder():
    """EmbeddingGemma from the user's default home (provisioned by `assistant model fetch`), loaded once."""
    from index.encoder import load_encoder

    return load_encoder("embeddinggemma-300m", _Settings(home=REAL_MODEL_HOME))
