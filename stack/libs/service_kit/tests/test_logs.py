"""Logs: one JSON object per line, access lines with request id, method, path, status, duration."""

import io
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from service_kit import middleware
from service_kit.logs import JsonFormatter, configure_logging
from service_kit.middleware import AccessRecord, access_logger
from service_kit.request_context import current_request_id
from service_kit.tests.demo_app import demo_app


def test_each_request_logs_one_json_access_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("demo")
    client = TestClient(demo_app())

    client.get("/api/v1/items/a", headers={"X-Request-ID": "log-1"})

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    access = [line for line in lines if line["logger"] == "service_kit.access"]
    assert len(access) == 1
    entry = access[0]
    assert (entry["module"], entry["request_id"], entry["level"]) == ("demo", "log-1", "INFO")
    assert (entry["method"], entry["path"], entry["route"], entry["status"]) == (
        "GET",
        "/api/v1/items/a",
        "/api/v1/items/{item_id}",
        200,
    )
    assert entry["duration_ms"] >= 0 and entry["timestamp"].endswith("+00:00")


def test_an_exception_is_logged_as_json_with_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("demo")

    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("demo").exception("failed")

    entry = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert entry["message"] == "failed" and "ValueError: boom" in entry["exception"]


@pytest.mark.parametrize("created", [0.0, 1_764_770_000.123456, 1_764_770_059.9994, 1_764_770_060.0005])
def test_the_timestamp_is_utc_iso_8601_to_the_millisecond(created: float) -> None:
    formatter = JsonFormatter("demo")

    # Twice: the second call reuses the second's text formatted by the first.
    stamps = {formatter.timestamp(created) for _ in range(2)}

    assert stamps == {datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")}


def test_a_line_carries_the_extras_and_stringifies_what_json_cannot_encode() -> None:
    record = logging.LogRecord("demo", logging.INFO, __file__, 1, "placed %s", ("o-1",), None)
    record.order_id = UUID("12345678-1234-5678-1234-567812345678")
    record.quantity = 3

    entry = json.loads(JsonFormatter("demo").format(record))

    assert entry["message"] == "placed o-1"
    assert (entry["order_id"], entry["quantity"]) == ("12345678-1234-5678-1234-567812345678", 3)


def test_the_access_record_is_the_record_access_logger_info_would_make() -> None:
    fast = AccessRecord("GET", "/api/v1/items/a", "/api/v1/items/{item_id}", 200, 1.5)
    fields: dict[str, object] = {"method": "GET", "path": "/api/v1/items/a"}
    fields |= {"route": "/api/v1/items/{item_id}", "status": 200, "duration_ms": 1.5}
    slow = access_logger.makeRecord(
        access_logger.name,
        logging.INFO,
        middleware.__file__,
        0,
        "%s %s %s",
        ("GET", "/api/v1/items/a", 200),
        None,
        "access",
        fields,
    )
    slow.created, slow.msecs, slow.relativeCreated = fast.created, fast.msecs, fast.relativeCreated

    # Every attribute a filter, handler or %-style format could read is there (in the record's
    # own __dict__, which `%(levelname)s` formatting reads), with the same value...
    assert {name: vars(fast)[name] for name in vars(slow)} == vars(slow)
    # ...and the JSON line is byte for byte the one the generic path writes.
    formatter = JsonFormatter("demo")
    assert formatter.format(fast) == formatter.format(slow)
    assert list(json.loads(formatter.format(fast)))[-5:] == list(fields)


def test_a_filter_on_the_access_logger_sees_the_fields_and_can_drop_the_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("demo")
    seen: list[tuple[str, int]] = []

    def drop_health(record: logging.LogRecord) -> bool:
        seen.append((record.getMessage(), record.status))  # type: ignore[attr-defined]
        return bool(record.path != "/health")  # type: ignore[attr-defined]

    access_logger.addFilter(drop_health)
    try:
        client = TestClient(demo_app())
        client.get("/health")
        client.get("/api/v1/items/a")
    finally:
        access_logger.removeFilter(drop_health)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["path"] for line in lines if line["logger"] == "service_kit.access"] == ["/api/v1/items/a"]
    assert seen == [("GET /health 200", 200), ("GET /api/v1/items/a 200", 200)]


def test_a_line_keeps_non_ascii_text_and_encodes_what_json_has_no_type_for_as_text() -> None:
    record = logging.LogRecord("demo", logging.INFO, __file__, 1, "placed for %s", ("Zoë",), None)
    record.tags = {"a"}
    record.when = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    record.thing = object()

    line = JsonFormatter("demo").format(record)
    entry = json.loads(line)

    assert "Zoë" in line and entry["message"] == "placed for Zoë"
    assert entry["tags"] == ["a"] and entry["when"] == "2026-12-04T03:00:00Z"
    assert entry["thing"].startswith("<object object at")


@pytest.fixture
def kit_handler_alone() -> Iterator[io.StringIO]:
    """The access logger's lines going to one kit JSON handler and nowhere else (pytest's own
    handlers sit on the root logger, so the access logger stops propagating for the test)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("demo"))
    access_logger.addHandler(handler)
    access_logger.propagate = False
    try:
        yield stream
    finally:
        access_logger.propagate = True
        access_logger.removeHandler(handler)


def test_with_the_kit_handler_alone_the_line_is_written_without_a_record_and_is_the_same_line(
    kit_handler_alone: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_764_770_000.5)
    token = current_request_id.set("req-1")
    try:
        record = AccessRecord("GET", "/api/v1/items/a", "/api/v1/items/{item_id}", 200, 1.5)
        expected = JsonFormatter("demo").format(record)

        def no_record(*args: object) -> None:
            raise AssertionError("a LogRecord was built although only the kit's handler would see it")

        monkeypatch.setattr(middleware, "AccessRecord", no_record)
        middleware._log_access("GET", "/api/v1/items/a", "/api/v1/items/{item_id}", 200, 0.0015)
    finally:
        current_request_id.reset(token)

    assert kit_handler_alone.getvalue() == expected + "\n"


def test_any_other_handler_gets_the_access_record(
    kit_handler_alone: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    access_logger.addHandler(caplog.handler)
    try:
        middleware._log_access("GET", "/api/v1/items/a", "/api/v1/items/{item_id}", 200, 0.0015)
    finally:
        access_logger.removeHandler(caplog.handler)

    [record] = caplog.records
    assert (record.getMessage(), record.route) == ("GET /api/v1/items/a 200", "/api/v1/items/{item_id}")  # type: ignore[attr-defined]
    assert json.loads(kit_handler_alone.getvalue())["path"] == "/api/v1/items/a"


def test_a_stream_that_fails_is_reported_by_the_handler_and_the_request_goes_on(
    kit_handler_alone: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported: list[logging.LogRecord] = []
    [handler] = access_logger.handlers
    monkeypatch.setattr(handler, "handleError", reported.append)
    kit_handler_alone.close()  # writing to it raises ValueError

    middleware._log_access("GET", "/api/v1/items/a", "/api/v1/items/{item_id}", 503, 0.0015)

    assert [record.status for record in reported] == [503]  # type: ignore[attr-defined]
