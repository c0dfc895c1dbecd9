"""Service-to-service auth: each service signs with its own key; verifiers trust public keys only."""

import logging
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from service_kit import auth
from service_kit.auth import MAX_DEV_TTL_SECONDS, MAX_TTL_SECONDS, mint_token
from service_kit.identity import SigningKey
from service_kit.testing import ServiceKeys
from service_kit.tests.demo_app import KEYS, demo_app, demo_settings


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed(key: SigningKey, claims: dict[str, Any], kid: str | None = None) -> str:
    """A token with exactly these claims, as a forger holding `key` could make it."""
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": kid or key.kid})


def claims_for(sub: str, *, lifetime: int = 60, ago: int = 0) -> dict[str, Any]:
    now = int(time.time()) - ago
    return {"sub": sub, "aud": "demo", "iat": now, "exp": now + lifetime}


def test_a_write_with_a_valid_token_succeeds() -> None:
    response = TestClient(demo_app()).post("/api/v1/items/a", headers=KEYS.headers("x", "demo"))

    assert response.status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Basic abc"}, id="wrong scheme"),
        pytest.param(bearer("not-a-jwt"), id="malformed"),
        pytest.param(
            bearer(mint_token(SigningKey.generate("x"), audience="demo")), id="a key the ring does not hold"
        ),
        pytest.param(bearer(KEYS.token("x", "demo", issued_at=int(time.time()) - 400)), id="expired"),
        pytest.param(bearer(signed(KEYS.key("x"), {"aud": "demo", "sub": "x", "iat": 0})), id="no expiry"),
        pytest.param(
            bearer(jwt.encode(claims_for("x"), KEYS.key("x").private_key, algorithm="EdDSA")), id="no kid"
        ),
        pytest.param(bearer(signed(KEYS.key("x"), claims_for("x"), kid="x:unknown")), id="unknown kid"),
        pytest.param(
            bearer(
                jwt.encode(claims_for("x"), "h" * 32, algorithm="HS256", headers={"kid": KEYS.key("x").kid})
            ),
            id="HS256 with a known kid",
        ),
    ],
)
def test_a_write_without_a_valid_token_is_401_problem(headers: dict[str, str]) -> None:
    response = TestClient(demo_app()).post("/api/v1/items/a", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == 401 and response.json()["detail"]


def test_a_service_cannot_sign_as_another_with_its_own_key() -> None:
    """Under one shared HS256 secret, shipping could mint a token saying it is orders."""
    shipping = KEYS.key("shipping")
    KEYS.key("orders")
    client = TestClient(demo_app())

    as_orders_with_shipping_kid = signed(shipping, claims_for("orders"))
    as_orders_with_orders_kid = signed(shipping, claims_for("orders"), kid=KEYS.key("orders").kid)

    for token in (as_orders_with_shipping_kid, as_orders_with_orders_kid):
        assert client.post("/api/v1/items/restock-me/restock", headers=bearer(token)).status_code == 401
    assert client.post("/api/v1/items/a", headers=KEYS.headers("orders", "demo")).status_code == 201


def test_tokens_carry_the_signers_kid_and_name_it_as_subject() -> None:
    token = KEYS.token("orders", "demo")

    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "typ": "JWT", "kid": KEYS.key("orders").kid}
    assert KEYS.key("orders").kid.startswith("orders:")
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "orders"


def test_minting_refuses_service_tokens_over_15_minutes() -> None:
    key = KEYS.key("x")
    assert mint_token(key, audience="demo", ttl_seconds=MAX_TTL_SECONDS)

    for ttl in (MAX_TTL_SECONDS + 1, 0, 7 * 24 * 3600):
        with pytest.raises(ValueError, match="between 1 and 900"):
            mint_token(key, audience="demo", ttl_seconds=ttl)


def test_dev_tokens_may_live_longer_but_are_capped_too() -> None:
    key = KEYS.key("dev")
    assert mint_token(key, audience="demo", ttl_seconds=MAX_DEV_TTL_SECONDS, dev=True)

    with pytest.raises(ValueError, match=f"between 1 and {MAX_DEV_TTL_SECONDS} for dev tokens"):
        mint_token(key, audience="demo", ttl_seconds=MAX_DEV_TTL_SECONDS + 1, dev=True)


