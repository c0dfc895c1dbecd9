"""Per-request observability: request id in and out, one JSON access log line, HTTP metrics."""

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.metrics import HttpMetrics
from service_kit.request_context import REQUEST_ID_HEADER, accept_or_generate_request_id, current_request_id

access_logger = logging.getLogger("service_kit.access")
UNMATCHED_ROUTE = "<unmatched>"  # keeps label cardinality bounded when clients probe random paths


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode())
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
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER.encode(), request_id.encode())]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            self.metrics.in_flight.dec()
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
            self.metrics.observe(scope["method"], route, status, seconds)
            access_logger.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                },
            )
