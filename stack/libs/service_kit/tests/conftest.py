"""Fixtures for the common library's tests."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
