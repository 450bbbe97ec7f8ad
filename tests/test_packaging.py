"""The wheel built from pyproject.toml holds the product and nothing of experiments/ or tests/.

Built offline (``pip wheel --no-deps --no-build-isolation --no-index``, the venv's setuptools) from a
temporary copy of the sources, so the build never writes into the working tree. Takes a few seconds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("corpus", "index", "assistant", "evaluation")
NOT_INSTALLED = ("experiments", "tests")
# Experiment, fault-injection and load scripts (and their helpers): run from the repository only.
SCRIPTS = (
    "backend_latency",
    "chat_latency",
    "corruption_test",
    "crash_child",
    "crash_test",
    "dev_split",
    "fault_harness",
    "fake_encoder",
    "fusion_tuning",
    "load_test",
    "measurement",
    "script_folding_experiment",
    "threshold",
)
# What users run: `assistant`, `assistant eval`, `assistant bench`, and the data they need.
PRODUCT_FILES = (
    "assistant/cli.py",
    "index/search.py",
    "corpus/loader.py",
    "evaluation/cli.py",
    "evaluation/golden_set.py",
    "evaluation/golden/questions.jsonl",
    "evaluation/ntrex_tasks.py",
    "evaluation/ntrex_eval.py",
    "evaluation/metrics.py",
    "evaluation/reports.py",
    "evaluation/bench/cli.py",
    "evaluation/bench/run.py",
    "evaluation/bench/probe.py",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    pytest.importorskip("setuptools")
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, source / name)
    for folder in (*PRODUCT, *NOT_INSTALLED):
        shutil.copytree(REPO_ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
               "--disable-pip-version-check", "-w", str(out), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    (built,) = out.glob("*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def modules(archive: zipfile.ZipFile) -> set[str]:
    return {name for name in archive.namelist() if name.endswith(".py")}


def test_no_experiment_or_test_module_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert [name for name in names if name.split("/", 1)[0] in NOT_INSTALLED] == []
    assert sorted(name for name in modules(wheel) if Path(name).stem in SCRIPTS) == []
    top_level = wheel.read(next(name for name in names if name.endswith(".dist-info/top_level.txt"))).decode()
    assert set(top_level.split()) == set(PRODUCT)


def test_the_product_modules_and_data_are_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert [name for name in PRODUCT_FILES if name not in names] == []
    assert any(name.startswith("corpus/releases/") for name in names)
    in_tree = {
        path.relative_to(REPO_ROOT).as_posix()
        for package in PRODUCT
        for path in (REPO_ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules(wheel) == in_tree


def test_the_plugins_point_into_the_wheel(wheel: zipfile.ZipFile) -> None:
    entry_points = wheel.read(next(name for name in wheel.namelist() if name.endswith("entry_points.txt"))).decode()
    assert "eval = evaluation.cli:register" in entry_points
    assert "bench = evaluation.bench.cli:register" in entry_points
    assert "assistant = assistant.cli:main" in entry_points
