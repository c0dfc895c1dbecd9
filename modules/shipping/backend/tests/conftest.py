"""Fixtures shared by the shipping tests."""

import pytest

from common.testing.module_fixtures import ModuleFixtures
from orders.backend.public.testing import FakeOrdersClient
from shipping.backend.api.main import create_app
from shipping.backend.config import Settings

FIXTURES = ModuleFixtures("shipping", Settings, peers=("orders",))
KEYS, caller_headers = FIXTURES.keys, FIXTURES.headers
isolated_environment, anyio_backend, settings = FIXTURES.pytest_fixtures()
api = FIXTURES.api_fixture(create_app, orders="orders")


@pytest.fixture
def orders() -> FakeOrdersClient:
    """Orders' own verified fake."""
    return FakeOrdersClient()
