"""The machine a measurement ran on, and the thread counts it runs with.

Shared by the bench (``run``), its serving probe (``probe``) and the backend latency
experiment, so none of them imports another for these.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from evaluation.bench.stats import load_average

PACKAGES = ("torch", "transformers", "sentence-transformers", "faiss-cpu", "numpy", "langchain-community")


def machine_facts(packages: Sequence[str] = PACKAGES) -> dict[str, Any]:
    """CPUs, platform, Python, torch and FAISS threads, the 1-minute load now and ``packages``' versions."""
    import faiss
    import torch

    versions = {}
    for name in packages:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
        "faiss_threads": faiss.omp_get_max_threads(),
        "load_average_start": load_average(),
        "packages": versions,
    }


def apply_threads(count: int, faiss_count: int | None = None) -> tuple[int, int]:
    """Use ``count`` threads in torch (the model) and FAISS (OpenMP, ``faiss_count`` if given) from now on.

    Returns the (torch, FAISS) thread counts before, to restore them.
    """
    import faiss
    import torch

    if count < 1 or (faiss_count is not None and faiss_count < 1):
        raise ValueError(f"thread count must be at least 1, got {count}")
    before = torch.get_num_threads(), faiss.omp_get_max_threads()
    torch.set_num_threads(count)
    faiss.omp_set_num_threads(faiss_count or count)
    return before
