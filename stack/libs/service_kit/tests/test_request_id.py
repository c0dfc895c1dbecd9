"""Request ids: taken from X-Request-ID or generated, returned, and forwarded by facade clients."""

import httpx2
import pytest
from fastapi.testclient import TestClient

from service_kit.tests.demo_app import KEYS, DemoClient, demo_app


def test_an_incoming_request_id_is_returned_unchanged() -> None:
    response = TestClient(demo_app()).get("/api/v1/items/a", headers={"X-Request-ID": "abc-123"})

    assert response.headers["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize("incoming", [None, "", "has spaces and ;", "x" * 200])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_generated_one(incoming: str | None) -> None:
    headers = {"X-Request-ID": incoming} if incoming is not None else {}

    returned = TestClient(demo_app()).get("/api/v1/items/a", headers=headers).headers["X-Request-ID"]

    assert returned != incoming and len(returned) == 32


def test_errors_carry_the_request_id_in_the_problem_body() -> None:
    response = TestClient(demo_app()).get("/nowhere", headers={"X-Request-ID": "req-404"})

    assert response.status_code == 404
    assert response.json()["request_id"] == "req-404"


def test_a_crash_is_answered_with_its_request_id_in_the_header_as_in_the_body() -> None:
    app = demo_app()

    @app.get("/api/v1/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    response = TestClient(app, raise_server_exceptions=False).get(
        "/api/v1/crash", headers={"X-Request-ID": "req-500"}
    )

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-500" == response.json()["request_id"]


@pytest.mark.anyio
async def test_a_facade_client_forwards_the_request_id_to_the_next_service() -> None:
    downstream_app = demo_app()
    downstream = DemoClient(
        "http://downstream",
        caller="upstream",
        signing_key=KEYS.key("tests"),
        transport=httpx2.ASGITransport(app=downstream_app),
    )
    upstream_app = demo_app(downstream=downstream)

    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=upstream_app), base_url="http://up"
    ) as http:
        response = await http.get("/api/v1/items/a/via-downstream", headers={"X-Request-ID": "trace-42"})

    assert response.json() == {"request_id": "trace-42"}


def test_a_generated_request_id_is_a_version_4_uuids_hex() -> None:
    import uuid

    from service_kit.request_context import new_request_id

    ids = {new_request_id() for _ in range(1000)}

    assert len(ids) == 1000
    for request_id in ids:
        parsed = uuid.UUID(hex=request_id)
        assert parsed.hex == request_id and parsed.version == 4 and parsed.variant == uuid.RFC_4122
