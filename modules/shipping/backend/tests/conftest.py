"""Fixtures shared by the shipping tests."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from common.testing.module_fixtures import ModuleFixtures
from orders.backend.public.testing import FakeOrdersClient
from shipping.backend.api.main import create_app
from shipping.backend.config import Settings

FIXTURES = ModuleFixtures("shipping", Settings, peers=("orders",))
KEYS, caller_headers = FIXTURES.keys, FIXTURES.headers
isolated_environment, anyio_backend, settings = FIXTURES.pytest_fixtures()


@pytest.fixture
def orders() -> FakeOrdersClient:
    """Orders' own verified fake."""
    return FakeOrdersClient()


@pytest.fixture
def api(settings: Settings, orders: FakeOrdersClient) -> Iterator[TestClient]:
    with FIXTURES.test_client(create_app(settings, orders=orders)) as client:
        yield client
