"""The shipping app: the service kit around the shipment routes; `run` is the PEX entry point."""

from fastapi import FastAPI

from orders.backend.public import OrdersClient
from service_kit.database import database_lifespan, database_ready
from service_kit.messaging.app import create_event_service_app
from service_kit.peers import Peer, Peers
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
    peers = Peers(settings.service_name, orders=Peer(OrdersClient, replacement=orders))
    return create_event_service_app(
        settings,
        subscriptions=subscriptions,
        routers=[shipments.router],
        lifespan=peers.around(database_lifespan(MIGRATIONS_DIR)),
        readiness_checks={"database": database_ready, **peers.readiness_checks},
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
