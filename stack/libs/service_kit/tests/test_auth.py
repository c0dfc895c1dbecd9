"""Service-to-service auth: writes need a JWT for this service; reads stay open unless opted in."""

import logging
import time
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from service_kit import auth
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


def test_a_verified_token_is_remembered_only_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(demo_app())
    token = mint_token(SECRET, caller="x", audience="demo", ttl_seconds=60)
    decodes = []
    real_decode = jwt.decode

    def counting_decode(*args: Any, **kwargs: Any) -> Any:
        decodes.append(args[0])
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)

    statuses = [client.post(f"/api/v1/items/{i}", headers=bearer(token)).status_code for i in range(3)]
    assert statuses == [201, 201, 201] and len(decodes) == 1

    # Past its expiry the token is verified afresh (where PyJWT's own clock refuses it).
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    client.post("/api/v1/items/later", headers=bearer(token))
    assert len(decodes) == 2


def test_a_tampered_copy_of_a_remembered_token_is_still_refused() -> None:
    client = TestClient(demo_app())
    token = mint_token(SECRET, caller="x", audience="demo")
    assert client.post("/api/v1/items/a", headers=bearer(token)).status_code == 201

    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-2]}AA"
    assert client.post("/api/v1/items/b", headers=bearer(forged)).status_code == 401


def test_remembered_tokens_are_bounded() -> None:
    guard = auth.AuthGuard(secret=SECRET, audience="demo", enabled=True, protect_reads=False)
    far = time.time() + 3600
    for index in range(auth.MAX_REMEMBERED_TOKENS + 5):
        guard._remember(f"token-{index}", "x", far)

    assert len(guard._verified) == auth.MAX_REMEMBERED_TOKENS
    assert "token-0" not in guard._verified and f"token-{auth.MAX_REMEMBERED_TOKENS + 4}" in guard._verified


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
