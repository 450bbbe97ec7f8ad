"""Atomic file writes: write a temporary file beside the target, fsync, then os.replace."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; on success it replaces ``target``.

    The caller (or a library such as ranx or matplotlib) writes the temporary file;
    it is fsynced and renamed over ``target`` only if the block exits cleanly.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` without ever leaving a torn file."""
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_with_atomic(target: Path, writer: Callable[[Path], object]) -> None:
    """Let ``writer(path)`` produce the file, then move it atomically onto ``target``."""
    with atomic_path(target) as temporary:
        writer(temporary)
