"""The packaged PEX: on $PORT it serves the API, refuses orders safely without inventory, stops cleanly."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from service_kit.auth import mint_token

# Built by Pants (runtime_package_dependencies) relative to the sandbox the test starts in.
PEX = Path("modules.orders/orders.pex").resolve()
SECRET = "e2e-" + "s" * 32


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
        "SERVICE_AUTH_SECRET": SECRET,
        "INVENTORY_URL": "http://127.0.0.1:9",  # nothing listens there
    }
    log = (tmp_path / "server.log").open("w+")
    process = subprocess.Popen([sys.executable, str(PEX)], env=env, cwd=tmp_path, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process)
        token = mint_token(SECRET, caller="e2e", audience="orders")
        created = httpx2.post(
            f"{base_url}/api/v1/orders",
            json={"customer_id": "c1", "items": [{"product_id": "p1", "quantity": 1}]},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "e2e-request-1"},
        )
        # No inventory runs here: the order is refused with 503 and nothing is stored.
        assert created.status_code == 503, created.text
        assert "Inventory is unavailable" in created.json()["detail"]
        assert httpx2.get(f"{base_url}/api/v1/orders").json()["total"] == 0
        assert (tmp_path / "data" / "orders.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=30)
    assert returncode == 0
    log_lines = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines()]
    access = [line for line in log_lines if line.get("request_id") == "e2e-request-1"]
    assert access and access[0]["status"] == 503 and access[0]["path"] == "/api/v1/orders"
    assert any(line["message"] == "Application shutdown complete." for line in log_lines)
