"""Fixtures of the messaging tests: a scratch SQLite database with the event tables."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service_kit.messaging.testing import event_tables


@pytest.fixture(autouse=True)
def no_event_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("EVENTS_") or n == "PANTSTACK_ENVIRONMENT"]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def session_factory(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with event_tables(f"sqlite+aiosqlite:///{tmp_path / 'events.db'}") as sessions:
        yield sessions
