"""Run a module's packaged PEX as a real process on a free loopback port, for e2e tests."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Pants lays tests out at their repo paths and puts packaged PEXes at the sandbox root; tests
# may chdir elsewhere, so the root is found from this file rather than the working directory.
SANDBOX_ROOT = Path(__file__).resolve().parents[4]


@dataclass
class ServedPex:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served_pex(module: str, workdir: Path, env: dict[str, str], timeout: float = 90.0) -> Iterator[ServedPex]:
    """Start `modules.<module>/<module>.pex` (built by runtime_package_dependencies), wait for /health,
    and on exit stop it with SIGTERM, asserting it shut down gracefully with status 0."""
    port = free_port()
    log = workdir / f"{module}.log"
    full_env = {
        "PATH": os.environ.get("PATH", ""),
        "PEX_ROOT": str(workdir / "pex_root"),
        "PORT": str(port),
        **env,
    }
    pex = SANDBOX_ROOT / f"modules.{module}" / f"{module}.pex"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, str(pex)], env=full_env, cwd=workdir, stdout=log_file, stderr=log_file
        )
    served = ServedPex(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_healthy(served, timeout)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
    assert returncode == 0, f"{module} exited with {returncode}:\n{log.read_text()[-2000:]}"


def _wait_healthy(served: ServedPex, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(
                f"the PEX exited early with {served.process.returncode}:\n{served.log.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{served.url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{served.url}/health did not answer within {timeout}s")
