"""Concurrency: many simulated users asking the running chat server over loopback.

    python -m experiments.load_test --start --users 20 --questions 50 --rebuild-during
    python -m experiments.load_test --url http://127.0.0.1:7860/ --users 5 --questions 10

Each user is a thread with its own connection (plain HTTP, or ``--client gradio`` for
``gradio_client.Client``; see experiments/load_clients.py) calling the app's
``/ask`` API endpoint with questions in several languages (the golden set when
present; ``--vary`` makes each call unique so no answer comes from the query
cache), one after another; the users start asking together once all of them
have connected. Everything is bounded: ``--users`` x ``--questions`` calls and a
global ``--deadline`` after which no call is started and waiting calls count as
timeouts. ``--rebuild-during`` runs ``assistant index build
--rebuild`` once ``--rebuild-at`` of the calls are done: the server must keep answering,
and since the corpus does not change, every question must get the same
answer before, during and after the swap (after the rebuild, every distinct
question is asked once more to compare).

``--start`` launches ``assistant serve`` itself (``ASSISTANT_HOME`` = ``--home``,
or a temporary home using the provisioned model); otherwise ``--url`` names a
running server (``--home`` is then needed for ``--rebuild-during``).
Prints a JSON report and one line of text; exits 1 on any error.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from evaluation.bench.stats import percentile
from experiments.fault_harness import QUERIES
from experiments.load_clients import CLIENTS, AskClient, connect
from experiments.local_server import ServerStartError, free_port, wait_until_answering
from index.settings import DEFAULT_MODEL, SETTINGS_FILE, Settings, default_home

ASSISTANT_MAIN = "from assistant.cli import main; main()"
STARTUP_TIMEOUT = 900.0  # the server may first have to build the index with the real model
ANSWER_STATUSES = ("answered", "no_answer", "invalid")
POST_REBUILD_USER = -1
SLOWEST_SHOWN = 20  # the calls made after the rebuild finished, one per distinct question


@dataclass
class Call:
    user: int
    question: str
    started: float  # seconds since the run began
    seconds: float
    status: str  # an answer status, or "exception" / "timeout"
    signature: tuple = ()  # what was quoted, to compare answers to the same question
    error: str = ""


@dataclass
class RebuildResult:
    exit_code: int
    started: float  # seconds since the run began
    seconds: float
    detail: str = ""


@dataclass
class LoadReport:
    url: str
    users: int
    questions_per_user: int
    deadline_seconds: float
    wall_seconds: float
    calls: list[Call] = field(default_factory=list)
    rebuild: RebuildResult | None = None
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    client: str = "http"

    @property
    def errors(self) -> list[Call]:
        return [call for call in self.calls if call.status not in ANSWER_STATUSES]

    def inconsistent_questions(self) -> list[str]:
        """Questions that got different quotes on different calls (the corpus never changes)."""
        seen: dict[str, set[tuple]] = defaultdict(set)
        for call in self.calls:
            if call.status in ANSWER_STATUSES:
                seen[call.question].add(call.signature)
        return sorted(question for question, signatures in seen.items() if len(signatures) > 1)

    def to_dict(self) -> dict:
        planned = self.users * self.questions_per_user
        users_calls = [call for call in self.calls if call.user != POST_REBUILD_USER]
        ok = [call.seconds for call in users_calls if call.status in ANSWER_STATUSES]
        report = {
            "url": self.url,
            "users": self.users,
            "questions_per_user": self.questions_per_user,
            "planned": planned,
            "completed": len(users_calls),
            "not_started": planned - len(users_calls),
            "statuses": dict(Counter(call.status for call in self.calls)),
            "errors": len(self.errors),
            "error_examples": sorted({f"{call.status}: {call.error}"[:300] for call in self.errors})[:10],
            "inconsistent_questions": self.inconsistent_questions(),
            "latency_seconds": latency_summary(ok),
            "wall_seconds": round(self.wall_seconds, 2),
            "deadline_seconds": self.deadline_seconds,
            "answers_per_second": round(len(ok) / self.wall_seconds, 3) if self.wall_seconds > 0 else 0.0,
            # where the tail is: the slowest calls with their start (seconds since the run began)
            "client": self.client,
            "cpu_seconds": self.cpu_seconds,  # of the load phase: simulated users, and the server when started here
            "slowest_calls": [
                {"user": call.user, "started": round(call.started, 2), "seconds": round(call.seconds, 2)}
                for call in sorted(users_calls, key=lambda call: -call.seconds)[:SLOWEST_SHOWN]
            ],
            "rebuild": None,
        }
        if self.rebuild is not None:
            start, end = self.rebuild.started, self.rebuild.started + self.rebuild.seconds
            during = [call for call in self.calls if call.started < end and call.started + call.seconds > start]
            report["rebuild"] = {
                "exit_code": self.rebuild.exit_code,
                "started_at": round(start, 2),
                "seconds": round(self.rebuild.seconds, 2),
                "calls_overlapping": len(during),
                "errors_overlapping": sum(call.status not in ANSWER_STATUSES for call in during),
                "calls_after": sum(call.started > end for call in self.calls),
                "post_rebuild_probes": sum(call.user == POST_REBUILD_USER for call in self.calls),
                "detail": self.rebuild.detail[-500:],
            }
        return report

    def line(self) -> str:
        data = self.to_dict()
        latency = data["latency_seconds"]
        text = (
            f"load: {data['completed']}/{data['planned']} questions from {self.users} users, "
            f"{data['errors']} errors, p50 {latency['p50']:.2f} s, p95 {latency['p95']:.2f} s, "
            f"p99 {latency['p99']:.2f} s, {data['answers_per_second']:.2f} answers/s over {data['wall_seconds']:.0f} s"
        )
        if data["rebuild"]:
            rebuild = data["rebuild"]
            text += (
                f"; rebuild exit {rebuild['exit_code']} in {rebuild['seconds']:.0f} s with "
                f"{rebuild['calls_overlapping']} calls overlapping ({rebuild['errors_overlapping']} errors)"
            )
        if data["inconsistent_questions"]:
            text += f"; {len(data['inconsistent_questions'])} questions answered inconsistently"
        return text

    @property
    def ok(self) -> bool:
        rebuild_ok = self.rebuild is None or self.rebuild.exit_code == 0
        return not self.errors and not self.inconsistent_questions() and rebuild_ok and bool(self.calls)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    if not seconds:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "max": 0.0}
    return {
        "p50": round(percentile(seconds, 50), 3),
        "p95": round(percentile(seconds, 95), 3),
        "p99": round(percentile(seconds, 99), 3),
        "mean": round(statistics.fmean(seconds), 3),
        "max": round(max(seconds), 3),
    }


def load_questions(path: Path | None = None) -> list[str]:
    """Question texts of ``path`` (default: the golden set, all languages), else a fixed multilingual list."""
    if path is None:
        from evaluation.golden_set import GOLDEN_FILE  # loads ranx: only when asked

        path = GOLDEN_FILE
    if not path.is_file():
        return list(QUERIES)
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            text = json.loads(line).get("text", "")
            if text:
                questions.append(text)
    return questions or list(QUERIES)


def answer_signature(answer: dict) -> tuple:
    quotes = answer.get("quotes") or []
    return (answer.get("status"), tuple((q.get("release_id"), q.get("start"), q.get("end")) for q in quotes))


# --- users ----------------------------------------------------------------------------------


def run_load(
    url: str,
    users: int,
    questions_per_user: int,
    deadline: float,
    questions: Sequence[str],
    rebuild: Callable[[], tuple[int, str]] | None = None,
    auth: tuple[str, str] | None = None,
    rebuild_at: float = 0.25,
    vary: bool = False,
    server_pid: int | None = None,
    client_kind: str = "http",
) -> LoadReport:
    """Drive ``url`` with ``users`` threads.

    ``rebuild`` (returning exit code and detail) runs once ``rebuild_at`` of the calls are done.
    ``client_kind`` is how each user connects (see :mod:`experiments.load_clients`). With
    ``server_pid`` (a server on this machine), the report splits the CPU time of the load
    phase between the server and this process's simulated users.
    """
    clients_cpu, server_cpu = time.process_time(), process_cpu_seconds(server_pid)
    began = time.monotonic()
    stop_at = began + deadline
    calls: list[Call] = []
    lock = threading.Lock()
    rebuild_due = threading.Event()
    planned = users * questions_per_user

    def record(call: Call) -> None:
        with lock:
            calls.append(call)
            if len(calls) >= planned * rebuild_at:
                rebuild_due.set()

    def question_for(number: int, index: int) -> str:
        text = questions[(number * 7 + index) % len(questions)]
        return f"{text} ({number}.{index})" if vary else text  # vary: every call misses the query cache

    # Every user opens its connection (gradio_client also fetches the app's API description) before any
    # asks, as people who already have the page open: the measured calls are answers, not set-ups.
    connected = threading.Barrier(users)

    def wait_for_the_others() -> None:
        try:
            connected.wait(timeout=max(0.0, stop_at - time.monotonic()))
        except threading.BrokenBarrierError:
            pass

    def user(number: int) -> None:
        try:
            client = connect(client_kind, url, auth)
        except Exception as error:  # the user could not even connect: all its calls fail
            wait_for_the_others()
            for index in range(questions_per_user):
                failed = Call(number, question_for(number, index), time.monotonic() - began, 0.0, "exception")
                failed.error = repr(error)
                record(failed)
            return
        wait_for_the_others()
        try:
            for index in range(questions_per_user):
                if time.monotonic() >= stop_at:
                    return
                record(ask_once(client, number, question_for(number, index), began, stop_at))
        finally:
            client.close()

    rebuild_result: list[RebuildResult] = []

    def rebuilder() -> None:
        rebuild_due.wait(timeout=max(0.0, stop_at - time.monotonic()))
        if time.monotonic() >= stop_at or rebuild is None:
            return
        started = time.monotonic()
        code, detail = rebuild()
        rebuild_result.append(RebuildResult(code, started - began, time.monotonic() - started, detail))

    threads = [threading.Thread(target=user, args=(number,), daemon=True) for number in range(users)]
    if rebuild is not None:
        threads.append(threading.Thread(target=rebuilder, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at - time.monotonic()) + 30.0)
    wall = time.monotonic() - began  # the load phase; post-rebuild probes come after
    cpu = {"clients": round(time.process_time() - clients_cpu, 1)}
    server_after = process_cpu_seconds(server_pid)
    if server_cpu is not None and server_after is not None:
        cpu["server"] = round(server_after - server_cpu, 1)
    if rebuild_result:  # ask every question once more, surely after the swap, to compare
        try:
            probe = connect(client_kind, url, auth)
            for question in sorted({call.question for call in calls}):
                if time.monotonic() >= stop_at:
                    break
                record(ask_once(probe, POST_REBUILD_USER, question, began, stop_at))
            probe.close()
        except Exception as error:
            record(Call(POST_REBUILD_USER, "", time.monotonic() - began, 0.0, "exception", error=repr(error)))
    with lock:
        report = LoadReport(url, users, questions_per_user, deadline, wall, list(calls))
    report.cpu_seconds = cpu
    report.client = client_kind
    report.rebuild = rebuild_result[0] if rebuild_result else None
    return report


def process_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``), else None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ask_once(client: AskClient, user: int, question: str, began: float, stop_at: float) -> Call:
    started = time.monotonic()
    try:
        answer = client.ask(question, timeout=max(0.1, stop_at - started))
    except TimeoutError as error:
        return Call(user, question, started - began, time.monotonic() - started, "timeout", error=repr(error))
    except Exception as error:
        return Call(user, question, started - began, time.monotonic() - started, "exception", error=repr(error))
    seconds = time.monotonic() - started
    if not isinstance(answer, dict):
        return Call(user, question, started - began, seconds, "exception", error=f"unexpected reply {answer!r}"[:300])
    status = str(answer.get("status", "missing"))
    error = "" if status in ANSWER_STATUSES else str(answer.get("message", ""))
    return Call(user, question, started - began, seconds, status, answer_signature(answer), error)


# --- server ---------------------------------------------------------------------------------


def assistant_command(*arguments: str) -> list[str]:
    return [sys.executable, "-c", ASSISTANT_MAIN, *arguments]


def prepare_home(home: Path | None, model: str | None) -> Path:
    """``home`` as given, or a temporary home whose settings name ``model`` (default: the provisioned model)."""
    if home is not None:
        return home
    home = Path(tempfile.mkdtemp(prefix="load-test-home-"))
    if model is None:
        provisioned = Settings(home=default_home()).models_dir / DEFAULT_MODEL
        model = str(provisioned) if provisioned.is_dir() else DEFAULT_MODEL
    (home / SETTINGS_FILE).write_text(json.dumps({"model": model}) + "\n", encoding="utf-8")
    return home


def start_server(home: Path, port: int, log_path: Path, threads: int | None = None) -> subprocess.Popen:
    env = dict(os.environ, ASSISTANT_HOME=str(home))
    extra = [] if threads is None else ["--threads", str(threads)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            assistant_command("serve", "--port", str(port), *extra), stdout=log, stderr=subprocess.STDOUT, env=env
        )
    try:
        wait_until_answering(process, f"http://127.0.0.1:{port}/", STARTUP_TIMEOUT, log_path)
    except ServerStartError:
        stop_server(process)
        raise
    return process


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def subprocess_rebuild(home: Path) -> Callable[[], tuple[int, str]]:
    """Run ``assistant index build --rebuild`` for ``home``; returns (exit code, output tail)."""

    def rebuild() -> tuple[int, str]:
        env = dict(os.environ, ASSISTANT_HOME=str(home))
        result = subprocess.run(
            assistant_command("index", "build", "--rebuild"), capture_output=True, text=True, env=env, check=False
        )
        return result.returncode, (result.stderr or result.stdout)[-500:]

    return rebuild


def main(
    url: Annotated[str | None, typer.Option(help="A running server, e.g. http://127.0.0.1:7860/.")] = None,
    start: Annotated[bool, typer.Option("--start", help="Start `assistant serve` for the run.")] = False,
    home: Annotated[Path | None, typer.Option(help="The server's ASSISTANT_HOME (--start, --rebuild-during).")] = None,
    model: Annotated[str | None, typer.Option(help="Model for a temporary --start home (default: provisioned).")] = (
        None
    ),
    users: Annotated[int, typer.Option(min=1, max=200, help="Concurrent users.")] = 20,
    questions: Annotated[int, typer.Option(min=1, max=1000, help="Questions per user.")] = 50,
    deadline: Annotated[float, typer.Option(min=1.0, help="Global time limit in seconds.")] = 1800.0,
    rebuild_during: Annotated[bool, typer.Option("--rebuild-during", help="Rebuild the index mid-run.")] = False,
    rebuild_at: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of calls done before the rebuild.")] = 0.25,
    vary: Annotated[bool, typer.Option("--vary", help="Make every question unique (no query cache hits).")] = False,
    auth: Annotated[str | None, typer.Option(help="user:password if the server asks for it.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report here.")] = None,
    threads: Annotated[int | None, typer.Option(help="`assistant serve --threads` with --start.")] = None,
    client: Annotated[str, typer.Option(help=f"How users connect: {' or '.join(CLIENTS)} (experiments/load_clients.py).")] = "http",
) -> None:
    """Simulate concurrent users and report errors and latency percentiles."""
    if (url is None) == (not start):
        raise typer.BadParameter("give either --url or --start")
    if client not in CLIENTS:
        raise typer.BadParameter(f"--client must be one of {', '.join(CLIENTS)}, got {client!r}")
    if rebuild_during and url is not None and home is None:
        raise typer.BadParameter("--rebuild-during with --url needs --home (the server's ASSISTANT_HOME)")
    credentials = tuple(auth.split(":", 1)) if auth else None
    temporary_home = start and home is None
    server: subprocess.Popen | None = None
    report: LoadReport | None = None
    try:
        if start:
            home = prepare_home(home, model)
            port = free_port()
            log_path = Path(tempfile.mkstemp(prefix="load-test-server-", suffix=".log")[1])
            typer.echo(f"starting the server (log: {log_path}) …", err=True)
            server = start_server(home, port, log_path, threads)
            url = f"http://127.0.0.1:{port}/"
        report = run_load(
            url,  # type: ignore[arg-type]
            users,
            questions,
            deadline,
            load_questions(),
            rebuild=subprocess_rebuild(home) if rebuild_during and home is not None else None,
            auth=credentials,  # type: ignore[arg-type]
            rebuild_at=rebuild_at,
            vary=vary,
            server_pid=server.pid if server is not None else None,
            client_kind=client,
        )
    finally:
        if server is not None:
            stop_server(server)
            if report is not None and report.ok:
                log_path.unlink(missing_ok=True)  # kept only when something went wrong
        if temporary_home and home is not None:
            shutil.rmtree(home, ignore_errors=True)
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text + "\n", encoding="utf-8")
    typer.echo(text)
    typer.echo(report.line())
    raise typer.Exit(0 if report.ok else 1)


if __name__ == "__main__":
    typer.run(main)
