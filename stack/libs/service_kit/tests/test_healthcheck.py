"""The container HEALTHCHECK probe: healthy only when /health on $PORT answers 200."""

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from service_kit import healthcheck


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # (http.server's naming)
        self.send_response(self.status if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_a_service_answering_200_is_healthy(
    health_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORT", str(health_server.server_port))
    assert healthcheck.main() == 0


def test_a_service_answering_503_is_unhealthy(
    health_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_Health, "status", 503)
    monkeypatch.setenv("PORT", str(health_server.server_port))
    assert healthcheck.main() == 1


def test_nothing_listening_is_unhealthy_and_says_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PORT", str(port))
    assert healthcheck.main() == 1
    assert f"http://127.0.0.1:{port}/health" in capsys.readouterr().err
