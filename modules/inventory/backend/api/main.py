"""The inventory app: the service kit around the inventory routes; `run` is the PEX entry point."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from inventory.backend.api.metrics import BUSINESS_METRICS
from inventory.backend.api.routes import products, reservations
from inventory.backend.config import Settings
from inventory.backend.repository.migrations import MIGRATIONS_DIR
from inventory.backend.repository.unit_of_work import SqlAlchemyUnitOfWork
from inventory.backend.service import exceptions
from inventory.backend.service import inventory as service
from service_kit.app import create_service_app
from service_kit.database import database_lifespan, database_ready
from service_kit.periodic import periodic
from service_kit.server import service_main
from service_kit.settings import load_settings

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings(Settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def reap() -> None:
            released = await service.release_expired(SqlAlchemyUnitOfWork(app.state.session_factory))
            if released:
                logger.info("released %d expired reservations", released, extra={"released": released})

        async with database_lifespan(MIGRATIONS_DIR)(app), periodic(
            "reservation-reaper", settings.reservation_reap_interval_seconds, reap
        ):
            yield

    return create_service_app(
        settings,
        routers=[products.router, reservations.router],
        lifespan=lifespan,
        readiness_checks={"database": database_ready},
        domain_errors={
            exceptions.ProductNotFound: 404,
            exceptions.ReservationNotFound: 404,
            exceptions.InsufficientStock: 409,
            exceptions.ReservationMismatch: 409,
            exceptions.ReservationStateConflict: 409,
            exceptions.ReservationExpired: 409,
            exceptions.StockBelowReserved: 409,
        },
        business_metrics=BUSINESS_METRICS,
    )


def run() -> None:
    service_main(create_app, Settings, migrations_dir=MIGRATIONS_DIR)


if __name__ == "__main__":
    run()
