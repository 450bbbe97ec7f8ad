"""A real Milvus standalone server for tests and measurements, from the PyPI ``milvus`` wheel.

``milvus==2.3.5`` ships the standalone binary (embedded etcd, local storage). This
module starts it the way ``milvus-server --data DIR --proxy-port PORT`` does, but
keeps the binary as its own direct child in a new process group (with its own
``/run/milvus`` where it may: the binary locks a pid file there, one server per
machine otherwise), so that stopping is exact: SIGTERM to the binary (a clean shutdown that revokes its etcd session,
so a restart on the same folder is quick), SIGKILL to the group only after a
grace period, then a check that no process runs the folder's binary any more.

    server = LocalMilvus(data_dir)
    server.start()          # raises MilvusStartError with the log tail when it cannot
    server.uri              # "http://127.0.0.1:<port>"
    server.stop()           # clean, and leaves no process behind
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from experiments.local_server import free_port

START_TIMEOUT = 180.0  # a restart on an old folder can wait about 50 s for etcd sessions
GRACEFUL_STOP_SECONDS = 10
PR_SET_PDEATHSIG = 1
STOP_GRACE = 20.0  # the shutdown can hang on a coordinator already gone; the WAL keeps acknowledged writes


PID_FILE = Path("/run/milvus/standalone.pid")  # fixed by the binary: one standalone per machine


class MilvusStartError(RuntimeError):
    """The server did not become healthy; the message carries the reason and the log tail."""


def _pids_running(executable: Path) -> list[int]:
    """Processes whose executable is ``executable`` (the folder's extracted milvus binary)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(os.readlink(entry / "exe")) == executable:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _private_run_dir(run_dir: Path) -> list[str]:
    """A command prefix giving the server its own ``/run/milvus`` (a bind mount in a private mount
    namespace), so that several servers can run at once; none when that needs rights this user lacks."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None or not _can_unshare(unshare):
        return []
    run_dir.mkdir(parents=True, exist_ok=True)
    script = f'mkdir -p {PID_FILE.parent} && mount --bind "$0" {PID_FILE.parent} && exec "$@"'
    return [unshare, "--mount", "--propagation", "private", "--", "sh", "-c", script, str(run_dir)]


@functools.cache
def _can_unshare(unshare: str) -> bool:
    probe = [unshare, "--mount", "--propagation", "private", "--", "true"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills the server if the process that started it dies
    (a test run killed by a timeout leaves no server behind)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _pids_running_any() -> list[int]:
    """Processes running some ``milvus run standalone``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes().split(b"\0")[1:3] == [b"run", b"standalone"]:
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


class LocalMilvus:
    """One Milvus standalone on 127.0.0.1 with its data in ``data_dir``; the ports stay fixed across restarts."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.health_port = free_port()
        self._configured = False
        self.returncodes: list[int] = []
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def executable(self) -> Path:
        return self.data_dir / "bin" / "milvus"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        try:
            from milvus import MilvusServerConfig, _initialize_data_files
        except ImportError as error:
            raise MilvusStartError(
                f"the milvus package is missing ({error}); install the test extra: make test (or pip install -e .[test])"
            ) from error
        if not self._configured:
            # Every port chosen free once and written into the config, so that a restart finds its etcd and
            # proxy where they were (the wrapper would move to another port).
            config = MilvusServerConfig(data_dir=str(self.data_dir))
            for key in [name for name in config.configurable_items if name.endswith("_port")]:
                config.update(**{key: self.port if key == "proxy_port" else free_port()})
            # A graceful stop can hang on coordinators already gone; Milvus forces its exit after this long.
            config.set("common.gracefulStopTimeout", GRACEFUL_STOP_SECONDS)
            config.resolve()
            self._write_etcd_config(int(config.get("etcd_port")))
            self._configured = True
        _initialize_data_files(str(self.data_dir))
        env = dict(os.environ)
        env.update(
            DEPLOY_MODE="STANDALONE",
            METRICS_PORT=str(self.health_port),
            MILVUS_RUN_DIR=str(self.data_dir / "run"),
            LD_LIBRARY_PATH=":".join(filter(None, [str(self.executable.parent), os.environ.get("LD_LIBRARY_PATH")])),
        )
        logs = self.data_dir / "logs"
        with open(logs / "milvus-stdout.log", "ab") as out, open(logs / "milvus-stderr.log", "ab") as err:
            self._process = subprocess.Popen(
                _private_run_dir(self.data_dir / "run") + [str(self.executable), "run", "standalone"],
                cwd=self.data_dir, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        try:
            self._wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise

    def _write_etcd_config(self, client_port: int) -> None:
        """The embedded etcd on free ports too (its peer port is otherwise 2380, one server per machine)."""
        peer = f"http://127.0.0.1:{free_port()}"
        client = f"http://127.0.0.1:{client_port}"
        etcd = self.data_dir / "configs" / "etcd.yaml"
        etcd.write_text(
            f"name: default\nlisten-peer-urls: {peer}\ninitial-advertise-peer-urls: {peer}\n"
            f"listen-client-urls: {client}\nadvertise-client-urls: {client}\ninitial-cluster: default={peer}\n",
            encoding="utf-8",
        )
        milvus_yaml = self.data_dir / "configs" / "milvus.yaml"
        text = milvus_yaml.read_text(encoding="utf-8")
        milvus_yaml.write_text(text.replace("\netcd:\n", f"\netcd:\n  config:\n    path: {etcd}\n", 1), encoding="utf-8")

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.health_port}/healthz"
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                raise MilvusStartError(
                    f"the Milvus server exited with code {code} while starting{self._hint()}\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if b"OK" in response.read():
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise MilvusStartError(f"the Milvus server was not healthy after {timeout:.0f} s\n{self.log_tail()}")

    def _hint(self) -> str:
        if PID_FILE.exists() and _pids_running_any():
            return (
                f"; another Milvus standalone runs on this machine (it holds {PID_FILE}, one per machine): "
                "stop it first"
            )
        return ""

    def log_tail(self, lines: int = 30) -> str:
        path = self.data_dir / "logs" / "milvus-stderr.log"
        try:
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        except OSError:
            return f"(no log at {path})"
        return "\n".join(text)

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM (Milvus shuts down cleanly), SIGKILL to the group after ``grace`` s; then check nothing is left."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if process is not None:
            self.returncodes.append(process.returncode)
            try:
                os.killpg(process.pid, signal.SIGKILL)  # any helper the binary left in its group
            except ProcessLookupError:
                pass
        left = self.leftover_pids()
        if left:
            raise RuntimeError(f"Milvus processes {left} still run {self.executable} after stop")

    def kill(self) -> None:
        """SIGKILL, as a crash would (no clean shutdown)."""
        process, self._process = self._process, None
        if process is not None:
            with_group = process.pid
            try:
                os.killpg(with_group, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)

    def leftover_pids(self) -> list[int]:
        deadline = time.monotonic() + 5
        while True:
            left = _pids_running(self.executable)
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)
