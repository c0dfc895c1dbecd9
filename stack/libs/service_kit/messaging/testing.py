"""Test helpers of events: the event tables on a scratch database (Redis: common.testing.redis)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.database import create_engine
from service_kit.messaging.tables import metadata


@asynccontextmanager
async def event_tables(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on `database_url` with the outbox, inbox and cursor tables created (no migrations)."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()
