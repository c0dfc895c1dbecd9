"""The shipping app: the service kit around the shipment routes; `run` is the PEX entry point."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from orders.backend.public import OrdersClient
from service_kit.client import require_peer_urls
from service_kit.database import database_lifespan, database_ready
from service_kit.idempotency import PURGE_INTERVAL_SECONDS, purge_expired_keys
from service_kit.messaging.app import create_event_service_app
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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database_lifespan(MIGRATIONS_DIR)(app), OrdersClient(
            caller="shipping"
        ) as client, periodic(
            "idempotency-purge", PURGE_INTERVAL_SECONDS, lambda: purge_expired_keys(app.state.session_factory)
        ):
            app.state.orders = orders or client
            yield

    checks = {"database": database_ready}
    if orders is None:
        checks["orders"] = http_health_check(lambda app: str(app.state.orders.base_url), "orders")
    return create_event_service_app(
        settings,
        subscriptions=subscriptions,
        routers=[shipments.router],
        lifespan=lifespan,
        readiness_checks=checks,
        domain_errors={
            ShipmentNotFound: 404,
            UnknownOrder: 422,
            OrderNotConfirmed: 409,
            InvalidTransition: 409,
        },
    )


def run() -> None:
    service_main(create_app, Settings, migrations_dir=MIGRATIONS_DIR)


if __name__ == "__main__":
    run()
