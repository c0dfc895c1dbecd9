"""The packaged PEX is the deployable: started on $PORT it serves /health and the orders API."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

# Built by Pants (runtime_package_dependencies) relative to the sandbox the test starts in.
PEX = Path("modules.orders/orders.pex").resolve()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the PEX exited early with {process.returncode}")
        try:
            if httpx2.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{base_url}/health did not answer within {timeout}s")


def test_the_pex_serves_health_and_orders_then_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PORT": str(port),
        "ORDERS_DATA_DIR": str(tmp_path / "data"),
        "PEX_ROOT": str(tmp_path / "pex_root"),
    }
    log = (tmp_path / "server.log").open("w+")
    process = subprocess.Popen([sys.executable, str(PEX)], env=env, cwd=tmp_path, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process)
        created = httpx2.post(
            f"{base_url}/api/v1/orders",
            json={"customer_id": "c1", "items": [{"product_id": "p1", "quantity": 1}]},
        )
        assert created.status_code == 201
        assert httpx2.get(f"{base_url}/api/v1/orders/{created.json()['id']}").json()["status"] == "pending"
        assert (tmp_path / "data" / "orders.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status reports it.
    assert returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete." in (tmp_path / "server.log").read_text()
