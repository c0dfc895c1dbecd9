"""A module's routes become the app's own (matched once per request), behind the kit's auth."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from service_kit.app import create_service_app
from service_kit.tests.demo_app import KEYS, demo_app, demo_settings


def test_module_routes_are_routes_of_the_app_itself() -> None:
    app = demo_app()

    paths = {
        (route.path, method)
        for route in app.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }

    assert {("/api/v1/items/{item_id}", "GET"), ("/api/v1/items/{item_id}", "POST")} <= paths


def test_the_kit_guards_a_module_route_it_added_to_the_app() -> None:
    client = TestClient(demo_app())

    refused = client.post("/api/v1/items/fresh")
    created = client.post("/api/v1/items/fresh", headers=KEYS.headers("tests", "demo"))

    assert (refused.status_code, created.status_code) == (401, 201)


def test_a_router_with_a_lifespan_of_its_own_is_included_and_its_lifespan_runs() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        events.append("started")
        yield
        events.append("stopped")

    router = APIRouter(prefix="/api/v1/things", lifespan=lifespan)

    @router.get("")
    async def list_things() -> list[str]:
        return []

    with TestClient(create_service_app(demo_settings(), routers=[router])) as client:
        assert client.get("/api/v1/things").json() == []

    assert events == ["started", "stopped"]


def _kit_checks(app: FastAPI, method: str) -> list[str]:
    """The names of the dependencies the kit put on the demo's item route for `method`."""
    (route,) = (
        route
        for route in app.router.routes
        if isinstance(route, APIRoute)
        and route.path == "/api/v1/items/{item_id}"
        and method in (route.methods or ())
    )
    return [
        getattr(dependency.call, "__name__", type(dependency.call).__name__)
        for dependency in route.dependant.dependencies
    ]


def test_the_kit_decides_at_creation_which_checks_a_route_needs() -> None:
    limiter_off = demo_settings(rate_limit_enabled=False)
    # An open read with the limiter off has nothing to check: no dependency at all.
    assert _kit_checks(demo_app(limiter_off), "GET") == []
    assert _kit_checks(demo_app(limiter_off), "POST") == ["AuthGuard"]
    assert _kit_checks(demo_app(demo_settings(rate_limit_enabled=False, auth_protect_reads=True)), "GET") == [
        "AuthGuard"
    ]
    assert _kit_checks(demo_app(demo_settings(rate_limit_enabled=False, auth_enabled=False)), "POST") == []
    # With the limiter on, an open read is only limited; a guarded write is both.
    assert _kit_checks(demo_app(demo_settings(rate_limit_enabled=True)), "GET") == ["RateLimiter"]
    assert _kit_checks(demo_app(demo_settings(rate_limit_enabled=True)), "POST") == [
        "authenticated_and_limited"
    ]


def test_an_open_read_with_the_limiter_off_still_serves_and_a_write_is_still_guarded() -> None:
    client = TestClient(demo_app(demo_settings(rate_limit_enabled=False)))

    assert client.get("/api/v1/items/a").status_code == 200
    assert client.post("/api/v1/items/b").status_code == 401
    assert client.post("/api/v1/items/b", headers=KEYS.headers("tests", "demo")).status_code == 201


def test_a_modules_routes_are_matched_before_the_kits_own_which_still_answer() -> None:
    app = demo_app()
    paths = [getattr(route, "path", "") for route in app.router.routes]

    first_kit_route = min(paths.index(path) for path in ("/health", "/ready", "/metrics", "/api/docs"))
    assert (
        max(index for index, path in enumerate(paths) if path.startswith("/api/v1/items")) < first_kit_route
    )
    client = TestClient(app)
    assert client.get("/health").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200


def test_a_module_route_that_would_answer_a_kit_path_is_refused_naming_both() -> None:
    router = APIRouter()

    @router.get("/{page}")
    async def any_page(page: str) -> str:
        return page

    with pytest.raises(ValueError, match=r"route '/\{page\}' also answers the kit's /health"):
        create_service_app(demo_settings(), routers=[router])
