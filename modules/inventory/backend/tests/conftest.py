"""Fixtures shared by the inventory tests."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from inventory.backend.api.main import create_app
from inventory.backend.config import Settings
from service_kit.testing import ServiceKeys

# Real Ed25519 keys: the service's own and those of the callers the tests play.
KEYS = ServiceKeys.temporary("inventory", "orders", "tests", "contract", "e2e")


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stray INVENTORY_*/SERVICE_* variable or `.env` file from the developer's shell reaches a test."""
    for name in [
        n for n in os.environ if n.startswith(("INVENTORY_", "SERVICE_")) or n in ("PORT", "SECRETS_DIR")
    ]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}", **KEYS.settings("inventory")
    )


def caller_headers(caller: str = "orders") -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS.token(caller, 'inventory')}"}


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False, headers=caller_headers()) as client:
        yield client


@pytest.fixture
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The real app with its lifespan (database, migrations) running, for in-process async clients."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def asgi_client(app: FastAPI) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://inventory", headers=caller_headers()
    )