@pytest.mark.parametrize(
    ("lifetime", "status"), [(MAX_TTL_SECONDS + 20, 201), (MAX_TTL_SECONDS + 31, 401), (86400, 401)]
)
def test_verifying_refuses_tokens_that_live_longer_than_15_minutes_plus_leeway(
    lifetime: int, status: int
) -> None:
    token = signed(KEYS.key("x"), claims_for("x", lifetime=lifetime))

    response = TestClient(demo_app()).post("/api/v1/items/a", headers=bearer(token))

    assert response.status_code == status
    if status == 401:
        assert "longer than 900 s" in response.json()["detail"]


@pytest.mark.parametrize(("expired_ago", "status"), [(10, 201), (25, 201), (60, 401)])
def test_expiry_allows_a_small_clock_skew(expired_ago: int, status: int) -> None:
    token = signed(KEYS.key("x"), claims_for("x", lifetime=300, ago=300 + expired_ago))

    assert TestClient(demo_app()).post("/api/v1/items/a", headers=bearer(token)).status_code == status


@pytest.mark.parametrize(("issued_in", "status"), [(10, 201), (120, 401)])
def test_a_token_issued_in_the_future_is_allowed_only_within_the_skew(issued_in: int, status: int) -> None:
    token = signed(KEYS.key("x"), claims_for("x", ago=-issued_in))

    assert TestClient(demo_app()).post("/api/v1/items/a", headers=bearer(token)).status_code == status


@pytest.mark.parametrize(("environment", "status"), [("local", 201), ("test", 401), ("prod", 401)])
def test_dev_tokens_are_accepted_only_in_local_development(environment: str, status: int) -> None:
    token = KEYS.token("dev", "demo", ttl_seconds=12 * 3600, dev=True)

    response = TestClient(demo_app(demo_settings(environment=environment))).post(
        "/api/v1/items/a", headers=bearer(token)
    )

    assert response.status_code == status
    if status == 401:
        assert "Dev tokens are accepted only in local development" in response.json()["detail"]


def test_a_token_labelled_dev_is_refused_in_production_whatever_its_lifetime() -> None:
    token = KEYS.token("dev", "demo", ttl_seconds=60, dev=True)

    response = TestClient(demo_app(demo_settings(environment="prod"))).post(
        "/api/v1/items/a", headers=bearer(token)
    )

    assert response.status_code == 401


def test_a_route_accepts_only_the_callers_it_names() -> None:
    client = TestClient(demo_app())

    assert client.post("/api/v1/items/a/restock", headers=KEYS.headers("orders", "demo")).status_code == 200
    refused = client.post("/api/v1/items/a/restock", headers=KEYS.headers("shipping", "demo"))

    assert refused.status_code == 403
    assert refused.json()["detail"] == "This route does not accept calls from this caller."
    assert "orders" not in refused.text


def test_a_read_that_names_its_callers_needs_a_token_even_when_reads_are_open() -> None:
    client = TestClient(demo_app())

    assert client.get("/api/v1/items/a/audit").status_code == 401
    assert client.get("/api/v1/items/a/audit", headers=KEYS.headers("tests", "demo")).status_code == 403
    assert client.get("/api/v1/items/a/audit", headers=KEYS.headers("orders", "demo")).status_code == 200


def test_a_rotated_key_is_picked_up_without_a_restart_and_the_removed_one_refused(tmp_path: Path) -> None:
    keys = ServiceKeys(tmp_path, "demo", "orders")
    old_token = keys.token("orders", "demo")
    settings = demo_settings(**keys.settings("demo"), jwks_reload_seconds=0.05)

    with TestClient(demo_app(settings)) as client:
        assert client.post("/api/v1/items/a", headers=bearer(old_token)).status_code == 201

        keys.rotate("orders")  # rewrites the JWKS without the old key
        # Remembered from before the rotation, yet refused once the scheduled reload drops its key.
        deadline = time.monotonic() + 10
        while client.post("/api/v1/items/b", headers=bearer(old_token)).status_code != 401:
            assert time.monotonic() < deadline, "the rewritten key ring was never reloaded"
            time.sleep(0.05)
        assert client.post("/api/v1/items/c", headers=KEYS.headers("orders", "demo")).status_code == 401
        assert client.post("/api/v1/items/d", headers=bearer(keys.token("orders", "demo"))).status_code == 201


