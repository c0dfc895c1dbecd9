"""/ready: each dependency checked with a timeout; 503 naming what failed, with latencies."""

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from common.database import create_engine
from service_kit.readiness import ReadinessCheck, database_check, http_health_check
from service_kit.tests.demo_app import demo_app, demo_settings


def sqlite_check(path: Path) -> ReadinessCheck:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    return database_check(lambda app: engine)


def test_ready_lists_every_check_with_its_latency(tmp_path: Path) -> None:
    client = TestClient(demo_app(readiness_checks={"database": sqlite_check(tmp_path / "ok.db")}))

    body = client.get("/ready").json()

    assert body["status"] == "ready"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["latency_ms"] >= 0


@pytest.mark.parametrize("broken", ["directory", "garbage"])
def test_an_unreadable_database_makes_ready_503_naming_it(tmp_path: Path, broken: str) -> None:
    path = tmp_path / "orders.db"
    if broken == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"this is not a database" * 100)
    client = TestClient(demo_app(readiness_checks={"database": sqlite_check(path)}))

    response = client.get("/ready")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Not ready: database failed."
    assert response.json()["checks"]["database"]["status"] == "failed"


def test_a_downstream_service_that_is_down_makes_ready_503_naming_it() -> None:
    checks = {"inventory": http_health_check(lambda app: "http://127.0.0.1:9", "inventory")}

    response = TestClient(demo_app(readiness_checks=checks)).get("/ready")

    assert response.status_code == 503
    assert "inventory" in response.json()["detail"]
    assert response.json()["checks"]["inventory"]["status"] == "failed"
    assert "latency_ms" in response.json()["checks"]["inventory"]
    # Which check failed, not the driver's words: no address, no exception type.
    assert "127.0.0.1" not in response.text and "ConnectError" not in response.text


def test_a_hanging_check_fails_after_the_readiness_timeout() -> None:
    async def hangs(app: FastAPI) -> None:
        await asyncio.sleep(10)

    app = demo_app(demo_settings(readiness_timeout_seconds=0.2), readiness_checks={"slow": hangs})

    response = TestClient(app).get("/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["slow"]["error"] == "no answer within 0.2s"


@pytest.fixture
def orders_health_url() -> Iterator[str]:
    """A real HTTP server on loopback whose /health says it is orders."""

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"status": "ok", "service": "orders"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_peer_is_ready_only_if_it_answers_as_the_module_expected(orders_health_url: str) -> None:
    expected_orders = {"orders": http_health_check(lambda app: orders_health_url, "orders")}
    wrong_module = {"inventory": http_health_check(lambda app: orders_health_url, "inventory")}

    assert TestClient(demo_app(readiness_checks=expected_orders)).get("/ready").status_code == 200
    response = TestClient(demo_app(readiness_checks=wrong_module)).get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["inventory"]["status"] == "failed"


def test_peer_checks_load_the_ca_bundle_once_not_per_probe(
    ca_bundle_loads: list[dict[str, bool]], orders_health_url: str
) -> None:
    checks = {"orders": http_health_check(lambda app: orders_health_url, "orders")}
    client = TestClient(demo_app(readiness_checks=checks))
    assert [client.get("/ready").status_code for _ in range(3)] == [200, 200, 200]

    assert len(ca_bundle_loads) == 1


def test_health_names_the_service() -> None:
    assert TestClient(demo_app()).get("/health").json() == {"status": "ok", "service": "demo"}
