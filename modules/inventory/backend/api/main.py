"""The inventory app: the service kit around the inventory routes; `run` is the PEX entry point."""

from fastapi import FastAPI

from inventory.backend.api.metrics import BUSINESS_METRICS
from inventory.backend.api.routes import products, reservations
from inventory.backend.config import Settings
from inventory.backend.repository.migrations import MIGRATIONS_DIR
from inventory.backend.service.exceptions import (
    InsufficientStock,
    ProductNotFound,
    ReservationMismatch,
    ReservationNotFound,
    ReservationStateConflict,
    StockBelowReserved,
)
from service_kit.app import create_service_app
from service_kit.database import database_lifespan, database_ready
from service_kit.server import service_main
from service_kit.settings import load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or load_settings(Settings),
        routers=[products.router, reservations.router],
        lifespan=database_lifespan(MIGRATIONS_DIR),
        readiness_checks={"database": database_ready},
        domain_errors={
            ProductNotFound: 404,
            ReservationNotFound: 404,
            InsufficientStock: 409,
            ReservationMismatch: 409,
            ReservationStateConflict: 409,
            StockBelowReserved: 409,
        },
        business_metrics=BUSINESS_METRICS,
    )


def run() -> None:
    service_main(create_app, Settings)


if __name__ == "__main__":
    run()
