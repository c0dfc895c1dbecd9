"""Test helpers of events: a throwaway Redis from Debian's redis-server, and tables on a scratch database."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.database import create_engine
from event_bus.tables import metadata

INSTALL_HINT = "install Redis (Debian: 'apt-get install -y redis-server'); .ci/run does this in CI"


def require_redis_server() -> str:
    """The redis-server binary; without one, the calling test is skipped, or fails under CI=true."""
    import pytest

    binary = shutil.which("redis-server")
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


@asynccontextmanager
async def event_tables(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on `database_url` with the outbox, inbox and cursor tables created (no migrations)."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()
