"""``manifest.json`` of an index generation: what built it, and a sha256 of every other file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
HASH_BLOCK = 1 << 20


class ManifestError(ValueError):
    """The manifest cannot be read or does not describe a generation."""


@dataclass(frozen=True)
class Manifest:
    model_id: str
    dimension: int
    chunking: dict
    releases: int
    chunks: int
    created_at: str
    files: dict[str, str]  # path relative to the generation -> sha256
    format_version: int = FORMAT_VERSION
    extra: dict = field(default_factory=dict)  # free-form build facts (base generation, lexical leg...)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ManifestError(f"not valid JSON ({error})") from error
        if not isinstance(data, dict):
            raise ManifestError("not a JSON object")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ManifestError(f"format version {version!r} is not supported (expected {FORMAT_VERSION})")
        try:
            manifest = cls(**data)
        except TypeError as error:
            raise ManifestError(f"unexpected fields ({error})") from error
        if not isinstance(manifest.files, dict) or not isinstance(manifest.dimension, int):
            raise ManifestError("malformed 'files' or 'dimension'")
        return manifest


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def checksum_tree(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` except the manifest, keyed by relative POSIX path."""
    return {
        path.relative_to(folder).as_posix(): file_sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() != MANIFEST_FILE
    }
