"""Per-request observability: request id in and out, a JSON access line, HTTP metrics, the server span."""

import logging
import os
import sys
import threading
import time
from typing import TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.logs import FieldsRecord, JsonFormatter
from service_kit.metrics import HttpMetrics
from service_kit.request_context import REQUEST_ID_HEADER, accept_or_generate_request_id, current_request_id
from service_kit.tracing import ServerSpans

access_logger = logging.getLogger("service_kit.access")
UNMATCHED_ROUTE = "<unmatched>"  # keeps label cardinality bounded when clients probe random paths
_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()  # ASGI header names are lower-case bytes
_REQUEST_ID_HEADER = REQUEST_ID_HEADER.encode()


class ObservabilityMiddleware:
    """The kit's outermost layer: the request id, the access line, the HTTP metrics and, when
    tracing is on, the server span (service_kit.tracing.ServerSpans), around the whole middleware
    stack, Starlette's error middleware included, so a 500 is measured, logged and answered with
    its request id like any other response."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics, spans: ServerSpans | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.spans = spans

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        spans = self.spans
        incoming = None
        if spans is None:
            for name, value in scope["headers"]:  # a loop, not next() over a generator: half the time
                if name == _REQUEST_ID_NAME:
                    incoming = value.decode("latin-1")
                    break
            started_span = None
        else:
            caller_headers = spans.caller_headers()
            from_caller = caller_headers is None  # propagators other than W3C's read every request
            for name, value in scope["headers"]:  # one walk for both
                if name == _REQUEST_ID_NAME:
                    if incoming is None:
                        incoming = value.decode("latin-1")
                elif not from_caller and name in caller_headers:  # type: ignore[operator]
                    from_caller = True
            started_span = spans.start(scope, from_caller)
        request_id = accept_or_generate_request_id(incoming)
        # Not reset afterwards: each request runs in its own context, and the 500 handler
        # (inside this middleware, in Starlette's error middleware) needs the id.
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

        metrics = self.metrics
        metrics.requests_in_flight += 1
        failure: type[BaseException] | None = None
        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as exc:
            failure = type(exc)
            raise
        finally:
            metrics.requests_in_flight -= 1
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
            metrics.observe(scope["method"], route, status, seconds)
            if access_logger.isEnabledFor(logging.INFO):
                _log_access(scope["method"], scope["path"], route, status, seconds)
            if started_span is not None:  # last: the access line carries the span's ids
                ServerSpans.end(started_span, scope, status, failure)


_INFO = logging.getLevelName(logging.INFO)
# When logging was imported: LogRecord.relativeCreated counts from it.
_LOGGING_STARTED: float = logging._startTime  # type: ignore[attr-defined]
_ACCESS_CONSTANTS = {
    "name": access_logger.name,
    "msg": "%s %s %s",
    "levelname": _INFO,
    "levelno": logging.INFO,
    "pathname": __file__,
    "filename": os.path.basename(__file__),
    "module": os.path.splitext(os.path.basename(__file__))[0],
    "exc_info": None,
    "exc_text": None,
    "stack_info": None,
    "lineno": 0,
    "funcName": "access",
}


class AccessRecord(FieldsRecord):
    """The access line's LogRecord: what `access_logger.info(...)` would make, minus the work.

    What is the same on every access line (logger, level, format, source file) is copied in from
    one dict; `__init__` computes only what differs (the fields, the time, thread and process, as
    logging.LogRecord does by the module's `logThreads`, `logProcesses`, `logMultiprocessing`
    switches). Filters, handlers and %-style formatters see an ordinary INFO record of
    `service_kit.access` with `method`, `path`, `route`, `status` and `duration_ms` attributes.
    """

    def __init__(  # - the five fields of the line
        self, method: str, path: str, route: str, status: int, duration_ms: float
    ) -> None:
        # Not LogRecord.__init__: it would recompute the constants for every line.
        attributes = self.__dict__
        attributes.update(_ACCESS_CONSTANTS)
        self.args = (method, path, status)
        created = time.time()
        self.created = created
        self.msecs = int((created - int(created)) * 1000) + 0.0
        self.relativeCreated = (created - _LOGGING_STARTED) * 1000
        if logging.logThreads:
            self.thread: int | None = threading.get_ident()
            self.threadName: str | None = threading.current_thread().name
        else:
            self.thread = self.threadName = None
        self.processName: str | None = None
        if logging.logMultiprocessing:
            self.processName = "MainProcess"
            multiprocessing = sys.modules.get("multiprocessing")
            if multiprocessing is not None:
                # As logging.LogRecord does; not contextlib.suppress, three calls a line.
                try:  # noqa: SIM105
                    self.processName = multiprocessing.current_process().name
                except Exception:
                    pass
        self.process: int | None = os.getpid() if logging.logProcesses else None
        fields = {
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
        }
        attributes.update(fields)
        self.fields = fields


def _sole_json_handler() -> logging.StreamHandler[TextIO] | None:
    """The one handler an access line would reach, if it is a plain StreamHandler writing the kit's
    JsonFormatter lines at INFO with no filter, and the access logger has no filter either: the
    configuration `configure_logging` makes. Looked up per line (a walk of two loggers), so a
    handler or filter added later, pytest's caplog included, gets its records as usual."""
    if access_logger.filters:
        return None
    found = None
    logger: logging.Logger | None = access_logger
    while logger is not None:
        for handler in logger.handlers:
            if found is not None:
                return None
            found = handler
        if not logger.propagate:
            break
        logger = logger.parent
    if (
        type(found) is not logging.StreamHandler
        or found.filters
        or found.level > logging.INFO
        or not isinstance(found.formatter, JsonFormatter)
    ):
        return None
    return found


def _log_access(method: str, path: str, route: str, status: int, seconds: float) -> None:
    """`access_logger.info(...)` without its search of the stack for the caller's file and line,
    which no access line shows, nor LogRecord's per-record work on what never changes. When the
    kit's own handler is the only one, the line goes straight to its stream with no LogRecord at
    all (7.6 -> ~3 µs a line): nothing else could see the record."""
    duration_ms = round(seconds * 1000, 3)
    handler = _sole_json_handler()
    if handler is None:
        access_logger.handle(AccessRecord(method, path, route, status, duration_ms))
        return
    formatter: JsonFormatter = handler.formatter  # type: ignore[assignment]
    fields = {"method": method, "path": path, "route": route, "status": status, "duration_ms": duration_ms}
    line = formatter.line(time.time(), _INFO, access_logger.name, f"{method} {path} {status}", fields)
    try:
        with handler.lock:  # type: ignore[union-attr]
            handler.stream.write(line + handler.terminator)
            handler.stream.flush()
    except Exception:  # as StreamHandler.emit: report it, never fail the request
        handler.handleError(AccessRecord(method, path, route, status, duration_ms))
