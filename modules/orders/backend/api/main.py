"""The orders FastAPI app factory and the PEX entry point."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker

from common.body_limit import BodySizeLimitMiddleware
from common.database import create_engine, upgrade_to_head
from common.errors import install_error_handlers
from common.server import serve
from orders.backend.api.errors import install_domain_error_handlers
from orders.backend.api.routes import health, orders
from orders.backend.config import Settings
from orders.backend.repository.migrations import MIGRATIONS_DIR


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        await upgrade_to_head(engine, MIGRATIONS_DIR)
        app.state.session_factory = async_sessionmaker(engine, expire_on_commit=False)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="orders",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    install_domain_error_handlers(app)
    app.include_router(health.router)
    app.include_router(orders.router)
    return app


def run() -> None:
    settings = Settings()
    serve(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    run()
