"""Per-request observability: request id in and out, one JSON access log line, HTTP metrics."""

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.metrics import HttpMetrics
from service_kit.request_context import REQUEST_ID_HEADER, accept_or_generate_request_id, current_request_id

access_logger = logging.getLogger("service_kit.access")
UNMATCHED_ROUTE = "<unmatched>"  # keeps label cardinality bounded when clients probe random paths
_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()  # ASGI header names are lower-case bytes
_REQUEST_ID_HEADER = REQUEST_ID_HEADER.encode()


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((value for name, value in scope["headers"] if name == _REQUEST_ID_NAME), None)
        request_id = accept_or_generate_request_id(incoming.decode("latin-1") if incoming else None)
        # Not reset afterwards: each request runs in its own context, and the 500 handler
        # (outside this middleware) still needs the id.
        current_request_id.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (_REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            self.metrics.in_flight.dec()
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
            self.metrics.observe(scope["method"], route, status, seconds)
            if access_logger.isEnabledFor(logging.INFO):
                _log_access(scope["method"], scope["path"], route, status, seconds)


def _log_access(method: str, path: str, route: str, status: int, seconds: float) -> None:
    """`access_logger.info(...)` without its search of the stack for the caller's file and line,
    which no access line shows (the record names this module and function instead)."""
    record = access_logger.makeRecord(
        access_logger.name,
        logging.INFO,
        __file__,
        0,
        "%s %s %s",
        (method, path, status),
        None,
        "access",
        {
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
        },
    )
    access_logger.handle(record)
