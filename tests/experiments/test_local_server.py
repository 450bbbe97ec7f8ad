from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from experiments.local_server import ServerStartError, free_port, wait_until_answering


def test_a_server_that_exits_is_reported_with_its_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    log.write_text("no index and no corpus here\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait(timeout=30)
    with pytest.raises(ServerStartError, match="exited with code 3:\nno index and no corpus here"):
        wait_until_answering(process, f"http://127.0.0.1:{free_port()}/", timeout=10, log_path=log)


def test_a_server_that_never_answers_times_out() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(ServerStartError, match="did not answer .* within 1 s"):
            wait_until_answering(process, f"http://127.0.0.1:{free_port()}/", timeout=1)
    finally:
        process.kill()
        process.wait()
