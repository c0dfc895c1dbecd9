"""Fixtures shared by the orders tests."""

import pytest

from common.testing.module_fixtures import ModuleFixtures
from inventory.backend.public.testing import FakeInventoryClient
from orders.backend.api.main import create_app
from orders.backend.config import Settings
from orders.backend.service.model import OrderLine
from orders.backend.tests.fakes import FakeUnitOfWork

FIXTURES = ModuleFixtures("orders", Settings, callers=("shipping",))
KEYS, caller_headers = FIXTURES.keys, FIXTURES.headers
isolated_environment, anyio_backend, settings = FIXTURES.pytest_fixtures()
# A TestClient, authenticated as a calling service, over a fresh orders app (migrations run)
# reserving from the test's `inventory`.
api = FIXTURES.api_fixture(create_app, stock="inventory")
STOCKED_SKUS = ("sku-1", "sku-2", "p", "p1")
# The service-layer tests' usual order: two units of one stocked SKU.
LINES = [OrderLine(product_id="sku-1", quantity=2)]


def stocked_inventory() -> FakeInventoryClient:
    """Inventory's own verified fake, with plenty of every SKU the tests order."""
    inventory = FakeInventoryClient()
    inventory.stock = {sku: (1_000_000, 0) for sku in STOCKED_SKUS}
    return inventory


@pytest.fixture
def inventory() -> FakeInventoryClient:
    return stocked_inventory()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """The service layer's unit of work, in memory (tests/fakes.py)."""
    return FakeUnitOfWork()
