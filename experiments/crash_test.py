"""Crash safety: ``kill -9`` index builds and feedback writers at random moments.

    python -m experiments.crash_test --runs 20 --seed 0

Index: build corpus variant 0, then for every run start a build of the next
variant in a subprocess (``assistant index build``, incremental or ``--rebuild``
on alternate runs), SIGKILL it after a seeded random delay, and check that

* the index still opens (checksums verified) and answers the fixed questions
  exactly as before the kill, or exactly as a clean build of the new variant if
  the killed build had already committed;
* the next build completes, answers like a clean build, and leaves no staging folder.

Feedback: start several writers appending to one log, SIGKILL them at random
moments, and check that every line is a complete JSON record and that no
writer's acknowledged record is missing (each writer's numbers run 0..n-1).

Uses the deterministic ``hash:64`` encoder unless ``--model`` names another.
Prints a JSON summary and one line per part; exits 1 if any run failed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from corpus.loader import load_corpus
from experiments.fault_harness import (
    DEFAULT_SPEC,
    Snapshot,
    base_corpus_files,
    register_hash_encoder,
    snapshot,
    write_corpus_variant,
)
from index.build import build_index
from index.encoder import load_encoder
from index.settings import Settings
from index.store import CURRENT_FILE, GENERATION_PREFIX, STAGING_PREFIX, read_current

CHILD_MODULE = "experiments.crash_child"
BUILD_TIMEOUT = 600.0
POLL_SECONDS = 0.005
WRITER_KILL_SPREAD = 1.0  # writers are killed up to this long after they start writing


@dataclass
class BuildTiming:
    """When a clean build first showed a staging folder, switched CURRENT and ended (seconds after start)."""

    staging_at: float
    committed_at: float
    ended_at: float


@dataclass
class IndexRun:
    run: int
    variant: int  # the variant the killed build was building
    rebuild: bool
    delay: float  # seconds from start, or from the staging folder's appearance when after_staging
    after_staging: bool = False
    state: str = ""  # before-staging, staging, renamed, committed (see classify_state)
    exited_before_kill: bool = False
    opened: bool = False
    answers_consistent: bool = False
    next_build_ok: bool = False
    next_build_consistent: bool = False
    leftovers: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def survived(self) -> bool:
        return self.opened and self.answers_consistent and self.next_build_ok and self.next_build_consistent and not (
            self.leftovers
        )


@dataclass
class FeedbackRun:
    run: int
    writers: int
    records: int = 0
    torn_lines: int = 0
    lost_records: int = 0
    error: str = ""

    @property
    def survived(self) -> bool:
        return not self.error and self.torn_lines == 0 and self.lost_records == 0


@dataclass
class CrashSummary:
    index_runs: list[IndexRun]
    feedback_runs: list[FeedbackRun]
    seed: int
    model: str

    @property
    def index_survived(self) -> int:
        return sum(run.survived for run in self.index_runs)

    @property
    def feedback_survived(self) -> int:
        return sum(run.survived for run in self.feedback_runs)

    @property
    def ok(self) -> bool:
        return self.index_survived == len(self.index_runs) and self.feedback_survived == len(self.feedback_runs)

    def states(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for run in self.index_runs:
            counts[run.state] += 1
        return dict(counts)

    def to_dict(self) -> dict:
        return {
            "seed": self.seed,
            "model": self.model,
            "index": {
                "runs": len(self.index_runs),
                "survived": self.index_survived,
                "kill_states": self.states(),
                "details": [asdict(run) | {"survived": run.survived} for run in self.index_runs],
            },
            "feedback": {
                "runs": len(self.feedback_runs),
                "survived": self.feedback_survived,
                "records": sum(run.records for run in self.feedback_runs),
                "torn_lines": sum(run.torn_lines for run in self.feedback_runs),
                "lost_records": sum(run.lost_records for run in self.feedback_runs),
                "details": [asdict(run) | {"survived": run.survived} for run in self.feedback_runs],
            },
        }

    def lines(self) -> list[str]:
        states = ", ".join(f"{name} {count}" for name, count in sorted(self.states().items()))
        feedback = self.to_dict()["feedback"]
        return [
            f"index crash runs survived: {self.index_survived}/{len(self.index_runs)} (killed: {states})",
            f"feedback crash runs survived: {self.feedback_survived}/{len(self.feedback_runs)} "
            f"({feedback['records']} records, {feedback['torn_lines']} torn lines, "
            f"{feedback['lost_records']} lost)",
        ]


# --- subprocesses ---------------------------------------------------------------------------


def child_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", CHILD_MODULE, *arguments]


def start_build(home: Path, corpus: Path, model: str, rebuild: bool) -> subprocess.Popen:
    arguments = ["build", "--home", str(home), "--corpus", str(corpus), "--model", model]
    return subprocess.Popen(
        child_command(*arguments, *(["--rebuild"] if rebuild else [])),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_child_env(),
    )


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH", "")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_build(home: Path, corpus: Path, model: str, rebuild: bool = False, watch: Path | None = None) -> BuildTiming:
    """A build that is not killed; raises if it fails. ``watch`` (the index folder) is polled for staging."""
    started = time.monotonic()
    before = _current_text(watch) if watch is not None else None
    process = start_build(home, corpus, model, rebuild)
    staging_at = committed_at = None
    while process.poll() is None:
        if watch is not None and staging_at is None and watch.is_dir():
            if any(path.name.startswith(STAGING_PREFIX) for path in watch.iterdir()):
                staging_at = time.monotonic() - started
        if watch is not None and committed_at is None and _current_text(watch) != before:
            committed_at = time.monotonic() - started
        if time.monotonic() - started > BUILD_TIMEOUT:
            process.kill()
            raise RuntimeError(f"build did not finish within {BUILD_TIMEOUT:.0f} s")
        time.sleep(POLL_SECONDS)
    ended_at = time.monotonic() - started
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"build exited with {process.returncode}: {stderr.strip()[-500:]}")
    committed_at = committed_at if committed_at is not None else ended_at
    return BuildTiming(staging_at if staging_at is not None else committed_at, committed_at, ended_at)


def _current_text(index_dir: Path) -> str:
    try:
        return (index_dir / CURRENT_FILE).read_text(encoding="utf-8")
    except OSError:
        return ""


def wait_for_staging(process: subprocess.Popen, index_dir: Path) -> None:
    """Return once a staging folder appears in ``index_dir`` (or the process ends)."""
    started = time.monotonic()
    while process.poll() is None and time.monotonic() - started < BUILD_TIMEOUT:
        if index_dir.is_dir() and any(path.name.startswith(STAGING_PREFIX) for path in index_dir.iterdir()):
            return
        time.sleep(POLL_SECONDS)


def kill_after(process: subprocess.Popen, delay: float) -> bool:
    """SIGKILL ``process`` ``delay`` seconds from now; False when it had already exited."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
    if process.poll() is not None:
        return False
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return True


