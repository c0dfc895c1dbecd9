"""The live portal `make dev` serves: the built portal's files on loopback, plus two read-only
JSON views the pages poll from the same origin.

    GET /live/health.json   each module's /ready (portal.health)
    GET /live/traces.json   the latest traces of the span file (portal.recent_traces)

Nothing else is served: GET and HEAD of the portal's own files only, no directory listings, and
only to a Host naming this loopback address (a page elsewhere that rebinds its DNS name to
127.0.0.1 gets 421). A failing view answers 500 with a fixed sentence; the traceback goes to
`make dev`'s output.
"""

import json
import mimetypes
import sys
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from portal.health import LiveModule, readiness_of_all
from portal.recent_traces import recent_traces

HOST = "127.0.0.1"
HEALTH_VIEW = "/live/health.json"
TRACES_VIEW = "/live/traces.json"
# The pages' scripts and styles are the portal's own files (Swagger UI's inline boot script included).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def live_server(portal: Path, modules: list[LiveModule], traces: Path, port: int) -> ThreadingHTTPServer:
    """A server for `portal` (a directory `make portal` wrote) on 127.0.0.1:`port` (0: any free one)."""
    views: dict[str, Callable[[], Any]] = {
        HEALTH_VIEW: lambda: {"modules": readiness_of_all(modules)},
        TRACES_VIEW: lambda: {"traces": recent_traces(traces)},
    }
    server = ThreadingHTTPServer((HOST, port), _handler(portal.resolve(), views))
    server.daemon_threads = True
    return server


def _handler(root: Path, views: dict[str, Callable[[], Any]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve(with_body=True)

        def do_HEAD(self) -> None:
            self._serve(with_body=False)

        def _serve(self, with_body: bool) -> None:
            port = cast(tuple[str, int], self.server.server_address)[1]
            if self.headers.get("Host") not in (f"{HOST}:{port}", f"localhost:{port}"):
                self._answer(421, f"this server answers only to http://{HOST}:{port}/\n", with_body)
                return
            path = urlsplit(self.path).path
            if path in views:
                try:
                    body = json.dumps(views[path]()).encode()
                except Exception:
                    traceback.print_exc(file=sys.stderr)
                    body = b'{"detail": "the live view failed; make dev\'s output has the traceback"}'
                    self._answer(500, body, with_body, "application/json")
                    return
                self._answer(200, body, with_body, "application/json")
                return
            file = _portal_file(root, path)
            if file is None:
                self._answer(404, "no such page in the portal\n", with_body)
                return
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self._answer(200, file.read_bytes(), with_body, content_type)

        def _answer(
            self, status: int, body: bytes | str, with_body: bool, content_type: str = "text/plain"
        ) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header(
                "Content-Type", f"{content_type}; charset=utf-8" if "text" in content_type else content_type
            )
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            if with_body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a poll every few seconds would drown the services' own logs in `make dev`."""

    return Handler


def _portal_file(root: Path, path: str) -> Path | None:
    """The file under `root` that `path` names (/ is index.html), or None: nothing outside it."""
    relative = unquote(path).lstrip("/") or "index.html"
    if "\0" in relative:
        return None
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate
