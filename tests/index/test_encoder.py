from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from index import encoder as encoder_module
from index.encoder import ModelUnavailableError, SentenceTransformerEncoder, load_encoder, local_model_id
from index.model_fetch import MARKER_FILE
from index.settings import Settings
from tests.fake_encoder import HashingEncoder

WORDS = ["[UNK]", "[PAD]", "query", ":", "border", "police", "meeting", "donation", "equipment"]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real sentence-transformers folder (static word embeddings, 8 dims) with only a "query" prompt."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer, models, pre_tokenizers

    tokenizer = Tokenizer(models.WordLevel({word: n for n, word in enumerate(WORDS)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    weights = np.random.default_rng(7).normal(size=(len(WORDS), 8)).astype(np.float32)
    model = SentenceTransformer(
        modules=[StaticEmbedding(tokenizer, embedding_weights=weights)], prompts={"query": "query: "}, device="cpu"
    )
    folder = tmp_path_factory.mktemp("models") / "tiny-static"
    model.save(str(folder))
    return folder


def test_registered_prefixes_build_their_encoders(settings: Settings) -> None:
    encoder = load_encoder("fake:32", settings)
    assert isinstance(encoder, HashingEncoder) and encoder.dimension == 32 and encoder.model_id == "fake:32"


def test_the_default_model_missing_tells_how_to_fetch_it(settings: Settings) -> None:
    with pytest.raises(ModelUnavailableError, match="not installed.*assistant model fetch"):
        load_encoder("embeddinggemma-300m", settings)


def test_an_incomplete_provisioned_model_is_refused(settings: Settings) -> None:
    folder = settings.models_dir / "embeddinggemma-300m"
    folder.mkdir(parents=True)
    (folder / MARKER_FILE).write_text('{"files": {"model.safetensors": 10}}')
    with pytest.raises(ModelUnavailableError, match="incomplete.*model fetch --force"):
        load_encoder("embeddinggemma-300m", settings)


def test_a_folder_that_is_not_a_model_is_refused(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="not a sentence-transformers model folder"):
        load_encoder(str(tmp_path), settings)


@pytest.mark.parametrize(
    "spec", ["{tmp}/models/gone", "./gone", "../gone", "~/gone", "models\\gone", "models/org/gone"]
)
def test_a_model_path_that_does_not_exist_is_not_taken_for_a_hub_id(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # if the spec ever reached the hub loader, stay offline
    spec = spec.format(tmp=tmp_path)
    expected = Path(spec).expanduser()
    with pytest.raises(ModelUnavailableError) as caught:
        load_encoder(spec, settings)
    assert str(caught.value) == (
        f"model folder {expected} does not exist; check --model or 'model' in settings.json"
    )


def test_an_unknown_model_id_offline_fails_clearly(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError, match="cannot load model no-such-org/no-such-model offline"):
        load_encoder("no-such-org/no-such-model", settings)


def test_a_local_folder_encodes_normalised_float32_with_its_prompts(settings: Settings, tiny_model_dir: Path) -> None:
    encoder = load_encoder(str(tiny_model_dir), settings, batch_size=2)
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert encoder.dimension == 8 and encoder.batch_size == 2
    texts = ["border police", "donation of equipment", "meeting"]
    documents = encoder.encode(texts, "document")
    queries = encoder.encode(texts, "query")
    assert documents.dtype == np.float32 and documents.shape == (3, 8)
    np.testing.assert_allclose(np.linalg.norm(documents, axis=1), 1.0, rtol=1e-5)
    assert not np.allclose(queries, documents)  # the "query: " prompt changes the input
    assert encoder.missing_prompts == {"document"}  # no such prompt: encoded bare, and recorded
    assert "query" not in encoder.missing_prompts
    assert encoder.encode([], "query").shape == (0, 8)


def test_loaded_models_are_reused_within_the_process(settings: Settings, tiny_model_dir: Path) -> None:
    first = load_encoder(str(tiny_model_dir), settings)
    second = load_encoder(str(tiny_model_dir), settings, batch_size=4)
    assert first.model is second.model  # type: ignore[attr-defined]
    assert str(tiny_model_dir) in encoder_module._LOADED


def test_provisioned_models_are_found_by_name(settings: Settings, tiny_model_dir: Path) -> None:
    shutil.copytree(tiny_model_dir, settings.models_dir / "tiny-static")
    encoder = load_encoder("tiny-static", settings)
    assert encoder.model_id == local_model_id(tiny_model_dir)


def test_model_id_identifies_the_files_not_the_location(tmp_path: Path, tiny_model_dir: Path) -> None:
    copy = tmp_path / "tiny-static"
    shutil.copytree(tiny_model_dir, copy)
    (copy / MARKER_FILE).write_text("{}")
    assert local_model_id(copy) == local_model_id(tiny_model_dir)
    assert local_model_id(copy).startswith("tiny-static@")
    with (copy / "model.safetensors").open("ab") as weights:
        weights.write(b"\0")
    assert local_model_id(copy) != local_model_id(tiny_model_dir)