# --- index ----------------------------------------------------------------------------------


def classify_state(index_dir: Path, before_generation: str, before_entries: set[str]) -> str:
    """Where the killed build stopped, judged from what it left in ``index_dir``."""
    pointer = read_current(index_dir)
    if pointer is not None and pointer.generation != before_generation:
        return "committed"
    new = {path.name for path in index_dir.iterdir()} - before_entries
    if any(name.startswith(GENERATION_PREFIX) for name in new):
        return "renamed"
    if any(name.startswith(STAGING_PREFIX) for name in new):
        return "staging"
    return "before-staging"


def reference_snapshots(work: Path, variants: int, model: str, base: list[Path]) -> list[Snapshot]:
    """Search results of a clean, uninterrupted sequence of builds of every variant."""
    home = work / "reference-home"
    settings = Settings(home=home, model=model)
    encoder = load_encoder(model, settings)
    corpus = work / "corpus"
    found = []
    for variant in tqdm(range(variants), desc="reference builds", unit="variant", leave=False):
        write_corpus_variant(corpus, variant, base)
        build_index(settings, encoder, load_corpus(corpus).releases, progress=False)
        found.append(snapshot(settings.index_dir, encoder))
    shutil.rmtree(home, ignore_errors=True)
    return found


def calibrate(work: Path, model: str, base: list[Path]) -> BuildTiming:
    """Timing of a clean build subprocess (the second one, so caches are as warm as in the runs)."""
    home = work / "calibration-home"
    corpus = work / "calibration-corpus"
    write_corpus_variant(corpus, 0, base)
    run_build(home, corpus, model)
    write_corpus_variant(corpus, 1, base)
    timing = run_build(home, corpus, model, watch=Settings(home=home).index_dir)
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(corpus, ignore_errors=True)
    return timing


