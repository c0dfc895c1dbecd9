"""A small OTLP/HTTP trace receiver: spans posted to /v1/traces become one JSON object per line in a file.

`make dev` runs it so the local system's traces land in `.data/traces.jsonl`; the tracing system
tests run it on loopback to see what the services exported. Only protobuf over HTTP, the services'
exporter (opentelemetry-exporter-otlp-proto-http); no gRPC, no JSON encoding.

    python -m otlp_receiver --port 4318 --output .data/traces.jsonl
"""

import argparse
import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

TRACES_PATH = "/v1/traces"
PROTOBUF = "application/x-protobuf"


def spans_of(request: ExportTraceServiceRequest) -> Iterator[dict[str, Any]]:
    """Each span of an export request as a flat dict with hex ids and its service's name."""
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield {
                    "service": resource.get("service.name", ""),
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "name": span.name,
                    "kind": Span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_").lower(),
                    "start_unix_nano": span.start_time_unix_nano,
                    "end_unix_nano": span.end_time_unix_nano,
                    "status": {
                        "code": Status.StatusCode.Name(span.status.code).removeprefix("STATUS_CODE_").lower(),
                        "message": span.status.message,
                    },
                    "attributes": _attributes(span.attributes),
                    "scope": scope_spans.scope.name,
                }


def read_spans(path: Path) -> list[dict[str, Any]]:
    """The spans a receiver wrote to `path` so far (none if it wrote nothing yet)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class _SpanFile:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()

    def append(self, spans: list[dict[str, Any]]) -> None:
        lines = "".join(json.dumps(span, sort_keys=True) + "\n" for span in spans)
        with self._lock, self.path.open("a") as file:
            file.write(lines)


def _handler(span_file: _SpanFile) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != TRACES_PATH:
                self._answer(404, b"only POST /v1/traces is served\n", "text/plain")
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            request = ExportTraceServiceRequest()
            try:
                request.ParseFromString(body)
            except Exception:  # protobuf's DecodeError; its message says nothing more useful
                self._answer(400, b"body is not an OTLP ExportTraceServiceRequest (protobuf)\n", "text/plain")
                return
            span_file.append(list(spans_of(request)))
            self._answer(200, ExportTraceServiceResponse().SerializeToString(), PROTOBUF)

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: one line per export would drown the services' own logs in `make dev`."""

    return Handler


@contextmanager
def running_receiver(output: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve on a thread until the block ends; yields the endpoint for OTEL_EXPORTER_OTLP_ENDPOINT."""
    server = ThreadingHTTPServer((host, port), _handler(_SpanFile(output)))
    thread = threading.Thread(target=server.serve_forever, name="otlp-receiver", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Receive OTLP/HTTP traces and write one JSON object per span."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4318, help="OTLP/HTTP's standard port (default 4318)")
    parser.add_argument("--output", type=Path, required=True, help="file the spans are appended to")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), _handler(_SpanFile(args.output)))
    print(f"otlp_receiver: http://{args.host}:{args.port}{TRACES_PATH} -> {args.output}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs if isinstance(pair, KeyValue)}


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind) if kind else None


if __name__ == "__main__":
    main()
