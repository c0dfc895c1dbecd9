"""ModuleFixtures and real_and_fake: the fixtures every module's conftest.py and contract suite get."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import jwt
import pytest
from pydantic_settings import SettingsConfigDict

from common.testing.module_fixtures import ModuleFixtures, real_and_fake
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