def build_in_process(settings: Settings, encoder: object, corpus: Path) -> None:
    """The same steps as ``assistant index build`` (load the corpus, build), without a new interpreter."""
    build_index(settings, encoder, load_corpus(corpus).releases, progress=False)  # type: ignore[arg-type]


def index_crash_runs(work: Path, runs: int, rng: random.Random, model: str, base: list[Path]) -> list[IndexRun]:
    expected = reference_snapshots(work, runs + 1, model, base)
    timing = calibrate(work, model, base)
    home = work / "home"
    settings = Settings(home=home, model=model)
    encoder = load_encoder(model, settings)
    corpus = work / "corpus"
    write_corpus_variant(corpus, 0, base)
    build_in_process(settings, encoder, corpus)
    results = []
    for number in tqdm(range(runs), desc="index kill runs", unit="run"):
        variant = number + 1
        result = IndexRun(run=number, variant=variant, rebuild=number % 2 == 1, delay=0.0)
        # Half the kills land anywhere in the build's life, half while it writes its generation.
        result.after_staging = number % 4 >= 2
        window = timing.committed_at - timing.staging_at if result.after_staging else timing.ended_at
        result.delay = round(rng.uniform(0.0, window * 1.2), 4)
        results.append(result)
        try:
            _one_index_run(result, settings, corpus, encoder, base, expected)
        except Exception as error:  # a failed check is a result, not a crash of the harness
            result.error = f"{type(error).__name__}: {error}"
    return results


def _one_index_run(
    result: IndexRun, settings: Settings, corpus: Path, encoder: object, base: list[Path], expected: list[Snapshot]
) -> None:
    index_dir = settings.index_dir
    before = snapshot(index_dir, encoder)
    pointer = read_current(index_dir)
    before_generation = pointer.generation if pointer else ""
    before_entries = {path.name for path in index_dir.iterdir()}
    write_corpus_variant(corpus, result.variant, base)
    process = start_build(settings.home, corpus, settings.model, result.rebuild)
    if result.after_staging:
        wait_for_staging(process, index_dir)
    result.exited_before_kill = not kill_after(process, result.delay)
    result.state = classify_state(index_dir, before_generation, before_entries)
    after = snapshot(index_dir, encoder)
    result.opened = True
    wanted = expected[result.variant] if result.state == "committed" else before
    result.answers_consistent = after == wanted
    build_in_process(settings, encoder, corpus)
    result.next_build_ok = True
    result.next_build_consistent = snapshot(index_dir, encoder) == expected[result.variant]
    result.leftovers = sorted(path.name for path in index_dir.iterdir() if path.name.startswith(STAGING_PREFIX))


# --- feedback -------------------------------------------------------------------------------


