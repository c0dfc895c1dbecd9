"""Fixtures for the service kit's tests."""

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stray DEMO_*/SERVICE_*/OTEL_* variable, PANTSTACK_ENVIRONMENT or `.env` file reaches a test."""
    for name in [
        n
        for n in os.environ
        if n.startswith(("DEMO_", "SERVICE_", "OTEL_"))
        or n in ("HOST", "PORT", "SECRETS_DIR", "PANTSTACK_ENVIRONMENT")
    ]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
