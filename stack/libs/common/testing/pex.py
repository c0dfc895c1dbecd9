"""Run a module's packaged PEX as a real process on a free loopback port, for e2e tests."""

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from common.testing.processes import NotAnswering, free_port, start_pex, wait_until_answers

# Pants lays tests out at their repo paths and puts packaged PEXes at the sandbox root; tests
# may chdir elsewhere, so the root is found from this file rather than the working directory.
SANDBOX_ROOT = Path(__file__).resolve().parents[4]


@dataclass
class ServedPex:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


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
    process = start_pex(pex, full_env, log, cwd=workdir)
    served = ServedPex(f"http://127.0.0.1:{port}", process, log)
    try:
        try:
            wait_until_answers(f"{served.url}/health", alive=lambda: process.poll() is None, timeout=timeout)
        except NotAnswering as error:
            raise AssertionError(f"{error} (exit status {process.poll()}):\n{log.read_text()}") from None
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
    assert returncode == 0, f"{module} exited with {returncode}:\n{log.read_text()[-2000:]}"
