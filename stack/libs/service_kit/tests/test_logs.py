"""Logs: one JSON object per line, access lines with request id, method, path, status, duration."""

import json
import logging

import pytest
from fastapi.testclient import TestClient

from service_kit.logs import configure_logging
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
