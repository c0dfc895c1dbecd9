"""The fixtures every module's tests share, made for one module: its conftest.py is a few lines.

    FIXTURES = ModuleFixtures("orders", Settings, callers=("shipping",))
    KEYS, caller_headers = FIXTURES.keys, FIXTURES.headers
    isolated_environment, anyio_backend, settings = FIXTURES.pytest_fixtures()

    @pytest.fixture
    def api(settings: Settings) -> Iterator[TestClient]:
        with FIXTURES.test_client(create_app(settings)) as client:
            yield client
"""

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service_kit.client import ServiceClient
from service_kit.testing import IdentityFields, ServiceKeys

SettingsT = TypeVar("SettingsT")
ClientT = TypeVar("ClientT", bound=ServiceClient)
T = TypeVar("T")
# Callers every module's tests play: plain tests, the contract suite's real client, the e2e PEX tests.
DEFAULT_CALLERS = ("tests", "contract", "e2e")
# Read by every service (ServiceSettings, ServiceClient), whatever its prefix.
_STRAY_NAMES = ("PORT", "SECRETS_DIR", "PANTSTACK_ENVIRONMENT")


class ModuleFixtures(Generic[SettingsT]):
    """Keys, settings and clients for the tests of `module`, whose Settings class is `settings_type`.

    `callers` are the services the tests play besides DEFAULT_CALLERS; `peers` the modules whose
    facades it uses, whose `<PEER>_*` variables are kept out of the tests too.
    """

    def __init__(
        self,
        module: str,
        settings_type: Callable[..., SettingsT],
        *,
        callers: tuple[str, ...] = (),
        peers: tuple[str, ...] = (),
        default_caller: str = "tests",
    ) -> None:
        self.module = module
        self.settings_type = settings_type
        self.default_caller = default_caller
        self.stray_prefixes = (*(f"{name.upper()}_" for name in (module, *peers)), "SERVICE_", "EVENTS_")
        # Real Ed25519 keys: the service's own and those of the callers the tests play.
        self.keys = ServiceKeys.temporary(module, *DEFAULT_CALLERS, *callers)

    def identity(self) -> IdentityFields:
        return self.keys.settings(self.module)

    def settings(self, directory: Path, **overrides: Any) -> SettingsT:
        """The module's settings on a SQLite file in `directory`, signing with its own key."""
        database_url = f"sqlite+aiosqlite:///{directory / f'{self.module}.db'}"
        return self.settings_type(**{"database_url": database_url, **self.identity(), **overrides})

    def headers(self, caller: str | None = None) -> dict[str, str]:
        """The Authorization header of a call from `caller` (default: the tests' usual caller)."""
        token = self.keys.token(caller or self.default_caller, self.module)
        return {"Authorization": f"Bearer {token}"}

    def test_client(self, app: FastAPI, caller: str | None = None) -> TestClient:
        """A TestClient authenticated as `caller`, answering errors as HTTP (no re-raised exceptions);
        entering it runs the app's lifespan (migrations included)."""
        return TestClient(app, raise_server_exceptions=False, headers=self.headers(caller))

    def asgi_client(self, app: FastAPI, caller: str | None = None) -> httpx2.AsyncClient:
        """An async HTTP client calling `app` in process (its lifespan must be running)."""
        transport = httpx2.ASGITransport(app=app)
        return httpx2.AsyncClient(
            transport=transport, base_url=f"http://{self.module}", headers=self.headers(caller)
        )

    @asynccontextmanager
    async def serving(
        self, app: FastAPI, client_type: type[ClientT]
    ) -> AsyncIterator[tuple[ClientT, httpx2.AsyncClient]]:
        """The app with its lifespan running, its facade client (as the contract suite's caller)
        and a plain HTTP client for seeding, both in process over ASGI."""
        async with app.router.lifespan_context(app):
            transport = httpx2.ASGITransport(app=app)
            signing_key = self.keys.key("contract")
            base_url = f"http://{self.module}"
            async with (
                client_type(
                    base_url, caller="contract", signing_key=signing_key, transport=transport
                ) as client,
                httpx2.AsyncClient(base_url=base_url, transport=transport, headers=self.headers()) as http,
            ):
                yield client, http

    def pytest_fixtures(self) -> tuple[Any, Any, Any]:
        """`isolated_environment` (autouse), `anyio_backend` and `settings`, to assign in conftest.py."""
        stray_prefixes = self.stray_prefixes

        @pytest.fixture(autouse=True)
        def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
            """No stray variable of the module, its peers or the kit, and no `.env` file from the
            developer's shell reaches a test."""
            for name in [n for n in os.environ if n.startswith(stray_prefixes) or n in _STRAY_NAMES]:
                monkeypatch.delenv(name)
            monkeypatch.chdir(tmp_path)

        @pytest.fixture
        def anyio_backend() -> str:
            return "asyncio"

        @pytest.fixture
        def settings(tmp_path: Path) -> SettingsT:
            return self.settings(tmp_path)

        return isolated_environment, anyio_backend, settings


def real_and_fake(real: Callable[[Path], AbstractAsyncContextManager[T]], fake: Callable[[], T]) -> Any:
    """The contract suite's fixture: each test runs once on `real(tmp_path)` (the real client over
    the real app) and once on `fake()` (the facade's fake), so the fake cannot drift from the service."""

    @pytest.fixture(params=["real", "fake"])
    async def real_or_fake(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[T]:
        if request.param == "fake":
            yield fake()
            return
        async with real(tmp_path) as value:
            yield value

    return real_or_fake
