"""The configuration hash is stable, canonical and sensitive to every field."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.config_hash import HASH_LENGTH, RunConfig, config_hash, fusion_setting
from index.fusion import FusionConfig

CONFIG = RunConfig(
    task="golden",
    model_id="embeddinggemma-300m@0123456789ab",
    mode="hybrid",
    k=10,
    chunking={"chunk_size": 900, "chunk_overlap": 150, "separators": ["\n\n", "\n"]},
    data={"golden": "abc", "corpus": "def"},
)


def test_hash_is_sha256_prefix_of_canonical_json() -> None:
    expected = hashlib.sha256(b'{"a":1,"b":[1,2]}').hexdigest()[:HASH_LENGTH]
    assert config_hash({"b": (1, 2), "a": 1}) == expected


def test_key_order_and_sequence_type_do_not_matter() -> None:
    reordered = RunConfig(
        task="golden",
        model_id=CONFIG.model_id,
        mode="hybrid",
        k=10,
        chunking={"separators": ("\n\n", "\n"), "chunk_overlap": 150, "chunk_size": 900},
        data={"corpus": "def", "golden": "abc"},
    )
    assert reordered.hash == CONFIG.hash


@pytest.mark.parametrize(
    "change",
    [
        {"model_id": "other"},
        {"mode": "dense"},
        {"k": 5},
        {"task": "ntrex-headline"},
        {"chunking": {"chunk_size": 800, "chunk_overlap": 150, "separators": ["\n\n", "\n"]}},
        {"data": {"golden": "abc", "corpus": "xyz"}},
    ],
)
def test_every_field_changes_the_hash(change: dict) -> None:
    changed = RunConfig(**{**CONFIG.__dict__, **change})
    assert changed.hash != CONFIG.hash


def test_hash_is_the_same_in_another_process() -> None:
    repo = Path(__file__).resolve().parents[2]
    code = (
        "from evaluation.config_hash import config_hash;"
        "print(config_hash({'x': [1, 'é'], 'y': {'b': 2, 'a': 1}}))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "7"}
    )
    assert other.stdout.strip() == config_hash({"y": {"a": 1, "b": 2}, "x": (1, "é")})


def test_run_name_is_file_safe() -> None:
    assert CONFIG.run_name == f"golden-hybrid-{CONFIG.hash}"
    assert len(CONFIG.hash) == HASH_LENGTH and all(char in "0123456789abcdef" for char in CONFIG.hash)


def test_non_plain_values_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot be hashed"):
        config_hash({"path": Path("x")})


class _SearcherStub:
    def __init__(self, mode: str, fusion: FusionConfig) -> None:
        self.mode = mode
        self.fusion = fusion


def test_hybrid_runs_with_different_fusion_settings_get_different_hashes() -> None:
    def hybrid_hash(fusion: FusionConfig) -> str:
        data = {"slice": "golden", **fusion_setting(_SearcherStub("hybrid", fusion))}
        return RunConfig(task="golden", model_id="m", mode="hybrid", k=10, data=data).hash

    assert hybrid_hash(FusionConfig(k=20, rule="exact")) != hybrid_hash(FusionConfig(k=60, rule="length"))
    assert hybrid_hash(FusionConfig(k=20)) == hybrid_hash(FusionConfig(k=20))


def test_the_fusion_setting_leaves_dense_and_lexical_hashes_alone() -> None:
    for mode in ("dense", "lexical"):
        assert fusion_setting(_SearcherStub(mode, FusionConfig(k=20))) == {}
