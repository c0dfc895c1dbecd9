"""A facade call's error a module leaves unmapped: 503 or 502 with a generic body, never a 500,
never the callee's URL or the transport's exception text."""

import httpx2
import pytest
from fastapi.testclient import TestClient

from service_kit.tests.demo_app import KEYS, DemoClient, demo_app


def downstream_answering(status: int, headers: dict[str, str] | None = None) -> DemoClient:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, json={"detail": "at http://db.internal:5432"}, headers=headers)

    return DemoClient(
        "http://inventory.internal:8000",
        caller="tests",
        signing_key=KEYS.key("tests"),
        retries=0,
        transport=httpx2.MockTransport(answer),
    )


def unreachable() -> DemoClient:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("[Errno 111] Connection refused to 10.0.3.7")

    return DemoClient(
        "http://inventory.internal:8000", caller="tests", signing_key=KEYS.key("tests"), retries=0,
        transport=httpx2.MockTransport(refuse),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("downstream", "status"),
    [
        (unreachable(), 503),
        (downstream_answering(503), 503),
        (downstream_answering(429, {"Retry-After": "4"}), 503),
        (downstream_answering(400), 502),
        (downstream_answering(403), 502),
        (downstream_answering(409), 502),
    ],
)
def test_an_unmapped_downstream_error_is_generic_and_carries_the_request_id(
    downstream: DemoClient, status: int
) -> None:
    client = TestClient(demo_app(downstream=downstream), raise_server_exceptions=False)

    response = client.get("/api/v1/items/a/via-downstream", headers={"X-Request-ID": "req-1"})

    assert response.status_code == status
    assert response.json()["request_id"] == "req-1"
    for internal in ("inventory.internal", "db.internal", "10.0.3.7", "ConnectError", "Errno"):
        assert internal not in response.text


def test_a_rate_limited_downstream_passes_its_retry_after_on() -> None:
    client = TestClient(demo_app(downstream=downstream_answering(429, {"Retry-After": "4"})))

    assert client.get("/api/v1/items/a/via-downstream").headers["Retry-After"] == "4"
