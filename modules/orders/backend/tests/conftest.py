"""Fixtures shared by the orders tests."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orders.backend.api.main import create_app
from orders.backend.config import Settings


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stray ORDERS_* variable or `.env` file from the developer's shell reaches a test."""
    for name in [name for name in os.environ if name.startswith("ORDERS_") or name == "PORT"]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'db' / 'orders.db'}")


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    """A TestClient over a fresh orders app, lifespan (and so migrations) included."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client
