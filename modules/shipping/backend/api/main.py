"""The shipping app: the service kit around the shipment routes; `run` is the PEX entry point."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from orders.backend.public import OrdersClient
from service_kit.app import create_service_app
from service_kit.client import require_peer_urls
from service_kit.database import database_lifespan, database_ready
from service_kit.idempotency import PURGE_INTERVAL_SECONDS, purge_expired_keys
from service_kit.messaging.lifespan import subscribing
from service_kit.messaging.metrics import EventMetrics
from service_kit.messaging.routes import dead_letter_router
from service_kit.messaging.settings import require_broker
from service_kit.periodic import periodic
from service_kit.readiness import http_health_check
from service_kit.server import service_main
from service_kit.settings import load_settings
from shipping.backend.api.routes import shipments
from shipping.backend.config import Settings
from shipping.backend.repository.migrations import MIGRATIONS_DIR
from shipping.backend.service.exceptions import (
    InvalidTransition,
    OrderNotConfirmed,
    ShipmentNotFound,
    UnknownOrder,
)
from shipping.backend.service.ports import OrdersReader
from shipping.backend.subscriptions import subscriptions


def create_app(settings: Settings | None = None, orders: OrdersReader | None = None) -> FastAPI:
    """`orders` replaces the OrdersClient (tests pass orders' FakeOrdersClient). An orders outage
    is answered by the kit: 503 (Retry-After when orders rate-limits), else 502, no internals."""
    settings = settings or load_settings(Settings)
    if orders is None:
        require_peer_urls(OrdersClient)
    require_broker(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database_lifespan(MIGRATIONS_DIR)(app), OrdersClient(
            caller="shipping"
        ) as client, periodic(
            "idempotency-purge", PURGE_INTERVAL_SECONDS, lambda: purge_expired_keys(app.state.session_factory)
        ), subscribing(
            app, subscriptions(app.state.session_factory), settings
        ):
            app.state.orders = orders or client
            yield

    event_metrics = EventMetrics()
    checks = {"database": database_ready}
    if orders is None:
        checks["orders"] = http_health_check(lambda app: str(app.state.orders.base_url), "orders")
    app = create_service_app(
        settings,
        routers=[shipments.router, dead_letter_router()],
        lifespan=lifespan,
        readiness_checks=checks,
        domain_errors={
            ShipmentNotFound: 404,
            UnknownOrder: 422,
            OrderNotConfirmed: 409,
            InvalidTransition: 409,
        },
        business_metrics=event_metrics.collectors,
    )
    app.state.event_metrics = event_metrics
    return app


def run() -> None:
    service_main(create_app, Settings, migrations_dir=MIGRATIONS_DIR)


if __name__ == "__main__":
    run()
