"""The orders app: the service kit around the orders routes; `run` is the PEX entry point."""

from fastapi import FastAPI

from inventory.backend.public import InventoryClient
from orders.backend.api.metrics import BUSINESS_METRICS
from orders.backend.api.routes import orders
from orders.backend.config import Settings
from orders.backend.repository.migrations import MIGRATIONS_DIR
from orders.backend.service.exceptions import (
    InsufficientStock,
    InvalidOrder,
    InventoryBusy,
    InventoryFailed,
    InventoryUnavailable,
    OrderNotFound,
    OrderStateConflict,
    ReservationExpired,
)
from orders.backend.service.stock import StockReservations
from service_kit.database import database_lifespan, database_ready
from service_kit.messaging.app import create_event_service_app
from service_kit.peers import Peer, Peers
from service_kit.server import service_main
from service_kit.settings import load_settings


def create_app(settings: Settings | None = None, stock: StockReservations | None = None) -> FastAPI:
    """`stock` replaces the InventoryClient (tests pass inventory's fake or an in-process client)."""
    settings = settings or load_settings(Settings)
    inventory = Peer(
        InventoryClient,
        replacement=stock,
        timeout_seconds=settings.inventory_timeout_seconds,
        retries=settings.inventory_retries,
    )
    peers = Peers(settings.service_name, stock=inventory)
    return create_event_service_app(
        settings,
        publishes=True,
        routers=[orders.router],
        lifespan=peers.around(database_lifespan(MIGRATIONS_DIR)),
        readiness_checks={"database": database_ready, **peers.readiness_checks},
        domain_errors={
            OrderNotFound: 404,
            OrderStateConflict: 409,
            InsufficientStock: 409,
            InvalidOrder: 422,
            ReservationExpired: 409,
            InventoryUnavailable: 503,
            InventoryBusy: 503,
            InventoryFailed: 502,
        },
        business_metrics=BUSINESS_METRICS,
    )


def run() -> None:
    service_main(create_app, Settings, migrations_dir=MIGRATIONS_DIR)


if __name__ == "__main__":
    run()
