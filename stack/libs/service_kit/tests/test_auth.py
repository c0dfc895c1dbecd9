"""Service-to-service auth: writes need a JWT for this service; reads stay open unless opted in."""

import logging

import jwt
import pytest
from fastapi.testclient import TestClient

from service_kit.auth import mint_token
from service_kit.tests.demo_app import SECRET, demo_app, demo_settings


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_write_with_a_valid_token_succeeds() -> None:
    response = TestClient(demo_app()).post(
        "/api/v1/items/a", headers=bearer(mint_token(SECRET, caller="x", audience="demo"))
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Basic abc"}, id="wrong scheme"),
        pytest.param(bearer("not-a-jwt"), id="malformed"),
        pytest.param(
            bearer(mint_token("another-secret-" + "z" * 32, caller="x", audience="demo")), id="bad signature"
        ),
        pytest.param(bearer(mint_token(SECRET, caller="x", audience="demo", ttl_seconds=-10)), id="expired"),
        pytest.param(
            bearer(jwt.encode({"aud": "demo", "sub": "x"}, SECRET, algorithm="HS256")), id="no expiry"
        ),
    ],
)
def test_a_write_without_a_valid_token_is_401_problem(headers: dict[str, str]) -> None:
    response = TestClient(demo_app()).post("/api/v1/items/a", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == 401 and response.json()["detail"]


def test_a_token_minted_for_another_service_is_403() -> None:
    token = mint_token(SECRET, caller="x", audience="inventory")

    response = TestClient(demo_app()).post("/api/v1/items/a", headers=bearer(token))

    assert response.status_code == 403
    assert "demo" in response.json()["detail"]


def test_reads_health_and_metrics_are_open_by_default() -> None:
    client = TestClient(demo_app())

    assert [client.get(path).status_code for path in ("/api/v1/items/a", "/health", "/metrics")] == [200] * 3


def test_a_module_can_protect_reads_too() -> None:
    client = TestClient(demo_app(demo_settings(auth_protect_reads=True)))

    assert client.get("/api/v1/items/a").status_code == 401
    assert client.get("/health").status_code == 200


def test_auth_switched_off_accepts_writes_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), TestClient(
        demo_app(demo_settings(auth_enabled=False, auth_secret=None))
    ) as client:
        assert client.post("/api/v1/items/a").status_code == 201

    assert any("auth is OFF" in record.getMessage() for record in caplog.records)
