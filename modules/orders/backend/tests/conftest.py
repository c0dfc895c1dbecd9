"""Fixtures shared by the orders tests."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from common.testing.module_fixtures import ModuleFixtures
from inventory.backend.public.testing import FakeInventoryClient
from orders.backend.api.main import create_app
from orders.backend.config import Settings

FIXTURES = ModuleFixtures("orders", Settings, callers=("shipping",))
KEYS, caller_headers = FIXTURES.keys, FIXTURES.headers
isolated_environment, anyio_backend, settings = FIXTURES.pytest_fixtures()
STOCKED_SKUS = ("sku-1", "sku-2", "p", "p1")


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
    with FIXTURES.test_client(create_app(settings, stock=inventory)) as client:
        yield client
