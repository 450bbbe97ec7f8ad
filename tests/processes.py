"""Stopping the servers and watchers that tests start as child processes."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Ask ``process`` to end (SIGTERM), kill it if it has not within ``timeout`` seconds, and reap it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
