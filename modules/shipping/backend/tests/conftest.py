"""Fixtures shared by the shipping tests."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from orders.backend.public.testing import FakeOrdersClient
from service_kit.auth import mint_token
from shipping.backend.api.main import create_app
from shipping.backend.config import Settings

AUTH_SECRET = "test-secret-" + "s" * 32


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stray SHIPPING_*/SERVICE_* variable or `.env` file from the developer's shell reaches a test."""
    for name in [n for n in os.environ if n.startswith(("SHIPPING_", "SERVICE_", "ORDERS_")) or n == "PORT"]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def orders() -> FakeOrdersClient:
    """Orders' own verified fake."""
    return FakeOrdersClient()


@pytest.fixture
def api(tmp_path: Path, orders: FakeOrdersClient) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'shipping.db'}", auth_secret=SecretStr(AUTH_SECRET)
    )
    token = mint_token(AUTH_SECRET, caller="tests", audience="shipping")
    app = create_app(settings, orders=orders)
    with TestClient(
        app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield client
