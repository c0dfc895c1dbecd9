"""The database resource of a service: engine and sessions opened in the lifespan, readiness check,
and `migrate`, what a deploy's one-off migration task runs (`<module PEX> --migrate`)."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from common.database import create_engine, create_reader, upgrade_to_head
from service_kit.idempotency import PURGE_INTERVAL_SECONDS, TABLE_NAME, purge_expired_keys
from service_kit.periodic import periodic
from service_kit.readiness import database_check
from service_kit.tracing import instrument_engine


def database_lifespan(
    migrations_dir: Path, *, purge_interval_seconds: float = PURGE_INTERVAL_SECONDS
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Open the engine on `settings.database_url`, migrate to head, expose `app.state.session_factory`
    and `app.state.reader` (a SqliteReader, or None); dispose of both on shutdown.

    Where the migrations made the kit's idempotency_keys table, its expired keys are purged every
    `purge_interval_seconds` while the app runs: the table is the one declaration, so a module with
    Idempotency-Keys cannot forget the purge, and one without them runs none.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(app.state.settings.database_url)
        reader = create_reader(app.state.settings.database_url)
        try:
            await upgrade_to_head(engine, migrations_dir)
            # After migrating: startup DDL belongs to no request, so it would only add stray traces.
            instrument_engine(engine, app.state.tracer_provider)
            if reader is not None:
                instrument_engine(reader.engine, app.state.tracer_provider)
            app.state.engine = engine
            session_factory = app.state.session_factory = async_sessionmaker(engine, expire_on_commit=False)
            app.state.reader = reader
            async with AsyncExitStack() as jobs:
                if await _has_table(engine, TABLE_NAME):
                    purge = periodic(
                        "idempotency-purge",
                        purge_interval_seconds,
                        lambda: purge_expired_keys(session_factory),
                    )
                    await jobs.enter_async_context(purge)
                yield
        finally:
            if reader is not None:
                reader.close()
            await engine.dispose()

    return lifespan


async def _has_table(engine: AsyncEngine, name: str) -> bool:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: sa.inspect(sync).has_table(name))


async def migrate(database_url: str, migrations_dir: Path) -> None:
    """Migrate the database at `database_url` to head, then close the engine."""
    engine = create_engine(database_url)
    try:
        await upgrade_to_head(engine, migrations_dir)
    finally:
        await engine.dispose()


database_ready = database_check(lambda app: app.state.engine)
