from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.settings import Settings, SettingsError, load_settings
from index.store_location import backend_of, parse_location
from index.vector_store import FAISS_LOCATION, StoreLocation, VectorStoreError


@pytest.mark.parametrize("value", ["", "faiss", "FAISS", "  faiss  "])
def test_faiss_is_the_default_and_needs_no_uri(value: str, tmp_path: Path) -> None:
    assert parse_location(value, tmp_path) == FAISS_LOCATION
    assert FAISS_LOCATION.backend == "faiss" and not FAISS_LOCATION.uri


def test_milvus_uris_become_http_and_credentials_become_the_token(tmp_path: Path) -> None:
    location = parse_location("milvus://alice:s3cret@milvus.internal:19530", tmp_path)
    assert (location.backend, location.uri, location.token) == (
        "milvus",
        "http://milvus.internal:19530",
        "alice:s3cret",
    )
    assert "s3cret" not in repr(location) and "s3cret" not in location.label()
    assert parse_location("https://cluster.example.org", tmp_path).uri == "https://cluster.example.org"


def test_a_relative_lite_path_lives_under_the_home(tmp_path: Path) -> None:
    location = parse_location("vectors/milvus.db", tmp_path, index_type="HNSW")
    assert location == StoreLocation("milvus", str(tmp_path / "vectors" / "milvus.db"), index_type="HNSW")
    assert parse_location(str(tmp_path / "abs.db"), Path("/elsewhere")).uri == str(tmp_path / "abs.db")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("milvus://", "names no host"),
        ("ftp://host/x", "unsupported vector store"),
        ("vectors/milvus", "ending in .db"),
    ],
)
def test_unusable_values_are_refused_with_the_accepted_forms(value: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        parse_location(value, tmp_path)


def test_unknown_milvus_index_types_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="FLAT, HNSW, IVF_FLAT"):
        parse_location("milvus://host:19530", tmp_path, index_type="DISKANN")


def test_the_setting_is_read_from_settings_json_and_checked_on_use(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({"vector_store": "milvus://host:19530"}))
    assert load_settings(tmp_path).store_location.uri == "http://host:19530"
    with pytest.raises(SettingsError, match="setting 'vector_store'"):
        _ = Settings(home=tmp_path, vector_store="gopher://x").store_location


def test_an_unregistered_backend_is_named_with_the_known_ones() -> None:
    with pytest.raises(VectorStoreError, match="no vector-store backend named 'gopher'.*faiss"):
        backend_of(StoreLocation("gopher"))


def test_the_milvus_index_type_setting_reaches_the_location(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, vector_store="milvus://host:19530", milvus_index_type="hnsw")
    assert settings.store_location.index_type == "HNSW"
    with pytest.raises(SettingsError, match="unknown Milvus index type"):
        _ = Settings(home=tmp_path, vector_store="milvus://host:19530", milvus_index_type="ANNOY").store_location
