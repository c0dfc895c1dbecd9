"""Fixtures for the service kit's tests."""

import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from service_kit.client import shared_ssl_context


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


@pytest.fixture
def ca_bundle_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, bool]]]:
    """Every verifying SSL context httpx2's transport builds (each loads the CA bundle), from a
    cleared `shared_ssl_context` on."""
    httpcore2 = importlib.import_module("httpcore2")
    built: list[dict[str, bool]] = []
    default_ssl_context = httpcore2.default_ssl_context

    def counting_default_ssl_context(**options: bool) -> object:
        built.append(options)
        return default_ssl_context(**options)

    monkeypatch.setattr(httpcore2, "default_ssl_context", counting_default_ssl_context)
    shared_ssl_context.cache_clear()
    yield built
    shared_ssl_context.cache_clear()
