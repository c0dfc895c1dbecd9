"""Fixtures shared by the inventory tests."""

from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI

from common.testing.module_fixtures import ModuleFixtures
from inventory.backend.api.main import create_app
from inventory.backend.config import Settings

FIXTURES = ModuleFixtures("inventory", Settings, callers=("orders",), default_caller="orders")
KEYS, caller_headers = FIXTURES.keys, FIXTURES.headers
isolated_environment, anyio_backend, settings = FIXTURES.pytest_fixtures()
api = FIXTURES.api_fixture(create_app)


@pytest.fixture
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The real app with its lifespan (database, migrations) running, for in-process async clients."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def asgi_client(app: FastAPI) -> httpx2.AsyncClient:
    return FIXTURES.asgi_client(app)
