from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.settings import SETTINGS_FILE, Settings, SettingsError, check_index_name, load_settings


def write_settings(home: Path, stored: object) -> Path:
    path = home / SETTINGS_FILE
    path.write_text(json.dumps(stored), encoding="utf-8")
    return path


def refusal(home: Path) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(home)
    return str(caught.value)


def test_without_a_file_the_defaults_apply(assistant_home: Path) -> None:
    assert load_settings(assistant_home) == Settings(home=assistant_home)


def test_stored_values_override_the_defaults(assistant_home: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "releases"
    stored = {"model": "fake:64", "corpus_dir": str(corpus), "index_name": "press-2023.v2", "retrieval_mode": "dense"}
    write_settings(assistant_home, stored)
    settings = load_settings(assistant_home)
    assert (settings.model, settings.corpus_dir, settings.index_name, settings.retrieval_mode) == (
        "fake:64",
        corpus,
        "press-2023.v2",
        "dense",
    )
    assert settings.index_dir == assistant_home / "indexes" / "press-2023.v2"


@pytest.mark.parametrize("key", ["model", "corpus_dir", "index_name", "retrieval_mode"])
@pytest.mark.parametrize("value", [64, None, ["fake:64"], {"name": "x"}, True, "", "   "])
def test_every_value_must_be_a_non_empty_string(assistant_home: Path, key: str, value: object) -> None:
    path = write_settings(assistant_home, {key: value})
    assert refusal(assistant_home) == f"{path}: setting {key!r} must be a non-empty string, not {value!r}"


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_each_retrieval_mode_is_accepted(assistant_home: Path, mode: str) -> None:
    write_settings(assistant_home, {"retrieval_mode": mode})
    assert load_settings(assistant_home).retrieval_mode == mode


@pytest.mark.parametrize("mode", ["bm25", "Hybrid", "hybrid "])
def test_an_unknown_retrieval_mode_is_refused(assistant_home: Path, mode: str) -> None:
    path = write_settings(assistant_home, {"retrieval_mode": mode})
    assert refusal(assistant_home) == (
        f"{path}: setting 'retrieval_mode' must be one of dense, lexical, hybrid, not {mode!r}"
    )


@pytest.mark.parametrize(
    "name", ["../outside", "..", ".", "a/b", "/etc", "a\\b", "x..y", "two words", "ime-č", "name\n"]
)
def test_an_index_name_that_could_leave_the_indexes_folder_is_refused(assistant_home: Path, name: str) -> None:
    path = write_settings(assistant_home, {"index_name": name})
    message = refusal(assistant_home)
    assert message.startswith(f"{path}: invalid index name {name!r} (use letters, digits")


@pytest.mark.parametrize("name", ["default", "ntrex-dev-20", "golden_v1.2", "A.b-C_9"])
def test_safe_index_names_are_kept(name: str) -> None:
    assert check_index_name(name) == name

