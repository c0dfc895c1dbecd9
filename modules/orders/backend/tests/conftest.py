"""Fixtures shared by the orders tests."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from inventory.backend.public.testing import FakeInventoryClient
from orders.backend.api.main import create_app
from orders.backend.config import Settings
from service_kit.testing import ServiceKeys

# Real Ed25519 keys: the service's own and those of the callers the tests play.
KEYS = ServiceKeys.temporary("orders", "tests", "contract", "e2e", "shipping")
STOCKED_SKUS = ("sku-1", "sku-2", "p", "p1")


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stray ORDERS_*/SERVICE_* variable or `.env` file from the developer's shell reaches a test."""
    for name in [
        n
        for n in os.environ
        if n.startswith(("ORDERS_", "SERVICE_", "EVENTS_"))
        or n in ("PORT", "SECRETS_DIR", "PANTSTACK_ENVIRONMENT")
    ]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db' / 'orders.db'}",
        **KEYS.settings("orders"),
    )


def caller_headers(caller: str = "tests") -> dict[str, str]:
    """Headers of a service allowed to write to orders."""
    return {"Authorization": f"Bearer {KEYS.token(caller, 'orders')}"}


def stocked_inventory() -> FakeInventoryClient:
    """Inventory's own verified fake, with plenty of every SKU the tests order."""
    inventory = FakeInventoryClient()
    inventory.stock = {sku: (1_000_000, 0) for sku in STOCKED_SKUS}
    return inventory


@pytest.fixture
def inventory() -> FakeInventoryClient:
    return stocked_inventory()


@pytest.fixture
def api(settings: Settings, inventory: FakeInventoryClient) -> Iterator[TestClient]:
    """A TestClient, authenticated as a calling service, over a fresh orders app (migrations run)."""
    app = create_app(settings, stock=inventory)
    with TestClient(app, raise_server_exceptions=False, headers=caller_headers()) as client:
        yield client
