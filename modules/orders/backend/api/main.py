"""The orders app: the service kit around the orders routes; `run` is the PEX entry point."""

from fastapi import FastAPI

from orders.backend.api.metrics import BUSINESS_METRICS
from orders.backend.api.routes import orders
from orders.backend.config import Settings
from orders.backend.repository.migrations import MIGRATIONS_DIR
from orders.backend.service.exceptions import InvalidOrder, OrderNotFound, OrderStateConflict
from service_kit.app import create_service_app
from service_kit.database import database_lifespan, database_ready
from service_kit.server import run_service
from service_kit.settings import load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or load_settings(Settings),
        routers=[orders.router],
        lifespan=database_lifespan(MIGRATIONS_DIR),
        readiness_checks={"database": database_ready},
        domain_errors={OrderNotFound: 404, OrderStateConflict: 409, InvalidOrder: 422},
        business_metrics=BUSINESS_METRICS,
    )


def run() -> None:
    settings = load_settings(Settings)
    run_service(create_app(settings), settings)


if __name__ == "__main__":
    run()
