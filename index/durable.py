"""Durable file writes: fsync files and folders, replace files atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_tree(folder: Path) -> None:
    """fsync every file under ``folder``, then every folder (deepest first), then ``folder`` itself."""
    directories = []
    for path in folder.rglob("*"):
        if path.is_file():
            fsync_file(path)
        elif path.is_dir():
            directories.append(path)
    for directory in sorted(directories, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(directory)
    fsync_dir(folder)


@contextmanager
def atomic_replace(path: Path) -> Iterator[Path]:
    """Yield a temp path beside ``path`` to write; on a clean exit fsync it, ``os.replace`` it into place
    and fsync the folder. On an error the temp file is removed and ``path`` is left as it was.

    For writers that want a path of their own (ranx, matplotlib); ``atomic_write_text`` for text.
    """
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(descriptor)
    temp = Path(temp_name)
    try:
        yield temp
        fsync_file(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to a temp file beside ``path``, fsync it, then ``os.replace`` it into place."""
    with atomic_replace(path) as temp:
        temp.write_text(text, encoding="utf-8")
