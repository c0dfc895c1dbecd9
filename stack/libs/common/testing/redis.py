"""A throwaway Redis server for tests, started from the machine's Debian redis-server package."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = "install Redis (Debian: 'apt-get install -y redis-server'); .ci/run does this in CI"


def require_redis_server() -> str:
    """The redis-server binary; without one, the calling test is skipped, or fails under CI=true."""
    import pytest

    binary = shutil.which("redis-server") or next(
        (path for path in ("/usr/bin/redis-server",) if os.access(path, os.X_OK)), None
    )
    if binary is None:
        message = f"no redis-server on this machine, the event broker tests were not run; {INSTALL_HINT}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(f"SKIPPED LOUDLY: {message}")
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server on a loopback port, with an append-only file fsynced on every write, so a
    kill -9 loses nothing it acknowledged; `kill()` and `start()` again keep its data."""

    def __init__(self, binary: str, workdir: Path, port: int) -> None:
        self.binary, self.workdir, self.port = binary, workdir, port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.workdir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within 10 s")

    def kill(self) -> None:
        """kill -9: what a crash does."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@contextmanager
def ephemeral_redis() -> Iterator[RedisServer]:
    """A started RedisServer in a fresh temp folder (skipped, or failed under CI, without redis-server)."""
    server = RedisServer(
        require_redis_server(), Path(tempfile.mkdtemp(prefix="pantstack-redis-")), free_port()
    )
    server.start()
    try:
        yield server
    finally:
        server.kill()
        shutil.rmtree(server.workdir, ignore_errors=True)
