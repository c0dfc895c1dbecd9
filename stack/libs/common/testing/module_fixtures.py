"""The fixtures every module's tests share, made for one module: its conftest.py is a few lines.

    FIXTURES = ModuleFixtures("orders", Settings, callers=("shipping",))
    KEYS, caller_headers = FIXTURES.keys, FIXTURES.headers
    isolated_environment, anyio_backend, settings = FIXTURES.pytest_fixtures()

    api = FIXTURES.api_fixture(create_app, stock="inventory")   # create_app(settings, stock=<inventory>)

    # tests/contract/: each case runs on the real client over the real app and on the fake.
    orders = FIXTURES.contract(create_app, OrdersClient, FakeOrdersClient)
"""

import functools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from common.testing.pex import SANDBOX_ROOT, ServedPex, served_pex
from service_kit.client import ServiceClient
from service_kit.contract import check_against_snapshot
from service_kit.testing import IdentityFields, ServiceKeys

SettingsT = TypeVar("SettingsT")
ClientT = TypeVar("ClientT", bound=ServiceClient)
T = TypeVar("T")
FakeT = TypeVar("FakeT")
P = ParamSpec("P")
R = TypeVar("R")
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
    async def serving(self, app: FastAPI, client_type: type[ClientT]) -> AsyncIterator["Served[ClientT]"]:
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
                yield Served(client, http, app)

    def api_fixture(self, create_app: Callable[..., FastAPI], **peers: str) -> Any:
        """The `api` fixture, to assign in conftest.py: a TestClient (see test_client) over
        `create_app(settings, **{argument: the fixture named peers[argument]})`, so a test that also
        asks for that fixture (a peer's fake) arranges what the app will see."""

        @pytest.fixture
        def api(settings: SettingsT, request: pytest.FixtureRequest) -> Iterator[TestClient]:
            arguments = {argument: request.getfixturevalue(name) for argument, name in peers.items()}
            with self.test_client(create_app(settings, **arguments)) as client:
                yield client

        return api

    def contract(
        self,
        create_app: Callable[..., FastAPI],
        client_type: type[ClientT],
        fake: Callable[[], Any],
        **peers: Callable[[], Any],
    ) -> Any:
        """The contract suite's fixture: each test runs once on the real `client_type` calling
        `create_app(settings, **{argument: peers[argument]()})` in process (lifespan running) and
        once on `fake()`."""

        @asynccontextmanager
        async def real(tmp_path: Path) -> AsyncIterator[ClientT]:
            async with self._served(tmp_path, create_app, client_type, peers) as served:
                yield served.client

        return real_and_fake(real, fake)

    def seeded_contract(
        self,
        create_app: Callable[..., FastAPI],
        client_type: type[ClientT],
        fake: Callable[[], Any],
        *,
        seed_real: Callable[Concatenate["Served[ClientT]", P], Awaitable[R]],
        **peers: Callable[[], Any],
    ) -> Any:
        """`contract` for a facade that cannot create what its cases read: the fixture yields a
        `Seeded` whose `seed(...)` is `seed_real(served, ...)` on the real side (through the app's
        HTTP API or its peers' fakes) and the fake's own `add(...)` on the fake."""

        def fake_side() -> Seeded[Any, P, R]:
            double = fake()

            async def seed(*args: P.args, **kwargs: P.kwargs) -> R:
                added: R = double.add(*args, **kwargs)
                return added

            return Seeded(double, seed)

        @asynccontextmanager
        async def real_side(tmp_path: Path) -> AsyncIterator[Seeded[ClientT, P, R]]:
            async with self._served(tmp_path, create_app, client_type, peers) as served:
                yield Seeded(served.client, functools.partial(seed_real, served))

        return real_and_fake(real_side, fake_side)

    def _served(
        self,
        tmp_path: Path,
        create_app: Callable[..., FastAPI],
        client_type: type[ClientT],
        peers: dict[str, Callable[[], Any]],
    ) -> AbstractAsyncContextManager["Served[ClientT]"]:
        app = create_app(self.settings(tmp_path), **{argument: make() for argument, make in peers.items()})
        return self.serving(app, client_type)

    def served_pex(self, directory: Path, **env: str) -> AbstractContextManager[ServedPex]:
        """The module's packaged PEX serving (see common.testing.pex.served_pex) with its data in
        `directory`/data and its own key; `env` adds or overrides variables. Call it with
        `headers("e2e")`."""
        variables = {f"{self.module.upper()}_DATA_DIR": str(directory / "data"), **self.keys.env(self.module)}
        return served_pex(self.module, directory, variables | env)

    def snapshot_test(self, create_app: Callable[[SettingsT], FastAPI], snapshot: Path | None = None) -> Any:
        """The snapshot test, to assign to a `test_*` name: the contract of `create_app` (auth off,
        as the published document shows it) must match `snapshot`, by default
        modules/<module>/openapi.json (`make contract-accept M=<module>` rewrites it)."""
        recorded = snapshot or SANDBOX_ROOT / "modules" / self.module / "openapi.json"

        def test_the_http_contract_matches_the_committed_snapshot() -> None:
            app = create_app(self.settings_type(auth_enabled=False))
            check_against_snapshot(app, recorded, self.module)

        return test_the_http_contract_matches_the_committed_snapshot

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


@dataclass
class Served(Generic[ClientT]):
    """A real app serving in process: its facade client, a plain HTTP client, the app itself."""

    client: ClientT
    http: httpx2.AsyncClient
    app: FastAPI


@dataclass
class Seeded(Generic[T, P, R]):
    """One side of a seeded contract suite: the facade client (real or fake) and `seed`, which puts
    its service in the state a case starts from."""

    client: T
    seed: Callable[P, Awaitable[R]]


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
