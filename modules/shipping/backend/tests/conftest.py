"""Fixtures shared by the shipping tests."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orders.backend.public.testing import FakeOrdersClient
from service_kit.testing import ServiceKeys
from shipping.backend.api.main import create_app
from shipping.backend.config import Settings

# Real Ed25519 keys: the service's own and those of the callers the tests play.
KEYS = ServiceKeys.temporary("shipping", "tests", "contract", "e2e")


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stray SHIPPING_*/SERVICE_* variable or `.env` file from the developer's shell reaches a test."""
    for name in [
        n
        for n in os.environ
        if n.startswith(("SHIPPING_", "SERVICE_", "ORDERS_", "EVENTS_"))
        or n in ("PORT", "PANTSTACK_ENVIRONMENT")
    ]:
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
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'shipping.db'}", **KEYS.settings("shipping")
    )
    token = KEYS.token("tests", "shipping")
    app = create_app(settings, orders=orders)
    with TestClient(
        app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield client
