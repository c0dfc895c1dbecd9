"""ModuleFixtures and real_and_fake: the fixtures every module's conftest.py and contract suite get."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import jwt
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict

from common.testing import module_fixtures
from common.testing.module_fixtures import ModuleFixtures, Seeded, Served, real_and_fake
from service_kit.contract import render
from service_kit.facade import FacadeClient, FakeClient
from service_kit.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", populate_by_name=True)

    service_name: str = "billing"


# Set before any test runs, as a developer's shell would: the autouse fixture must hide them.
os.environ.update({"BILLING_LOG_LEVEL": "DEBUG", "ORDERS_URL": "http://x", "PANTSTACK_ENVIRONMENT": "prod"})
os.environ.setdefault("UNRELATED_VARIABLE", "kept")

FIXTURES = ModuleFixtures("billing", BillingSettings, callers=("orders",), peers=("orders",))
isolated_environment, anyio_backend, settings = FIXTURES.pytest_fixtures()


def test_the_module_its_peers_and_the_kit_variables_are_kept_out_of_a_test(tmp_path: Path) -> None:
    assert not {"BILLING_LOG_LEVEL", "ORDERS_URL", "PANTSTACK_ENVIRONMENT"} & set(os.environ)
    assert os.environ["UNRELATED_VARIABLE"] == "kept"
    assert Path.cwd() == tmp_path


def test_settings_use_a_sqlite_file_in_the_test_directory_and_the_module_key(
    settings: BillingSettings, tmp_path: Path
) -> None:
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'billing.db'}"
    assert settings.signing_key is not None and settings.jwks_file == FIXTURES.keys.jwks_file


def test_headers_carry_a_token_of_the_caller_for_the_module() -> None:
    (scheme, token) = FIXTURES.headers("orders")["Authorization"].split()

    claims = jwt.decode(token, options={"verify_signature": False})
    assert scheme == "Bearer" and (claims["sub"], claims["aud"]) == ("orders", "billing")


@asynccontextmanager
async def real_implementation(tmp_path: Path) -> AsyncIterator[str]:
    yield f"real in {tmp_path.name}"


implementation = real_and_fake(real_implementation, lambda: "fake")


@pytest.mark.anyio
async def test_the_contract_fixture_runs_each_test_on_the_real_and_on_the_fake(
    implementation: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    expected = {"real": f"real in {tmp_path.name}", "fake": "fake"}

    assert implementation == expected[request.node.callspec.params["implementation"]]


class Notes(BaseModel):
    notes: list[str]
    caller_signed: bool


def billing_app(settings: BillingSettings, notes: list[str] | None = None) -> FastAPI:
    """A stand-in for a module's create_app: `notes` plays a peer's fake the app is handed."""
    app = FastAPI()
    kept = [] if notes is None else notes

    @app.get("/notes")
    async def read_notes(request: Request) -> Notes:
        return Notes(notes=kept, caller_signed=request.headers.get("Authorization", "").startswith("Bearer "))

    @app.post("/notes/{note}", status_code=201)
    async def add_note(note: str) -> None:
        kept.append(f"{note} in {settings.service_name}")

    return app


class BillingClient(FacadeClient):
    service = "billing"

    async def notes(self) -> Notes:
        return await self._call(Notes, "GET", "/notes")


class FakeBillingClient(FakeClient):
    service = "billing"

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[str] = []

    def add(self, note: str) -> Notes:
        self.kept.append(f"{note} in billing")
        return Notes(notes=self.kept, caller_signed=True)

    async def notes(self) -> Notes:
        return Notes(notes=self.kept, caller_signed=True)


@pytest.fixture
def peer_notes() -> list[str]:
    return ["from the peer"]


api = FIXTURES.api_fixture(billing_app, notes="peer_notes")


def test_the_api_fixture_hands_the_app_the_named_fixture_and_signs_as_the_tests(
    api: TestClient, peer_notes: list[str]
) -> None:
    peer_notes.append("arranged by the test")

    assert api.get("/notes").json() == {
        "notes": ["from the peer", "arranged by the test"],
        "caller_signed": True,
    }


billing = FIXTURES.contract(billing_app, BillingClient, FakeBillingClient)


@pytest.mark.anyio
async def test_the_contract_fixture_yields_the_real_client_over_the_app_and_the_fake(
    billing: BillingClient, request: pytest.FixtureRequest
) -> None:
    side = request.node.callspec.params["billing"]

    assert isinstance(billing, {"real": BillingClient, "fake": FakeBillingClient}[side])
    assert await billing.notes() == Notes(notes=[], caller_signed=True)


async def note_through_the_api(served: Served[BillingClient], note: str) -> Notes:
    assert (await served.http.post(f"/notes/{note}")).status_code == 201
    return await served.client.notes()


seeded_billing = FIXTURES.seeded_contract(
    billing_app, BillingClient, FakeBillingClient, seed_real=note_through_the_api, notes=lambda: ["peer's"]
)


@pytest.mark.anyio
async def test_a_seeded_contract_seeds_each_side_its_own_way_and_hands_the_app_its_peers(
    seeded_billing: Seeded[BillingClient, [str], Notes], request: pytest.FixtureRequest
) -> None:
    seeded = await seeded_billing.seed("first")

    expected = {"real": ["peer's", "first in billing"], "fake": ["first in billing"]}[
        request.node.callspec.params["seeded_billing"]
    ]
    assert seeded == await seeded_billing.client.notes() == Notes(notes=expected, caller_signed=True)


def test_the_snapshot_test_passes_on_the_recorded_contract_and_names_a_drift(tmp_path: Path) -> None:
    snapshot = tmp_path / "openapi.json"
    snapshot.write_text(render(billing_app(BillingSettings(auth_enabled=False))))

    FIXTURES.snapshot_test(billing_app, snapshot)()

    def grown_app(settings: BillingSettings) -> FastAPI:
        app = billing_app(settings)
        app.get("/more")(lambda: None)
        return app

    test = FIXTURES.snapshot_test(grown_app, snapshot)
    with pytest.raises(AssertionError, match=r"additive .*/more(.|\n)*make contract-accept M=billing"):
        test()
    assert test.__name__ == "test_the_http_contract_matches_the_committed_snapshot"


def test_the_served_pex_keeps_its_data_in_the_directory_signs_with_its_key_and_takes_more_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[str, Path, dict[str, str]]] = []
    monkeypatch.setattr(module_fixtures, "served_pex", lambda *args: started.append(args))

    FIXTURES.served_pex(tmp_path, BILLING_LOG_LEVEL="DEBUG", BILLING_DATA_DIR="/elsewhere")

    [(module, directory, env)] = started
    assert (module, directory) == ("billing", tmp_path)
    assert env == {
        **FIXTURES.keys.env("billing"),
        "BILLING_LOG_LEVEL": "DEBUG",
        "BILLING_DATA_DIR": "/elsewhere",
    }
    FIXTURES.served_pex(tmp_path)
    assert started[1][2]["BILLING_DATA_DIR"] == str(tmp_path / "data")