def test_a_new_key_is_trusted_at_once_when_the_ring_file_has_it(tmp_path: Path) -> None:
    keys = ServiceKeys(tmp_path, "demo")
    settings = demo_settings(**keys.settings("demo"), jwks_reload_seconds=3600)

    with TestClient(demo_app(settings)) as client:
        token = keys.token("billing", "demo")  # a key published after the service started

        assert client.post("/api/v1/items/a", headers=bearer(token)).status_code == 201


def test_a_broken_key_ring_rewrite_keeps_the_keys_already_loaded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys = ServiceKeys(tmp_path)
    token = keys.token("orders", "demo")
    guard = auth.AuthGuard(
        keys=demo_settings(**keys.settings("demo")).key_ring(), audience="demo", enabled=True,
        protect_reads=False, environment="local",
    )  # fmt: skip

    keys.jwks_file.write_text('{"keys": [')
    with caplog.at_level(logging.ERROR):
        assert guard.keys is not None and guard.keys.reload_if_changed() is False

    assert guard.verify(token) == "orders"
    assert "key ring not reloaded" in caplog.text


def test_a_verified_token_is_remembered_only_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(demo_app())
    token = KEYS.token("x", "demo", ttl_seconds=60)
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
    token = KEYS.token("x", "demo")
    assert client.post("/api/v1/items/a", headers=bearer(token)).status_code == 201

    header, payload, signature = token.split(".")
    # Change one character in the middle: replacing the tail with a fixed string once produced
    # the token itself (1 signature in 256 already ends in "AA").
    middle = len(signature) // 2
    swapped = "B" if signature[middle] == "A" else "A"
    forged = f"{header}.{payload}.{signature[:middle]}{swapped}{signature[middle + 1:]}"
    assert forged != token
    assert client.post("/api/v1/items/b", headers=bearer(forged)).status_code == 401


def test_remembered_tokens_are_bounded() -> None:
    guard = auth.AuthGuard(
        keys=demo_settings().key_ring(),
        audience="demo",
        enabled=True,
        protect_reads=False,
        environment="local",
    )
    far = time.time() + 3600
    for index in range(auth.MAX_REMEMBERED_TOKENS + 5):
        guard._remember(f"token-{index}", "x", far)

    assert len(guard._verified) == auth.MAX_REMEMBERED_TOKENS
    assert "token-0" not in guard._verified and f"token-{auth.MAX_REMEMBERED_TOKENS + 4}" in guard._verified


def test_a_token_minted_for_another_service_is_403() -> None:
    response = TestClient(demo_app()).post("/api/v1/items/a", headers=KEYS.headers("x", "inventory"))

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
        demo_app(demo_settings(auth_enabled=False, signing_key=None, jwks_file=None))
    ) as client:
        assert client.post("/api/v1/items/a").status_code == 201

    assert any("auth is OFF" in record.getMessage() for record in caplog.records)


def test_the_cli_mints_a_token_per_audience_with_the_callers_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "orders.pem"
    key_file.write_text(KEYS.key("orders").private_pem())

    assert (
        auth.main(
            ["--caller", "orders", "--key-file", str(key_file), "--audience", "demo", "--audience", "x"]
        )
        == 0
    )

    tokens = capsys.readouterr().out.split()
    assert [jwt.decode(t, options={"verify_signature": False})["aud"] for t in tokens] == ["demo", "x"]
    assert TestClient(demo_app()).post("/api/v1/items/a", headers=bearer(tokens[0])).status_code == 201


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "no key: pass --key-file or set ORDERS_SIGNING_KEY"),
        (["--key-file", "/nonexistent/orders.pem"], "/nonexistent/orders.pem cannot be read"),
    ],
)
def test_the_cli_without_a_usable_key_exits_2_saying_what_to_pass(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert auth.main(["--caller", "orders", "--audience", "demo", *extra]) == 2
    assert message in capsys.readouterr().err


def test_the_cli_refuses_a_long_ttl_unless_it_is_a_dev_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEV_SIGNING_KEY", KEYS.key("dev").private_pem())

    assert auth.main(["--caller", "dev", "--audience", "demo", "--ttl", "43200"]) == 2
    assert "longer ones for curl: a dev token, --dev" in capsys.readouterr().err
    assert auth.main(["--caller", "dev", "--audience", "demo", "--ttl", "43200", "--dev"]) == 0
    token = capsys.readouterr().out.strip()
    assert jwt.decode(token, options={"verify_signature": False})["dev"] is True
