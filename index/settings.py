"""Where the assistant keeps its model, caches and indexes.

One environment variable, ``ASSISTANT_HOME``, names a user directory; an
optional ``settings.json`` inside it holds the rest (model, corpus, mode,
vector store).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from index.store_location import StoreLocation, parse_location

HOME_ENV = "ASSISTANT_HOME"
APP_NAME = "press-assistant"
DEFAULT_MODEL = "embeddinggemma-300m"
SETTINGS_FILE = "settings.json"
REPO_CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "releases"
MODES = ("dense", "lexical", "hybrid")  # retrieval modes, defined once (index.search uses them)
STORED_SETTINGS = ("model", "corpus_dir", "index_name", "retrieval_mode", "vector_store", "milvus_index_type")
_INDEX_NAME = re.compile(r"[A-Za-z0-9._-]+")


class SettingsError(ValueError):
    """The settings file or a setting value is unusable."""


def default_home() -> Path:
    configured = os.environ.get(HOME_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME))


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=default_home)
    model: str = DEFAULT_MODEL
    corpus_dir: Path = REPO_CORPUS
    index_name: str = "default"
    # Dense measured best (2026-11-22): hybrid (index.fusion.DEFAULT_FUSION, tuned on the NTREX dev fold)
    # lost to dense on the NTREX test fold (headline MRR@10 -0.011, p=.003; mixed nDCG@10 -0.010, p=.002;
    # passage MRR@10 -0.002, ns) and on the golden set (MRR@10 0.917 vs 0.956, ns). Hybrid stays an option.
    retrieval_mode: str = "dense"
    # "faiss" (in-process, the default) or a Milvus URI / milvus-lite file: see index.store_location.
    vector_store: str = "faiss"
    milvus_index_type: str = "FLAT"  # FLAT (exact), HNSW or IVF_FLAT; used when vector_store is Milvus

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def embedding_cache_path(self) -> Path:
        return self.home / "cache" / "embeddings.sqlite"

    @property
    def indexes_dir(self) -> Path:
        return self.home / "indexes"

    @property
    def index_dir(self) -> Path:
        return self.indexes_dir / self.index_name

    @property
    def store_location(self) -> StoreLocation:
        """Where new index generations put their vectors (``vector_store``)."""
        try:
            return parse_location(self.vector_store, self.home, self.milvus_index_type.upper())
        except ValueError as error:
            raise SettingsError(f"setting 'vector_store': {error}") from None

    @property
    def feedback_path(self) -> Path:
        return self.home / "feedback" / "feedback.jsonl"

    def with_overrides(self, **changes: object) -> "Settings":
        """Copy with the non-None keyword values applied."""
        kept = {key: value for key, value in changes.items() if value is not None}
        if "home" in kept:
            kept["home"] = Path(str(kept["home"])).expanduser()
        if "corpus_dir" in kept:
            kept["corpus_dir"] = Path(str(kept["corpus_dir"])).expanduser()
        return replace(self, **kept)  # type: ignore[arg-type]


def load_settings(home: Path | None = None) -> Settings:
    """Settings from ``$ASSISTANT_HOME/settings.json``, defaults otherwise."""
    base = Settings(home=home) if home is not None else Settings()
    path = base.home / SETTINGS_FILE
    if not path.exists():
        return base
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SettingsError(f"cannot read {path}: {error}") from error
    if not isinstance(stored, dict):
        raise SettingsError(f"{path} must hold a JSON object")
    unknown = sorted(set(stored) - set(STORED_SETTINGS))
    if unknown:
        allowed = ", ".join(sorted(STORED_SETTINGS))
        raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)}; allowed: {allowed}")
    for key, value in stored.items():
        _check_stored_value(path, key, value)
    return base.with_overrides(**stored)


def check_index_name(name: str) -> str:
    """``name`` if it is a safe folder name under ``indexes/``; raises SettingsError otherwise."""
    if name == "." or ".." in name or not _INDEX_NAME.fullmatch(name):
        raise SettingsError(
            f"invalid index name {name!r} (use letters, digits, '.', '_' and '-'; no '/', '\\' or '..')"
        )
    return name


def _check_stored_value(path: Path, key: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{path}: setting {key!r} must be a non-empty string, not {value!r}")
    if key == "retrieval_mode" and value not in MODES:
        raise SettingsError(
            f"{path}: setting 'retrieval_mode' must be one of {', '.join(MODES)}, not {value!r}"
        )
    if key == "index_name":
        try:
            check_index_name(value)
        except SettingsError as error:
            raise SettingsError(f"{path}: {error}") from None
