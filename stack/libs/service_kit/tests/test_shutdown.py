"""Graceful shutdown with a real uvicorn: on SIGTERM in-flight requests finish, new ones are refused."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2

from service_kit.tests.demo_app import KEYS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sigterm_lets_a_slow_request_finish_then_exits_0(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "DEMO_PORT": str(port),
        **KEYS.env("demo"),
    }
    log = (tmp_path / "server.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "service_kit.tests.demo_app"], env=env, stdout=log, stderr=log, cwd=tmp_path
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{base}/health").status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.1)
        slow: dict[str, object] = {}
        request = threading.Thread(
            target=lambda: slow.update(
                response=httpx2.get(f"{base}/api/v1/items/a/slow?seconds=2", timeout=10)
            )
        )
        request.start()
        time.sleep(0.5)

        server.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        try:
            httpx2.get(f"{base}/health", timeout=1)
            refused_new_connections = False
        except httpx2.TransportError:
            refused_new_connections = True
        request.join(timeout=10)
        returncode = server.wait(timeout=15)
    finally:
        server.kill()

    response = slow["response"]
    assert isinstance(response, httpx2.Response) and response.status_code == 200
    assert refused_new_connections
    assert returncode == 0, (tmp_path / "server.log").read_text()
    assert "resources closed" in (tmp_path / "server.log").read_text()