def feedback_crash_runs(work: Path, runs: int, writers: int, rng: random.Random) -> list[FeedbackRun]:
    path = work / "feedback" / "feedback.jsonl"
    startup = _writer_startup(work)
    results = []
    for number in tqdm(range(runs), desc="feedback kill runs", unit="run"):
        result = FeedbackRun(run=number, writers=writers)
        results.append(result)
        try:
            processes = [
                subprocess.Popen(
                    child_command("feedback", "--path", str(path), "--writer", f"r{number}w{index}"),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=_child_env(),
                )
                for index in range(writers)
            ]
            delays = sorted(rng.uniform(startup * 0.8, startup + WRITER_KILL_SPREAD) for _ in processes)
            started = time.monotonic()
            for process, delay in zip(processes, delays, strict=True):
                kill_after(process, max(0.0, started + delay - time.monotonic()))
            records, torn, lost = check_feedback_log(path, [f"r{number}w{index}" for index in range(writers)])
            result.records, result.torn_lines, result.lost_records = records, torn, lost
        except Exception as error:
            result.error = f"{type(error).__name__}: {error}"
    return results


def _writer_startup(work: Path) -> float:
    """Seconds a feedback writer takes to start and write its first record."""
    started = time.monotonic()
    subprocess.run(
        child_command("feedback", "--path", str(work / "calibration.jsonl"), "--writer", "c", "--records", "1"),
        check=True,
        stdout=subprocess.DEVNULL,
        env=_child_env(),
    )
    return time.monotonic() - started


def check_feedback_log(path: Path, writers: list[str]) -> tuple[int, int, int]:
    """(records of ``writers``, lines that are not complete JSON records, records missing from a writer's run)."""
    numbers: dict[str, list[int]] = defaultdict(list)
    torn = 0
    if not path.exists():
        return 0, 0, 0
    for line in path.read_bytes().split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
            writer, number, _ = record["question"].split("|", 2)
            if record["rating"] not in {"helpful", "not_helpful"} or not record["time"]:
                raise ValueError("incomplete record")
        except (ValueError, KeyError, TypeError, AttributeError):
            torn += 1
            continue
        numbers[writer].append(int(number))
    lost = 0
    for writer in writers:
        seen = set(numbers.get(writer, []))
        if seen:
            lost += len(set(range(max(seen) + 1)) - seen)
    return sum(len(numbers.get(writer, [])) for writer in writers), torn, lost


# --- entry point ----------------------------------------------------------------------------


def run_crash_test(
    work: Path,
    runs: int = 20,
    seed: int = 0,
    model: str = DEFAULT_SPEC,
    corpus: Path | None = None,
    writers: int = 4,
) -> CrashSummary:
    register_hash_encoder()
    rng = random.Random(seed)
    base = base_corpus_files(corpus)
    index_runs = index_crash_runs(work, runs, rng, model, base)
    feedback_runs = feedback_crash_runs(work, runs, writers, rng)
    return CrashSummary(index_runs, feedback_runs, seed, model)


def main(
    runs: Annotated[int, typer.Option(min=1, help="Kill runs for the index and for the feedback log.")] = 20,
    seed: Annotated[int, typer.Option(help="Seed of the kill schedule.")] = 0,
    model: Annotated[str, typer.Option(help="Model spec (default: the deterministic hash:64 test encoder).")] = (
        DEFAULT_SPEC
    ),
    corpus: Annotated[Path | None, typer.Option(help="Base corpus folder (default: the shipped releases).")] = None,
    writers: Annotated[int, typer.Option(min=1, help="Concurrent feedback writers per run.")] = 4,
    work: Annotated[Path | None, typer.Option(help="Scratch folder (default: a temporary one, removed after).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the summary here.")] = None,
) -> None:
    """Kill index builds and feedback writers with SIGKILL and check nothing is lost or torn."""
    scratch = work or Path(tempfile.mkdtemp(prefix="crash-test-"))
    try:
        summary = run_crash_test(scratch, runs, seed, model, corpus, writers)
    finally:
        if work is None:
            shutil.rmtree(scratch, ignore_errors=True)
    report = json.dumps(summary.to_dict(), indent=2, ensure_ascii=False)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report + "\n", encoding="utf-8")
    typer.echo(report)
    for line in summary.lines():
        typer.echo(line)
    raise typer.Exit(0 if summary.ok else 1)


if __name__ == "__main__":
    typer.run(main)
