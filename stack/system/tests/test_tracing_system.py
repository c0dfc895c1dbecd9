"""Distributed tracing across the real PEXes: one placed order is one trace from orders' server span
through the reservation call into inventory and both databases, exported over OTLP/HTTP to a
receiver on loopback; with inventory down, the trace shows the failed call."""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from otlp_receiver import read_spans, running_receiver
from reliability.processes import ModuleProcess, running_modules
from system.tests.api import SANDBOX_ROOT

Span = dict[str, Any]


@pytest.fixture
def traced_system(tmp_path: Path) -> Iterator[tuple[dict[str, ModuleProcess], Path]]:
    """inventory and orders exporting every trace to a receiver this test runs; yields the span file."""
    spans_file = tmp_path / "traces.jsonl"
    with running_receiver(spans_file) as endpoint:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_TRACES_SAMPLER": "parentbased_always_on",
            # Export within 0.1 s of a span ending rather than the SDK's 5 s, so the test waits less.
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
        with running_modules(SANDBOX_ROOT, tmp_path, ("inventory", "orders"), env) as services:
            yield services, spans_file


def test_a_placed_order_is_one_trace_through_orders_inventory_and_both_databases(
    traced_system: tuple[dict[str, ModuleProcess], Path],
) -> None:
    services, spans_file = traced_system
    inventory, orders = services["inventory"], services["orders"]
    sku, customer = f"sku-{uuid.uuid4().hex[:8]}", f"customer-{uuid.uuid4().hex}"
    assert inventory.call("PUT", f"/api/v1/products/{sku}", {"on_hand": 3})[0] == 200

    order = {"customer_id": customer, "items": [{"product_id": sku, "quantity": 2}]}
    assert orders.call("POST", "/api/v1/orders", order)[0] == 201

    trace = _wait_for_trace(
        spans_file, lambda spans: _one(spans, "inventory", "server", "POST /api/v1/reservations")
    )
    order_span = _one(trace, "orders", "server", "POST /api/v1/orders")
    assert order_span is not None and order_span["parent_span_id"] == ""
    (reservation_call,) = (
        span
        for span in trace
        if (span["service"], span["kind"]) == ("orders", "client")
        and span["attributes"].get("http.url", "").endswith("/api/v1/reservations")
    )
    reservation = _one(trace, "inventory", "server", "POST /api/v1/reservations")
    assert reservation is not None and reservation["parent_span_id"] == reservation_call["span_id"]
    assert _ancestors(reservation_call, trace)[-1] == order_span
    for service in ("orders", "inventory"):
        sql = [span for span in trace if span["service"] == service and "db.statement" in span["attributes"]]
        assert sql, f"no SQL span from {service} in the trace"
        # Statements are recorded with placeholders; the values bound to them are not.
        assert all(customer not in json.dumps(span) and sku not in json.dumps(span) for span in sql)

    order_lines = _request_log_lines(orders, "POST", "/api/v1/orders")
    assert order_lines and {line.get("trace_id") for line in order_lines} == {order_span["trace_id"]}


def test_with_inventory_down_the_trace_shows_the_failed_call_and_the_503_is_logged_with_it(
    traced_system: tuple[dict[str, ModuleProcess], Path],
) -> None:
    services, spans_file = traced_system
    inventory, orders = services["inventory"], services["orders"]
    inventory.send_terminate()
    assert inventory.wait(timeout=30) == 0

    order = {"customer_id": "c-down", "items": [{"product_id": "sku-1", "quantity": 1}]}
    assert orders.call("POST", "/api/v1/orders", order)[0] == 503

    trace = _wait_for_trace(
        spans_file, lambda spans: _one(spans, "orders", "server", "POST /api/v1/orders", status_code=503)
    )
    failed_calls = [span for span in trace if (span["service"], span["kind"]) == ("orders", "client")]
    assert failed_calls and all(span["status"]["code"] == "error" for span in failed_calls)
    (access,) = (
        line for line in _request_log_lines(orders, "POST", "/api/v1/orders") if line.get("status") == 503
    )
    assert access["trace_id"] == trace[0]["trace_id"]


def _one(
    spans: list[Span], service: str, kind: str, name: str, status_code: int | None = None
) -> Span | None:
    matching = [
        span
        for span in spans
        if (span["service"], span["kind"], span["name"]) == (service, kind, name)
        and (status_code is None or span["attributes"].get("http.status_code") == status_code)
    ]
    assert len(matching) <= 1, f"more than one {service} {kind} span {name!r}: {matching}"
    return matching[0] if matching else None


def _wait_for_trace(
    spans_file: Path, has: Callable[[list[Span]], Span | None], timeout: float = 20.0
) -> list[Span]:
    """Every span of the trace that `has` finds a span of, once it has arrived at the receiver."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        spans = read_spans(spans_file)
        found = has(spans)
        if found is not None:
            # Spans of one trace are exported by two processes, each in its own batches.
            time.sleep(0.5)
            return [span for span in read_spans(spans_file) if span["trace_id"] == found["trace_id"]]
        time.sleep(0.2)
    raise AssertionError(f"no such trace within {timeout}s; spans received: {read_spans(spans_file)}")


def _ancestors(span: Span, trace: list[Span]) -> list[Span]:
    by_id = {candidate["span_id"]: candidate for candidate in trace}
    chain = []
    while span["parent_span_id"] in by_id:
        span = by_id[span["parent_span_id"]]
        chain.append(span)
    return chain


def _request_log_lines(service: ModuleProcess, method: str, path: str) -> list[dict[str, Any]]:
    """Every JSON log line of the requests whose access line is `method path` (matched by request id)."""
    lines = []
    for text in service.log_path.read_text().splitlines():
        try:
            lines.append(json.loads(text))
        except ValueError:
            continue
    request_ids = {
        line["request_id"]
        for line in lines
        if line.get("logger") == "service_kit.access"
        and (line.get("method"), line.get("path")) == (method, path)
    }
    return [line for line in lines if line.get("request_id") in request_ids]
