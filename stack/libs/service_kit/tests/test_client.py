"""ServiceClient: retries only idempotent calls, maps problem+json to typed errors, attaches a token."""

import ssl
from pathlib import Path

import httpx2
import jwt
import pytest

from service_kit.client import (
    LOCAL_DEVELOPMENT_URL,
    BadRequest,
    Conflict,
    MissingServiceURL,
    NotFound,
    RateLimited,
    Unavailable,
    require_peer_urls,
    shared_ssl_context,
    ssl_context_for,
)
from service_kit.tests.demo_app import KEYS, DemoClient

pytestmark = pytest.mark.anyio


def scripted(*statuses: int) -> tuple[httpx2.MockTransport, list[httpx2.Request]]:
    """A transport answering with these statuses in turn (problem+json bodies), recording requests."""
    seen: list[httpx2.Request] = []
    answers = iter(statuses)

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        status = next(answers)
        return httpx2.Response(status, json={"status": status, "detail": f"answer {status}"})

    return httpx2.MockTransport(answer), seen


def client(transport: httpx2.MockTransport) -> DemoClient:
    return DemoClient(
        "http://demo", caller="tests", signing_key=KEYS.key("tests"), retries=2, transport=transport
    )


async def test_an_idempotent_call_is_retried_through_503s() -> None:
    transport, seen = scripted(503, 503, 200)

    response = await client(transport)._request("GET", "/api/v1/items/a")

    assert response.status_code == 200 and len(seen) == 3


async def test_a_non_idempotent_call_is_never_retried() -> None:
    transport, seen = scripted(503, 200)

    with pytest.raises(Unavailable):
        await client(transport)._request("POST", "/api/v1/items/a")

    assert len(seen) == 1


async def test_retries_stop_after_the_configured_count() -> None:
    transport, seen = scripted(503, 503, 503, 200)

    with pytest.raises(Unavailable) as raised:
        await client(transport)._request("GET", "/api/v1/items/a")

    assert len(seen) == 3 and raised.value.status == 503


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, BadRequest), (404, NotFound), (409, Conflict), (422, BadRequest), (429, RateLimited)],
)
async def test_problem_responses_become_typed_errors(status: int, error: type[Exception]) -> None:
    transport, seen = scripted(status)

    with pytest.raises(error) as raised:
        await client(transport)._request("GET", "/api/v1/items/a")

    assert f"answer {status}" in str(raised.value) and len(seen) == 1


async def test_each_call_carries_a_token_naming_the_caller_for_the_callee() -> None:
    transport, seen = scripted(200)

    await client(transport)._request("GET", "/api/v1/items/a")

    scheme, token = seen[0].headers["Authorization"].split()
    claims = jwt.decode(
        token, KEYS.key("tests").private_key.public_key(), algorithms=["EdDSA"], audience="demo"
    )
    assert scheme == "Bearer" and claims["sub"] == "tests"
    assert jwt.get_unverified_header(token)["kid"] == KEYS.key("tests").kid


async def test_without_a_key_passed_the_client_signs_with_the_callers_own_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHIPPING_SIGNING_KEY", KEYS.key("shipping").private_pem())
    transport, seen = scripted(200)

    async with DemoClient("http://demo", caller="shipping", transport=transport) as shipping:
        await shipping._request("GET", "/api/v1/items/a")

    token = seen[0].headers["Authorization"].split()[1]
    assert jwt.get_unverified_header(token)["kid"] == KEYS.key("shipping").kid


async def test_the_callers_key_can_come_from_secrets_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "SHIPPING_SIGNING_KEY").write_text(KEYS.key("shipping").private_pem())
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))
    transport, seen = scripted(200)

    async with DemoClient("http://demo", caller="shipping", transport=transport) as shipping:
        await shipping._request("GET", "/api/v1/items/a")

    assert (
        jwt.decode(seen[0].headers["Authorization"].split()[1], options={"verify_signature": False})["sub"]
        == "shipping"
    )


async def test_a_caller_without_a_key_sends_no_token() -> None:
    transport, seen = scripted(200)

    async with DemoClient("http://demo", caller="shipping", transport=transport) as shipping:
        await shipping._request("GET", "/api/v1/items/a")

    assert "Authorization" not in seen[0].headers


@pytest.mark.parametrize("environment", ["test", "prod"])
def test_outside_local_a_missing_peer_url_stops_the_service_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], environment: str
) -> None:
    monkeypatch.setenv("PANTSTACK_ENVIRONMENT", environment)

    with pytest.raises(SystemExit) as exited:
        require_peer_urls(DemoClient)

    assert exited.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("DEMO_URL is not set") and f"PANTSTACK_ENVIRONMENT={environment}" in line


def test_outside_local_an_empty_peer_url_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTSTACK_ENVIRONMENT", "prod")
    monkeypatch.setenv("DEMO_URL", "")

    with pytest.raises(SystemExit):
        require_peer_urls(DemoClient)


def test_outside_local_a_client_without_its_url_is_refused_not_pointed_at_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PANTSTACK_ENVIRONMENT", "prod")

    with pytest.raises(MissingServiceURL, match="DEMO_URL"):
        DemoClient(caller="tests")


def test_a_peer_url_that_is_set_is_used_in_any_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTSTACK_ENVIRONMENT", "prod")
    monkeypatch.setenv("DEMO_URL", "http://demo.prod.pantstack.internal:8000")

    require_peer_urls(DemoClient)

    assert DemoClient(caller="tests").base_url.rstrip("/") == ("http://demo.prod.pantstack.internal:8000")


def test_local_development_keeps_its_default_peer_url() -> None:
    require_peer_urls(DemoClient)

    assert DemoClient(caller="tests").base_url.rstrip("/") == LOCAL_DEVELOPMENT_URL


async def test_clients_of_one_process_load_the_ca_bundle_once(ca_bundle_loads: list[dict[str, bool]]) -> None:
    clients = [DemoClient("https://demo", caller="tests", signing_key=KEYS.key("tests")) for _ in range(3)]
    for each in clients:
        await each.aclose()

    assert len(ca_bundle_loads) == 1


async def test_a_client_of_an_http_peer_loads_no_ca_bundle_and_would_refuse_any_tls(
    ca_bundle_loads: list[dict[str, bool]],
) -> None:
    client = DemoClient("http://demo:8001", caller="tests", signing_key=KEYS.key("tests"))
    await client.aclose()
    bare = ssl_context_for("HTTP://demo:8001")
    assert ssl_context_for("https://demo") is shared_ssl_context()

    # Only the https look-up above built (and loaded CAs into) a verifying context.
    assert len(ca_bundle_loads) == 1
    # Fails closed: it demands a certificate and checks the host name, but trusts no CA at all.
    assert bare.verify_mode == ssl.CERT_REQUIRED and bare.check_hostname
    assert bare.get_ca_certs() == [] and bare.cert_store_stats()["x509_ca"] == 0
