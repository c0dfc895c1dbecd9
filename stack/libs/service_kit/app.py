"""create_service_app: a module's routers and settings in, a production-ready FastAPI app out."""

import inspect
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response, params
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Scope

from service_kit.api_docs import install_api_docs
from service_kit.auth import READ_METHODS, AuthGuard
from service_kit.body_limit import BodySizeLimitMiddleware
from service_kit.idempotency_header import install_idempotency
from service_kit.identity import reloading
from service_kit.metrics import HttpMetrics
from service_kit.middleware import ObservabilityMiddleware
from service_kit.problems import PROBLEM_JSON, document_problems, install_problem_handlers, problem_body
from service_kit.rate_limit import RateLimiter
from service_kit.readiness import ReadinessCheck, run_checks
from service_kit.settings import ServiceSettings
from service_kit.tracing import FASTAPI_TELEMETRY, server_spans

logger = logging.getLogger(__name__)
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_service_app(
    settings: ServiceSettings,
    *,
    routers: Sequence[APIRouter],
    version: str = "0.1.0",
    lifespan: Lifespan | None = None,
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    domain_errors: Mapping[type[Exception], int] | None = None,
    business_metrics: Sequence[Collector] = (),
) -> FastAPI:
    """The module's routers behind auth and rate limits, plus /health, /ready and /metrics.

    `lifespan` opens and closes the module's own resources (database, clients); `domain_errors`
    maps the module's exceptions to HTTP statuses; `business_metrics` are exposed on /metrics.
    """
    metrics = HttpMetrics(tuple(business_metrics))
    checks = dict(readiness_checks or {})
    keys = settings.key_ring() if settings.auth_enabled else None

    @asynccontextmanager
    async def kit_lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.auth_enabled:
            logger.warning(
                "service-to-service auth is OFF: write endpoints accept unauthenticated requests. "
                "Only acceptable for local development."
            )
        async with reloading(keys, settings.jwks_reload_seconds):
            if lifespan is None:
                yield
            else:
                async with lifespan(app):
                    yield
        logger.info("%s stopped: resources closed", settings.service_name)

    app = FastAPI(
        title=settings.service_name,
        version=version,
        lifespan=kit_lifespan,
        # FastAPI's own docs page loads Swagger UI from a CDN; install_api_docs serves it locally.
        docs_url=None,
        openapi_url="/api/openapi.json",
        redoc_url=None,
        telemetry=FASTAPI_TELEMETRY,
    )
    install_api_docs(app, docs_url="/api/docs")
    app.state.settings = settings
    app.state.metrics = metrics
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    install_problem_handlers(app, domain_errors or {})
    install_idempotency(app)

    guard = AuthGuard(
        keys=keys,
        audience=settings.service_name,
        enabled=settings.auth_enabled,
        protect_reads=settings.auth_protect_reads,
        environment=settings.environment,
    )
    app.state.auth_guard = guard  # what a route's `callers(...)` dependency checks against
    limiter = RateLimiter(
        settings.rate_limit, settings.rate_limit_routes, settings.rate_limit_enabled, settings.trusted_proxies
    )

    async def authenticated_and_limited(request: Request) -> None:
        try:
            await guard(request)
        except HTTPException as exc:
            if exc.status_code == 401:
                # Guessing tokens costs the guesser's address its budget: 429 once it is spent.
                await limiter(request)
            raise
        await limiter(request)

    include_flat(
        app,
        _operations_router(settings.service_name, metrics, checks, settings.readiness_timeout_seconds),
        [],
    )
    kit_routes = list(app.router.routes)  # FastAPI's OpenAPI document, the docs pages, the operations

    def kit_dependencies(route: APIRoute) -> list[params.Depends]:
        """What the kit checks on `route`, decided once here rather than on every request: a
        check that can only pass (auth off, or an open read; the limiter off) is left out, and
        with it FastAPI's per-dependency cost."""
        methods = route.methods or set()
        open_read = bool(methods) and methods <= READ_METHODS and not guard.protect_reads
        guarded = guard.enabled and not open_read
        if limiter.enabled:
            return [Depends(authenticated_and_limited if guarded else limiter)]
        return [Depends(guard)] if guarded else []

    for router in routers:
        include_flat(app, router, [Depends(authenticated_and_limited)], kit_dependencies)
    app.router.routes[:] = _module_routes_first(app.router.routes[len(kit_routes) :], kit_routes)
    kit_operations = {
        (route.path, method)
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_problems(FastAPI.openapi(app), kit_operations)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    # Around everything Starlette builds (its error middleware included): every response, a 413 or
    # a 500 too, gets a request id, is measured and logged, and is inside the request's server span.
    spans = server_spans(app, settings.service_name)
    build_middleware_stack = app.build_middleware_stack

    def build_observed_middleware_stack() -> ASGIApp:
        return ObservabilityMiddleware(build_middleware_stack(), metrics, spans)

    app.build_middleware_stack = build_observed_middleware_stack  # type: ignore[method-assign]
    return app


def _module_routes_first(module_routes: list[BaseRoute], kit_routes: list[BaseRoute]) -> list[BaseRoute]:
    """The module's routes ahead of the kit's (OpenAPI, docs, /health, /ready, /metrics): a router
    matches a request against its routes in order, so an API request would otherwise be matched
    against the kit's eight first. A module route that would answer one of the kit's own paths
    is refused, since it would now shadow it."""
    for kit_route in kit_routes:
        path = _PATH_PARAMETER.sub("x", getattr(kit_route, "path_format", ""))
        if not path:
            continue
        probe: Scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
        for route in module_routes:
            if route.matches(dict(probe))[0] is Match.FULL:
                raise ValueError(
                    f"the module's route {getattr(route, 'path', route)!r} also answers the kit's {path}; "
                    "give it a path under the module's own prefix (e.g. /api/v1/...)"
                )
    return [*module_routes, *kit_routes]


_PATH_PARAMETER = re.compile(r"{[^}]*}")


# What add_api_route takes that an APIRoute keeps under the same name (path, endpoint and
# dependencies are passed on their own).
_ROUTE_OPTIONS = tuple(
    name
    for name in inspect.signature(APIRouter.add_api_route).parameters
    if name not in ("self", "path", "endpoint", "dependencies")
)


def include_flat(
    app: FastAPI,
    router: APIRouter,
    dependencies: Sequence[params.Depends],
    route_dependencies: Callable[[APIRoute], Sequence[params.Depends]] | None = None,
) -> None:
    """`app.include_router(router, dependencies=...)`, each APIRoute added to the app's own router.

    FastAPI keeps an included router as one entry that matches a request by matching its routes,
    then matches them again to handle it: for orders' GET by id, 116k of its 1,372k instructions
    (docs/benchmarks.md). Routes of the app itself are matched once. A router holding anything
    but plain APIRoutes (mounts, websockets, routers it includes), or with startup, shutdown or
    lifespan handlers of its own, is included as FastAPI does, with `dependencies`. A route
    added to the app gets `route_dependencies(route)` in their place when that is given.
    """
    plain = all(type(route) is APIRoute for route in router.routes)
    handlers = (
        router.on_startup
        or router.on_shutdown
        or type(router.lifespan_context).__name__ != "_DefaultLifespan"
    )
    if not plain or handlers:
        app.include_router(router, dependencies=list(dependencies))
        return
    for route in router.routes:
        assert isinstance(route, APIRoute)
        options = {name: getattr(route, name) for name in _ROUTE_OPTIONS if hasattr(route, name)}
        own = dependencies if route_dependencies is None else route_dependencies(route)
        app.router.add_api_route(
            route.path, route.endpoint, dependencies=[*own, *route.dependencies], **options
        )


def _operations_router(
    service: str, metrics: HttpMetrics, checks: dict[str, ReadinessCheck], timeout: float
) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health")
    async def get_health() -> dict[str, str]:
        """Liveness: the process is up and serving requests."""
        # `service` lets a peer's readiness check tell it reached the module it meant to.
        return {"status": "ok", "service": service}

    @router.get(
        "/ready", responses={503: {"description": "A dependency is not reachable; the body names it."}}
    )
    async def get_ready(request: Request) -> JSONResponse:
        """Readiness: every dependency (database, downstream services) answers in time."""
        ready, results = await run_checks(request.app, checks, timeout)
        if ready:
            return JSONResponse({"status": "ready", "checks": results})
        failed = sorted(name for name, result in results.items() if result["status"] != "ok")
        body = problem_body(503, f"Not ready: {', '.join(failed)} failed.", instance="/ready", checks=results)
        return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)

    @router.get("/metrics", response_class=Response)
    async def get_metrics() -> Response:
        """Prometheus metrics of this service."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
