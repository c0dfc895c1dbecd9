"""A module's /ready on loopback, answering whatever a test sets: the live portal's upstream."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any


@dataclass
class FakeModule:
    url: str = ""
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # What the module answers at /metrics (404, as from a module without one, unless set).
    metrics: tuple[int, bytes] = (404, b"")

    def answer_report(self, status: int, checks: dict[str, Any]) -> None:
        """What service_kit's /ready says: 200 ready, or 503 problem+json naming the checks."""
        self.status = status
        self.body = json.dumps(
            {"status": "ready" if status == 200 else "not ready", "checks": checks}
        ).encode()


@contextmanager
def running_fake_module() -> Iterator[FakeModule]:
    module = FakeModule()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body, headers = module.status, module.body, module.headers
            if self.path == "/metrics":
                (status, body), headers = module.metrics, {}
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    module.url = f"http://127.0.0.1:{server.server_address[1]}"
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield module
    finally:
        server.shutdown()
        server.server_close()
