"""SIGHUP makes a running service reread its key ring at once (a real uvicorn in a child process)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from service_kit.testing import ServiceKeys


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sighup_reloads_the_key_ring_so_a_removed_key_stops_working(tmp_path: Path) -> None:
    keys = ServiceKeys(tmp_path, "demo", "orders")
    old_token = keys.token("orders", "demo")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "DEMO_PORT": str(port),
        "DEMO_JWKS_RELOAD_SECONDS": "3600",  # only the signal can reload within the test
        **keys.env("demo"),
    }
    log = (tmp_path / "server.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "service_kit.tests.demo_app"], env=env, stdout=log, stderr=log, cwd=tmp_path
    )
    base = f"http://127.0.0.1:{port}"

    def create(item: str) -> int:
        return httpx2.post(
            f"{base}/api/v1/items/{item}", headers={"Authorization": f"Bearer {old_token}"}
        ).status_code

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{base}/health").status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.1)
        assert create("a") == 201

        keys.rotate("orders")
        assert create("b") == 201  # remembered, and the schedule is an hour away

        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while create("c") != 401:
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.05)
        assert server.poll() is None, "SIGHUP stopped the service"
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert "key ring" in (tmp_path / "server.log").read_text()
