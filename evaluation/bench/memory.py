"""Resident memory of this process (Linux ``/proc``) and sizes on disk."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import subprocess
import sys
from pathlib import Path

MIB = 1024 * 1024
STATUS_FILE = Path("/proc/self/status")


def _status_kib(field: str) -> int:
    for line in STATUS_FILE.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{STATUS_FILE} has no {field} line (memory figures need Linux /proc)")


def rss_bytes() -> int:
    """Current resident set size."""
    return _status_kib("VmRSS") * 1024


def peak_rss_bytes() -> int:
    """Highest resident set size since start or since ``reset_peak_rss``."""
    return _status_kib("VmHWM") * 1024


def reset_peak_rss() -> bool:
    """Restart the peak at the current RSS (``/proc/self/clear_refs``); False where the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
FIXED_MMAP_THRESHOLD = 1 << 20


def pin_malloc_thresholds() -> bool:
    """Make glibc map every block of 1 MiB or more on its own and give it back when freed.

    By default glibc raises its mmap threshold after large frees (up to 32 MiB), so a freed
    index's memory is silently reused by the next one and RSS deltas read as zero. Pinning the
    thresholds keeps RSS deltas honest. False where there is no glibc.
    """
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_MMAP_THRESHOLD, FIXED_MMAP_THRESHOLD)) and bool(
            libc.mallopt(M_TRIM_THRESHOLD, FIXED_MMAP_THRESHOLD)
        )
    except (OSError, AttributeError):
        return False


def mib(size_bytes: float) -> float:
    return round(size_bytes / MIB, 1)


def path_size(path: Path) -> int:
    """Bytes of a file, or of every file below a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def run_probe(*arguments: str, timeout: float = 1800) -> dict:
    """Run ``python -m evaluation.bench.probe ARGS`` in a fresh process and return its JSON line."""
    command = [sys.executable, "-m", "evaluation.bench.probe", *arguments]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"probe {' '.join(arguments[:1])} failed (exit {done.returncode}): {' | '.join(tail)}")
    return json.loads(lines[-1])
