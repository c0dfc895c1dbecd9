"""The live portal server: the portal's files and two read-only JSON views, on loopback only."""

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from threading import Thread

import pytest

from portal.health import LiveModule
from portal.live import live_server
from portal.site import build
from portal.tests.fake_module import FakeModule, running_fake_module


class Live:
    def __init__(self, port: int) -> None:
        self.port = port

    def get(
        self, path: str, method: str = "GET", host: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_host=True)
            connection.putheader("Host", host or f"127.0.0.1:{self.port}")
            connection.endheaders()
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


@pytest.fixture
def inventory() -> Iterator[FakeModule]:
    with running_fake_module() as fake:
        fake.answer_report(200, {"database": {"status": "ok", "latency_ms": 1.0}})
        yield fake


@pytest.fixture
def traces(tmp_path: Path) -> Path:
    return tmp_path / "traces.jsonl"


@pytest.fixture
def live(repo: Path, tmp_path: Path, inventory: FakeModule, traces: Path) -> Iterator[Live]:
    build(repo, tmp_path / "portal")
    server = live_server(tmp_path / "portal", [LiveModule("inventory", inventory.url)], traces, 0)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Live(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_the_portal_pages_and_their_live_script_are_served(live: Live) -> None:
    status, headers, body = live.get("/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'src="assets/live.js"' in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert live.get("/modules/orders.html")[0] == 200
    assert live.get("/assets/live.js")[0] == 200


def test_the_health_view_proxies_each_modules_readiness(live: Live, inventory: FakeModule) -> None:
    status, headers, body = live.get("/live/health.json")

    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    [module] = json.loads(body)["modules"]
    assert (module["module"], module["status"], module["checks"]) == (
        "inventory",
        "ready",
        [{"name": "database", "status": "ok", "latency_ms": 1.0}],
    )

    inventory.answer_report(
        503, {"database": {"status": "failed", "latency_ms": 3.0, "error": "check failed"}}
    )
    assert json.loads(live.get("/live/health.json")[2])["modules"][0]["status"] == "not ready"


def test_the_traces_view_lists_the_span_files_latest_traces(live: Live, traces: Path) -> None:
    assert json.loads(live.get("/live/traces.json")[2]) == {"traces": []}

    traces.write_text(
        json.dumps(
            {
                "trace_id": "t1",
                "span_id": "a",
                "parent_span_id": "",
                "service": "orders",
                "kind": "server",
                "name": "GET /api/v1/orders",
                "start_unix_nano": 10**18,
                "end_unix_nano": 10**18 + 2_000_000,
                "status": {"code": "unset", "message": ""},
                "attributes": {},
                "scope": "",
            }
        )
        + "\n"
    )

    [trace] = json.loads(live.get("/live/traces.json")[2])["traces"]
    assert (trace["trace_id"], trace["name"], trace["duration_ms"]) == ("t1", "GET /api/v1/orders", 2.0)


@pytest.mark.parametrize(
    "path",
    ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/", "/modules", "/nothing.html", "/%00"],
)
def test_nothing_outside_the_portals_files_is_served(live: Live, path: str) -> None:
    status, _, body = live.get(path)

    assert (status, body) == (404, b"no such page in the portal\n")


def test_a_host_other_than_the_loopback_address_is_refused(live: Live) -> None:
    """A page elsewhere whose DNS name was rebound to 127.0.0.1 must not read the views."""
    status, _, body = live.get("/live/health.json", host=f"attacker.example:{live.port}")

    assert status == 421 and b"answers only to http://127.0.0.1:" in body
    assert live.get("/", host=f"localhost:{live.port}")[0] == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_the_views_are_read_only(live: Live, method: str) -> None:
    assert live.get("/live/health.json", method=method)[0] == 501


def test_a_failing_view_answers_500_without_its_exception(
    repo: Path, tmp_path: Path, inventory: FakeModule
) -> None:
    build(repo, tmp_path / "portal")
    # A directory where the span file should be: reading it raises IsADirectoryError.
    broken = tmp_path / "traces.jsonl"
    broken.mkdir()
    server = live_server(tmp_path / "portal", [LiveModule("inventory", inventory.url)], broken, 0)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, _, body = Live(server.server_address[1]).get("/live/traces.json")
    finally:
        server.shutdown()
        server.server_close()

    assert status == 500
    assert json.loads(body) == {"detail": "the live view failed; make dev's output has the traceback"}
    assert b"Errno" not in body and b"IsADirectory" not in body
