"""The live portal's health view: a module's /ready, checked; only a readiness report passes on."""

import socket
from collections.abc import Iterator

import pytest

from portal.errors import PortalError
from portal.health import LiveModule, parse_module, readiness, readiness_of_all
from portal.tests.fake_module import FakeModule, running_fake_module


@pytest.fixture
def module() -> Iterator[FakeModule]:
    with running_fake_module() as fake:
        yield fake


def unused_loopback_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_ready_module_shows_each_check_with_its_latency(module: FakeModule) -> None:
    module.answer_report(
        200,
        {"inventory": {"status": "ok", "latency_ms": 2.345}, "database": {"status": "ok", "latency_ms": 0.5}},
    )

    report = readiness(LiveModule("orders", module.url))

    assert report["module"] == "orders" and report["status"] == "ready"
    assert report["checks"] == [
        {"name": "database", "status": "ok", "latency_ms": 0.5},
        {"name": "inventory", "status": "ok", "latency_ms": 2.3},
    ]
    assert report["round_trip_ms"] >= 0


def test_a_503_report_is_not_ready_and_names_the_failed_check_with_the_kits_error(module: FakeModule) -> None:
    module.answer_report(
        503, {"inventory": {"status": "failed", "latency_ms": 2001, "error": "no answer within 2s"}}
    )

    report = readiness(LiveModule("orders", module.url))

    assert report["status"] == "not ready"
    assert report["checks"] == [
        {"name": "inventory", "status": "failed", "latency_ms": 2001.0, "error": "no answer within 2s"}
    ]


def test_a_module_that_does_not_answer_is_down_without_the_sockets_error_text() -> None:
    report = readiness(LiveModule("inventory", unused_loopback_url()), timeout=0.5)

    assert report["status"] == "down"
    assert report["detail"] == "no answer from /ready within 0.5 s"
    assert "checks" not in report and "refused" not in str(report).lower()


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<html>a login page</html>"),
        (200, b'{"status": "ready"}'),
        (200, b'{"checks": {"database": {"status": "ok", "latency_ms": "fast"}}}'),
        (200, b'{"checks": {"<script>": {"status": "ok", "latency_ms": 1}}}'),
        (200, b'{"checks": {"database": {"status": "sort of", "latency_ms": 1}}}'),
        (500, b'{"checks": {}}'),
        (200, b'{"checks": {"x": {"status": "ok", "latency_ms": 1, "pad": "' + b"a" * 70_000 + b'"}}}'),
    ],
    ids=[
        "html",
        "no-checks",
        "latency-not-a-number",
        "odd-check-name",
        "unknown-status",
        "http-500",
        "too-long",
    ],
)
def test_anything_but_a_readiness_report_is_invalid_and_none_of_it_passes_through(
    module: FakeModule, status: int, body: bytes
) -> None:
    module.status, module.body = status, body

    report = readiness(LiveModule("inventory", module.url))

    assert report["status"] == "invalid"
    assert report["detail"] == f"/ready answered HTTP {status}, not a readiness report"
    assert "checks" not in report


def test_a_redirect_is_not_followed(module: FakeModule) -> None:
    module.status, module.headers = 302, {"Location": "http://example.com/ready"}

    assert readiness(LiveModule("inventory", module.url))["status"] == "invalid"


def test_a_long_error_text_is_cut_short(module: FakeModule) -> None:
    module.answer_report(503, {"database": {"status": "failed", "latency_ms": 1, "error": "x" * 500}})

    assert len(readiness(LiveModule("inventory", module.url))["checks"][0]["error"]) == 120


def test_every_module_is_asked_in_order(module: FakeModule) -> None:
    module.answer_report(200, {})
    modules = [LiveModule("inventory", module.url), LiveModule("orders", unused_loopback_url())]

    assert [(r["module"], r["status"]) for r in readiness_of_all(modules)] == [
        ("inventory", "ready"),
        ("orders", "down"),
    ]


def test_a_module_argument_is_a_name_and_a_loopback_url() -> None:
    assert parse_module("inventory=http://127.0.0.1:8001") == LiveModule("inventory", "http://127.0.0.1:8001")
    assert parse_module("orders=http://localhost:8002/") == LiveModule("orders", "http://localhost:8002")


@pytest.mark.parametrize(
    "text",
    [
        "inventory",
        "Inventory=http://127.0.0.1:8001",
        "inventory=http://10.0.0.5:8001",
        "inventory=https://127.0.0.1:8001",
        "inventory=http://127.0.0.1",
        "inventory=http://127.0.0.1:8001/admin",
        "inventory=http://127.0.0.1:notaport",
    ],
)
def test_anything_else_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(PortalError, match=r"e\.g\. inventory=http://127\.0\.0\.1:8001"):
        parse_module(text)


METRICS = b"""# HELP events_dead_letters Events in the dead-letter store, waiting for a replay.
# TYPE events_dead_letters gauge
events_dead_letters 3.0
# HELP http_requests_total Requests.
http_requests_total{route="/api/v1/shipments",status="201"} 7.0
"""


def test_a_subscriber_shows_its_dead_letter_count_from_its_metrics(module: FakeModule) -> None:
    module.answer_report(200, {"database": {"status": "ok", "latency_ms": 0.5}})
    module.metrics = (200, METRICS)

    assert readiness(LiveModule("shipping", module.url, subscriber=True))["dead_letters"] == 3
    # A module that subscribes to nothing has no dead-letter store, whatever its /metrics says.
    assert "dead_letters" not in readiness(LiveModule("orders", module.url))


def test_a_module_without_the_gauge_or_with_a_bad_one_shows_no_count(module: FakeModule) -> None:
    module.answer_report(200, {"database": {"status": "ok", "latency_ms": 0.5}})
    for metrics in [
        (404, b""),
        (200, b"http_requests_total 7.0\n"),
        (200, b"events_dead_letters -1.0\n"),
        (200, b"events_dead_letters 2.5\n"),
        (200, b"events_dead_letters NaN\n"),
        (200, b"events_dead_letters 1\n" + b"#" * (2 * 1024 * 1024)),
    ]:
        module.metrics = metrics
        assert "dead_letters" not in readiness(LiveModule("shipping", module.url, subscriber=True)), metrics
