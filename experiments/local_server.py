"""A chat server started on this machine for a measurement or a test: a free port, and waiting
until it answers."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx


class ServerStartError(RuntimeError):
    """The server exited before it answered, or did not answer in time; the message ends with its log tail."""


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_answering(process: subprocess.Popen, url: str, timeout: float, log_path: Path | None = None) -> float:
    """Seconds until ``url`` answers 200; raises :class:`ServerStartError` (the process is left to the caller)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise ServerStartError(f"the server exited with code {process.returncode}{_tail(log_path)}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise ServerStartError(f"the server did not answer on {url} within {timeout:.0f} s{_tail(log_path)}")


def _tail(log_path: Path | None) -> str:
    if log_path is None or not log_path.exists():
        return ""
    return ":\n" + log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
